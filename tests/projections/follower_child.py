"""A follower of ``CountByType`` in a process of its own, until it is killed (kill tests).

Usage: ``python follower_child.py DATA_DIR DSN|- VERSION BATCH``. The ``counting`` module's
pause variables make it stop between writing a batch's rows and committing them.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from projections.follower import FollowerOptions
from services.composition import bootstrap
from services.settings import load_settings
from tests.projections.counting import CountByType


def main() -> None:
    data_dir, dsn, version, batch = sys.argv[1:5]
    container = bootstrap(load_settings(data_dir=Path(data_dir),
                                        database_url=None if dsn == "-" else dsn))
    container.start_projections([CountByType(version=int(version))], FollowerOptions(
        poll_seconds=0.1, batch=int(batch), heartbeat_seconds=0.2, retired_grace_seconds=0.5))
    print("following", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
