"""The recording's funnel, counted as the ``autowebinar_*`` rows change (the report reads these counters).

Counting on read means reading the rows of every viewer (100,000 viewers: about 1.6 s on two cores,
measured), so the store keeps two small tables of the bridge's own, written in the transaction that
changes the meta (seed 001: no aggregates in user meta):

- ``{prefix}whieda_aw_funnel``: per step (``joined``: a saved position or any progress; ``p25`` …
  ``p100``; ``cta``), how many viewers have reached it;
- ``{prefix}whieda_aw_positions``: per minute of the recording, how many viewers who have not completed
  it stand there now — where people leave, for the median.

A viewer moves between minutes once a minute of watching, so most progress reports touch no counter. Rows
are touched in key order; a deadlock between two writers is retried by ``Database.run``. ``rebuild``
counts everything again from the meta rows: the migration does, so does the ``funnel_rebuild`` job when
WordPress deleted a viewer (``whieda_user_deleted``), whose rows went without the store, and so does
``python -m sidecar funnel`` (``make funnel``) for rows written by hand.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

from ..db import Database, execute
from ..jobs import FUNNEL_REBUILD

REBUILD_MARK_SEC = 10  # deletions within one such stretch share a recount

POSITION = "autowebinar_last_position_sec"
PROGRESS = "autowebinar_progress_percent"
COMPLETED = "autowebinar_completed"
CTA = "autowebinar_cta_clicked_at"
WATCHED = (POSITION, PROGRESS, COMPLETED, CTA)
STEPS = (25, 50, 75, 100)


def _marks(values: dict[str, Any]) -> set[tuple[str, Any]]:
    """What one viewer adds to the counters."""
    marks: set[tuple[str, Any]] = set()
    position = values.get(POSITION)
    progress = values.get(PROGRESS) or 0
    if position is not None or progress > 0:  # each step includes the one before it
        marks.add(("step", "joined"))
    if position is not None and not values.get(COMPLETED):
        marks.add(("minute", int(position) // 60))
    marks.update(("step", f"p{step}") for step in STEPS if progress >= step)
    if values.get(CTA) is not None:
        marks.add(("step", "cta"))
    return marks


def count_change(conn, config, before: dict[str, Any], after: dict[str, Any]) -> None:
    """Move the counters from what ``before`` added to what ``after`` adds (one viewer, same transaction)."""
    if all(before.get(k) == after.get(k) for k in WATCHED):
        return
    old, new = _marks(before), _marks(after)
    for kind, key in sorted(old ^ new, key=lambda mark: (mark[0], str(mark[1]))):
        delta = 1 if (kind, key) in new else -1
        table, column = (config.table("whieda_aw_funnel"), "step") if kind == "step" else \
            (config.table("whieda_aw_positions"), "minute")
        execute(conn, f"INSERT INTO {table} ({column}, viewers) VALUES (%s, %s)"
                      " ON DUPLICATE KEY UPDATE viewers = viewers + VALUES(viewers)", (key, delta))


def rebuild_statements(t) -> list[str]:
    """Count every viewer again from the ``autowebinar_*`` rows (``t``: the table-name function)."""
    meta = t("usermeta")
    steps = " UNION ALL ".join(
        [f"SELECT 'joined', COUNT(DISTINCT user_id) FROM {meta} WHERE meta_key = '{POSITION}'"
         f" OR (meta_key = '{PROGRESS}' AND CAST(meta_value AS UNSIGNED) > 0)",
         f"SELECT 'cta', COUNT(*) FROM {meta} WHERE meta_key = '{CTA}' AND meta_value <> ''"]
        + [f"SELECT 'p{s}', COUNT(*) FROM {meta} WHERE meta_key = '{PROGRESS}' AND CAST(meta_value AS UNSIGNED) >= {s}"
           for s in STEPS])
    return [
        f"DELETE FROM {t('whieda_aw_funnel')}",
        f"INSERT INTO {t('whieda_aw_funnel')} (step, viewers) {steps}",
        f"DELETE FROM {t('whieda_aw_positions')}",
        f"""INSERT INTO {t('whieda_aw_positions')} (minute, viewers)
              SELECT CAST(p.meta_value AS UNSIGNED) DIV 60, COUNT(*) FROM {meta} p
              LEFT JOIN {meta} c ON c.user_id = p.user_id AND c.meta_key = '{COMPLETED}'
              WHERE p.meta_key = '{POSITION}' AND COALESCE(c.meta_value, '0') <> '1'
              GROUP BY CAST(p.meta_value AS UNSIGNED) DIV 60""",
    ]


def rebuild(conn, config) -> None:
    for statement in rebuild_statements(config.table):
        execute(conn, statement)


def on_user_deleted(ctx, call) -> None:
    """``whieda_user_deleted``: count the funnel again once the deleting is over. Every deletion of a
    stretch of ``REBUILD_MARK_SEC`` shares the recount at its end (a screen of users deleted at once is
    a few recounts), and that recount starts after each of them: WordPress deleted the rows before it
    sent the call."""
    due = ctx.now.replace(microsecond=0) + timedelta(seconds=REBUILD_MARK_SEC - ctx.now.second % REBUILD_MARK_SEC)
    ctx.enqueue(FUNNEL_REBUILD, {}, run_at=due, dedup_key=f"{FUNNEL_REBUILD}:{due:%Y%m%dT%H%M%S}")


def run_rebuild_job(job, rt) -> None:
    """Runner of ``funnel_rebuild``."""
    rt.db.run(lambda conn: rebuild(conn, rt.config))


def run_cli(config, out=sys.stdout) -> int:
    """``python -m sidecar funnel``: count again, then print the counters by step."""
    db = Database(config)
    db.run(lambda conn: rebuild(conn, config))
    found = db.query(f"SELECT step, viewers FROM {config.table('whieda_aw_funnel')}")
    counted = {row["step"]: int(row["viewers"]) for row in found}
    print("the recording's funnel, counted again from the autowebinar_* rows:", file=out)
    for step in ("joined", *(f"p{n}" for n in STEPS), "cta"):
        print(f"  {step:<7} {counted.get(step, 0)}", file=out)
    return 0
