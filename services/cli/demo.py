"""``carepath demo``: seed the synthetic caseload through the application layer, with progress.

Up to ``BULK_FROM`` pathways go command by command through the application, as a clinic would
send them. A larger caseload (``--demo-size 10000``) is decided by the same aggregate in
memory and saved a hundred pathways per transaction (``services.demo.bulk``): the same ids,
events and idempotency records, in minutes rather than hours. Either way the demo's two ipt-g
groups and its couple pathway follow, command by command (``services.demo.formats``).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from typing import Any

from services.cli.common import settings_from
from services.cli.config import storage_description

DEMO_BATCH = 8
BULK_FROM = 200
"""Above this many pathways the demo is seeded in batches (see ``services.demo.bulk``)."""
PROGRESS_SECONDS = 2.0
DEMO_EPILOG = """\
examples:
  carepath demo                         seed ./data (or CAREPATH_DATA_DIR) and print a summary
                                        (the pathways, then two ipt-g groups and a couple)
  carepath demo --count 96 --seed 11    a larger caseload; another seed, other pathways
  carepath demo --demo-size 10000       a clinic at scale (decided in memory, saved in batches)

Seeding is idempotent: running it again on the same data records nothing new.
"""


def demo_command(args: argparse.Namespace) -> int:
    from services.composition import bootstrap  # noqa: PLC0415 - keep --help fast

    settings = settings_from(args)
    container = bootstrap(settings)
    try:
        print(f"seeding the demo caseload into {storage_description(settings)}", flush=True)
        seed(container.pathways, container.groups, count=args.count, seed=args.seed)
    finally:
        container.close()
    return 0


def seed(pathways: Any, groups: Any, *, count: int, seed: int) -> Any:
    """Seed ``count`` pathways, printing progress as it goes, then the groups and the couple
    (``services.demo.formats``), then the summary of both."""
    if count > BULK_FROM:
        from services.demo.bulk import seed_bulk  # noqa: PLC0415

        print(f"  demo: {count:,} pathways, decided in memory and saved in batches", flush=True)
        summary = seed_bulk(pathways, count=count, seed=seed, progress=Progress())
    else:
        from services.demo import seed_demo  # noqa: PLC0415

        summary = seed_demo(pathways, count=count, seed=seed, progress=Progress(every=DEMO_BATCH))
    from services.demo import seed_formats  # noqa: PLC0415

    summary = replace(summary, formats=seed_formats(pathways, groups, seed=seed))
    print(summary.render(), flush=True)
    return summary


class Progress:
    """``demo: done/total pathways``, every ``every`` pathways or every 2 s, with rate and ETA."""

    def __init__(self, every: int | None = None) -> None:
        self.every = every
        self.started = self.shown = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        due = (done % self.every == 0) if self.every else now - self.shown >= PROGRESS_SECONDS
        if not due and done != total:
            return
        self.shown = now
        rate = done / max(1e-6, now - self.started)
        eta = f", ETA {(total - done) / rate:,.0f}s" if done < total and rate > 0 else ""
        print(f"  demo: {done:,}/{total:,} pathways ({rate:,.0f}/s{eta})", flush=True)
