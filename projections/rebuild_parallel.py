"""Rebuild every read model with several processes, each reading the log itself.

One process folds a long log at the speed of Python's work per event; the read models are
independent of each other, so they are shared out between processes (``rebuild_plan``), each
a plain subprocess (the ``command`` given, ``python -m services.rebuild_worker`` for the
service) that reads and decodes the log itself and runs ``rebuild_all`` on its share.
Exactly-once still holds per read model: each batch of a read model and its position commit
in one transaction, the position moved by compare-and-set, and each process writes only its
own read models' generations. The generations are begun here, before any process starts,
and handed to the processes by number, so a process started again after a crash resumes the
same generations at their last batch (one that reached the head has nothing left to apply).
Each read model goes live when its process reaches the head.

The caller must lead every read model (no worker running, or their leadership held), as for
``rebuild_all``. A process that ends early is started again, up to ``restarts`` times; the
others go on meanwhile. A process notices its parent is gone (its stdin closes) and stops.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from projections.log import OrderedLog, Position
from projections.projection import Projection
from projections.rebuild import begin_rebuild
from projections.rebuild_all import BATCH, AllProgress, rebuild_all
from projections.rebuild_plan import plan
from projections.store import ReadStore
from projections.tracking import tracked

RESTARTS = 2
"""Times a process that ended early is started again before the rebuild gives up."""
STOP_SECONDS = 10.0


@dataclass
class _Worker:
    """One process, its share (passes of ``[name, generation]``) and what it last said."""

    command: Sequence[str]
    task: bytes
    process: subprocess.Popen[bytes] = field(init=False)
    position: Position = 0
    head: Position = 0
    applied: int = 0
    """Events applied by the runs before this one (a restart counts on from them)."""
    running: int = 0
    done: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage of the share, once done."""
    restarts: int = 0
    pending: bytes = b""
    started: bool = False

    def start(self) -> None:
        self.started = True
        self.process = subprocess.Popen(self.command, stdin=subprocess.PIPE,  # noqa: S603
                                        stdout=subprocess.PIPE)
        stdin = self.process.stdin
        assert stdin is not None  # noqa: S101 - opened with a pipe
        stdin.write(self.task)
        stdin.flush()  # stdin stays open: the process stops when it closes
        self.applied, self.running, self.pending = self.applied + self.running, 0, b""

    @property
    def stdout(self) -> IO[bytes]:
        stdout = self.process.stdout
        assert stdout is not None  # noqa: S101 - opened with a pipe
        return stdout

    def heard(self, data: bytes) -> Iterator[None]:
        """Take the complete lines of ``data`` (progress, or the end of the share), yielding
        after each."""
        lines = (self.pending + data).split(b"\n")
        self.pending = lines.pop()
        for line in lines:
            said = json.loads(line)
            if "done" in said:
                self.done, self.running = True, said["done"]
                self.timings = said.get("timings", {})
            else:
                self.position, self.head, self.running = (
                    said["position"], said["head"], said["applied"])
            yield

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stdout.close()


def rebuild_parallel(store: ReadStore, log: OrderedLog, projections: Sequence[Projection], *,
                     processes: int, command: Sequence[str], opening: Mapping[str, Any],
                     batch: int = BATCH, progress: Callable[[AllProgress], None] | None = None,
                     timings: dict[str, float] | None = None, restarts: int = RESTARTS) -> int:
    """Build a new generation of every projection with up to ``processes`` processes; each
    goes live when its process reaches the head. ``opening`` (JSON) tells a process how to
    open the log and the store. Returns the events applied by the pass that applied most;
    ``timings`` adds up every process's seconds per stage (``rebuild_all``'s)."""
    generations = {p.name: begin_rebuild(store, p) for p in projections}
    with store.reading() as tx:
        positions = {p.name: next(r.position for r in tracked(tx, p.name)
                                  if r.generation == generations[p.name])
                     for p in projections}
    shares = plan(projections, positions, processes)
    if len(shares) <= 1:
        return max((rebuild_all(store, log, group, batch=batch, progress=progress,
                                timings=timings,
                                generations={p.name: generations[p.name] for p in group})
                    for share in shares for group in share), default=0)
    workers = [_Worker(command, json.dumps({
        "opening": opening, "batch": batch,
        "passes": [[[p.name, generations[p.name]] for p in group] for group in share],
    }).encode() + b"\n") for share in shares]
    with _running(workers):
        _follow(workers, restarts, progress)
    for worker in workers:
        for stage, seconds in worker.timings.items():
            if timings is not None:
                timings[stage] = timings.get(stage, 0.0) + seconds
    return max(worker.applied + worker.running for worker in workers)


@contextmanager
def _running(workers: list[_Worker]) -> Iterator[None]:
    try:
        for worker in workers:
            worker.start()
        yield
    finally:
        for worker in workers:
            if worker.started:
                worker.stop()


def _follow(workers: list[_Worker], restarts: int,
            progress: Callable[[AllProgress], None] | None) -> None:
    """Read every process's lines until each has done its share; start again one that ends
    early; raise once the others are done if one keeps ending early."""
    failed: list[str] = []
    with selectors.DefaultSelector() as selector:
        for each in workers:
            selector.register(each.stdout, selectors.EVENT_READ, each)
        while selector.get_map():
            for key, _ in selector.select():
                worker: _Worker = key.data
                data = os.read(key.fd, 1 << 16)
                if data:
                    for _ in worker.heard(data):
                        if progress is not None:
                            progress(_together(workers))
                    continue
                selector.unregister(key.fileobj)
                status = worker.process.wait()
                if worker.done:
                    continue
                if worker.restarts >= restarts:
                    failed.append(f"a rebuild process ended early (exit status {status})"
                                  f" {worker.restarts + 1} times")
                    continue
                worker.stop()
                worker.restarts += 1
                worker.start()
                selector.register(worker.stdout, selectors.EVENT_READ, worker)
    if failed:
        raise RuntimeError("; ".join(failed))


def _together(workers: list[_Worker]) -> AllProgress:
    """The slowest process's position (every read model has applied the log up to it)."""
    head = max(worker.head for worker in workers)
    return AllProgress(min(head if w.done else w.position for w in workers), head,
                       min(w.applied + w.running for w in workers),
                       tuple((w.process.pid, w.position) for w in workers))
