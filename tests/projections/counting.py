"""A small projection for the read side's own tests: it counts events per type.

Counts are exact, so a batch applied twice or skipped shows at once; a fresh fold of the whole
log (``expected_counts``) is what every follower, kill and rebuild must end up equal to.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from domain.pathway.commands import OpenPathway
from projections.log import LoggedEvent, OrderedLog
from projections.store import ReadStore, Tx
from services.application import Caller, Pathways

PAUSE_FILE = "CAREPATH_TEST_PAUSE_FILE"
"""Environment: a path the projection creates after writing a batch's rows, before the batch
commits; it then sleeps (``PAUSE_SECONDS``) so a test can kill the process right there."""
PAUSE_SECONDS = "CAREPATH_TEST_PAUSE_SECONDS"
PAUSE_AT = "CAREPATH_TEST_PAUSE_AT"
"""Environment: pause in the first batch that reaches this log position (default: the first)."""


@dataclass
class CountByType:
    """Counts events per type; fails on demand, to show a failed batch records nothing."""

    name: str = "counts"
    version: int = 1
    fail_at: int | None = None
    delay: float = 0.0
    """Seconds to sleep per batch (a slow rebuild that a test can watch)."""

    def __post_init__(self) -> None:
        self.tables = {"counts": "CREATE TABLE IF NOT EXISTS {counts} (type TEXT PRIMARY KEY,"
                                 " n BIGINT NOT NULL)"}

    def apply(self, batch: Sequence[LoggedEvent], tx: Tx) -> None:
        seen: dict[str, int] = {}
        for logged in batch:
            if self.fail_at is not None and logged.position >= self.fail_at:
                raise RuntimeError("the worker died mid-batch")
            seen[logged.type] = seen.get(logged.type, 0) + 1
        tx.executemany("INSERT INTO {counts} (type, n) VALUES (:type, :n) ON CONFLICT (type)"
                       " DO UPDATE SET n = {counts}.n + excluded.n",
                       [{"type": t, "n": n} for t, n in seen.items()])
        if self.delay:
            time.sleep(self.delay)
        pause_file = os.environ.get(PAUSE_FILE)
        reached = batch[-1].position >= int(os.environ.get(PAUSE_AT, "0"))
        if pause_file and reached and not Path(pause_file).exists():
            Path(pause_file).write_text(str(batch[-1].position))
            time.sleep(float(os.environ.get(PAUSE_SECONDS, "60")))


def counts(store: ReadStore, projection: CountByType | None = None,
           generation: int = 1) -> dict[str, int]:
    name = projection.name if projection is not None else "counts"
    with store.transaction() as tx:
        rows = tx.with_tables({"counts": f"rm_{name}_g{generation}_counts"}).all(
            "SELECT type, n FROM {counts}")
    return {str(t): int(n) for t, n in rows}


def expected_counts(log: OrderedLog) -> dict[str, int]:
    found: dict[str, int] = {}
    for logged in log.read(0, 10_000_000):
        found[logged.type] = found.get(logged.type, 0) + 1
    return found


def open_pathways(pathways: Pathways, count: int, tag: str) -> None:
    """``count`` new pathways, one event each (a steady writer's commands)."""
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    for n in range(count):
        command = OpenPathway(occurred_at=when, client_ref=f"client-{tag}-{n}", client_age=34,
                              therapist_id="t-amara", protocol="ipt",
                              referral_date=when.date())
        pathways.open_pathway(command, Caller("t-amara", "therapist", f"corr-{tag}-{n}",
                                              f"{tag}-{n}"))
