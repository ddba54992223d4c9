"""HMAC signatures shared with the WordPress plugin.

A signed message carries ``X-Whieda-Timestamp`` (unix seconds) and
``X-Whieda-Signature: sha256=<hex>``, the HMAC-SHA256 of ``timestamp + "." + body``
keyed with the shared secret. The timestamp bounds replays to a time window.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Whieda-Timestamp"
SIGNATURE_HEADER = "X-Whieda-Signature"


class BadSignature(Exception):
    """The message is not signed with our secret, or not within the time window."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def sign(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The headers that sign ``body`` now."""
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(secret: str, headers, body: bytes, max_skew: int, now: float | None = None) -> None:
    """Raise :class:`BadSignature` unless ``headers`` sign ``body`` within ``max_skew`` seconds."""
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    given = headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not given:
        raise BadSignature("missing signature headers")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise BadSignature("malformed timestamp")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > max_skew:
        raise BadSignature(f"timestamp more than {max_skew} s away from the sidecar's clock")
    if not hmac.compare_digest(signature(secret, timestamp, body), given):
        raise BadSignature("signature does not match")
