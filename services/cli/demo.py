"""``carepath demo``: seed the synthetic caseload through the application layer, with progress."""

from __future__ import annotations

import argparse
from typing import Any

from services.cli.common import settings_from
from services.cli.config import storage_description

DEMO_BATCH = 8
DEMO_EPILOG = """\
examples:
  carepath demo                         seed ./data (or CAREPATH_DATA_DIR) and print a summary
  carepath demo --count 96 --seed 11    a larger caseload; another seed, other pathways

Seeding is idempotent: running it again on the same data records nothing new.
"""


def demo_command(args: argparse.Namespace) -> int:
    from services.composition import bootstrap  # noqa: PLC0415 - keep --help fast

    settings = settings_from(args)
    container = bootstrap(settings)
    try:
        print(f"seeding the demo caseload into {storage_description(settings)}", flush=True)
        seed(container.pathways, count=args.count, seed=args.seed)
    finally:
        container.close()
    return 0


def seed(pathways: Any, *, count: int, seed: int) -> Any:
    """Seed ``count`` pathways, printing progress every few, then the summary."""
    from services.demo import seed_demo  # noqa: PLC0415

    def progress(done: int, total: int) -> None:
        if done % DEMO_BATCH == 0 or done == total:
            print(f"  demo: {done}/{total} pathways", flush=True)

    summary = seed_demo(pathways, count=count, seed=seed, progress=progress)
    print(summary.render(), flush=True)
    return summary
