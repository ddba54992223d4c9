"""For operators: ``/healthz`` and ``/metrics`` (``routes.py``) and the Prometheus metrics (``metrics.py``)."""
