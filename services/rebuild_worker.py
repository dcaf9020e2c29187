"""A rebuild's worker process (``python -m services.rebuild_worker``), and how to start them.

``rebuild_in_processes`` rebuilds read models with one process per core (``rebuild_parallel``),
each started as this module. A worker reads one JSON line on stdin, ``{"opening": settings,
"batch": n, "passes": [[[name, generation], ...], ...]}``, builds each pass's generations
with ``rebuild_all`` (a restarted worker resumes each at its last batch; one that reached the
head already has nothing to apply), and writes JSON lines on stdout: ``{"position", "head",
"applied"}`` after each batch, ``{"done": applied, "timings": seconds by stage}`` at the end.
Anything else it prints goes to stderr. It stops when its stdin closes (its parent is gone).

The settings travel on the pipe, secrets included, not in the environment or the command
line, where other users of the machine could read them.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any

from pydantic import SecretStr

from projections.log import OrderedLog
from projections.projection import Projection
from projections.rebuild_all import AllProgress, rebuild_all
from projections.rebuild_parallel import rebuild_parallel
from projections.registry import all_projections
from projections.store import ReadStore
from projections.tracking import tracked
from services.composition import Container, bootstrap, open_read_store
from services.settings import Settings, load_settings

COMMAND = (sys.executable, "-m", "services.rebuild_worker")
TIMEOUT_SECONDS = 60.0
"""A worker's wait for the read store: another worker may hold SQLite's write lock for a
batch, and PostgreSQL may take a while over a large batch's rows on a busy machine."""
PARENT_GONE = 3
PROCESSES_FROM = 50_000
"""Events in the log below which a rebuild runs in one process by default: starting a worker
(imports, opening the stores) costs about as much as folding tens of thousands of events."""


def processes_here() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0))


def rebuild_in_processes(container: Container, projections: Sequence[Projection], *,
                         processes: int | None = None,
                         progress: Callable[[AllProgress], None] | None = None,
                         **options: Any) -> int:
    """Rebuild ``projections`` with up to ``processes`` worker processes (default: one per
    core, or one for a log shorter than ``PROCESSES_FROM``); one process rebuilds them in this
    process."""
    log = OrderedLog(container.pathways)
    if processes is None:
        processes = processes_here() if log.head() >= PROCESSES_FROM else 1
    return rebuild_parallel(
        container.read_store, log, projections, processes=processes, command=COMMAND,
        opening=settings_payload(container.settings), progress=progress, **options)


def settings_payload(settings: Settings) -> dict[str, Any]:
    """The settings as plain JSON values, secrets revealed (``load_settings(**it)`` again)."""
    payload: dict[str, Any] = settings.model_dump(mode="json")  # secrets masked here
    payload.update((name, value.get_secret_value()) for name, value in settings
                   if isinstance(value, SecretStr))
    return payload


def work(task: Mapping[str, Any], say: Callable[[dict[str, Any]], None],
         timings: dict[str, float] | None = None) -> int:
    """Build the task's passes; return the events applied by the pass that applied most."""
    # The parent opened the store: its tables exist, and a worker only reads the log.
    settings = load_settings(**task["opening"]).model_copy(
        update={"create_event_tables": False})
    container = bootstrap(settings)
    store = open_read_store(settings, timeout_seconds=TIMEOUT_SECONDS)
    by_name = {projection.name: projection for projection in all_projections()}
    applied = 0
    try:
        log = OrderedLog(container.pathways)
        for group in task["passes"]:
            building = {name: int(generation) for name, generation in group}
            _check_present(store, building)
            applied = max(applied, rebuild_all(
                store, log, [by_name[name] for name in building], batch=task["batch"],
                generations=building, timings=timings,
                progress=lambda done: say({"position": done.position, "head": done.head,
                                           "applied": done.applied})))
    finally:
        store.close()
        container.close()
    return applied


def _check_present(store: ReadStore, building: Mapping[str, int]) -> None:
    """Each generation to build still exists (a generation that reached the head in an
    earlier run is built again from there: nothing to apply, or the events since)."""
    with store.reading() as tx:
        for name, generation in building.items():
            if not any(r.generation == generation for r in tracked(tx, name)):
                msg = f"read model {name} has no generation {generation} to build"
                raise LookupError(msg)


def _exit_when_parent_gone(stdin: IO[str]) -> None:
    stdin.read()
    os._exit(PARENT_GONE)


def main() -> int:
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # prints and logs go to stderr

    def say(message: dict[str, Any]) -> None:
        protocol.write(json.dumps(message) + "\n")

    task = json.loads(sys.stdin.readline())
    threading.Thread(target=_exit_when_parent_gone, args=(sys.stdin,), daemon=True).start()
    timings: dict[str, float] = {}
    say({"done": work(task, say, timings), "timings": timings})
    protocol.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
