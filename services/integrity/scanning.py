"""The fast pass of a whole-store verification: every event's leaf recomputed from the
events table, in parallel worker processes, and the tree folded level by level.

Workers (``entries.chunk_leaves``) read position ranges of the log and return leaf hashes;
this process folds them into the roots it was asked for (the latest checkpoint's size, an
auditor's checkpoint's, the stored head's) with :class:`StreamingRoot`, keeping only one
partial level of the tree at a time.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter

from services.errors import StoreUnavailable
from services.integrity import merkle
from services.integrity.entries import (
    Chunk,
    ChunkLeaves,
    Location,
    leaves_of,
    open_connection,
    pair_hashes,
)

CHUNK_POSITIONS = 32_768
MAX_JOBS = 4
_LEAF = struct.Struct("32s")
_first = itemgetter(0)


def default_jobs() -> int:
    return max(1, min(MAX_JOBS, os.cpu_count() or 1))


class StreamingRoot:
    """Folds leaves, in order, into the complete subtrees the wanted tree sizes need."""

    def __init__(self, sizes: Iterable[int]) -> None:
        self.sizes = sorted({size for size in sizes if size > 0})
        self._wanted: dict[int, set[int]] = {}
        for size in self.sizes:
            for level, index in merkle.frontier_keys(size):
                self._wanted.setdefault(level, set()).add(index)
        self._levels: list[list[bytes]] = []
        self._bases: list[int] = []
        self.captured: dict[merkle.NodeKey, bytes] = {}
        self.count = 0

    def add(self, leaves: list[bytes]) -> None:
        self.count += len(leaves)
        incoming, level = leaves, 0
        while incoming:
            if level == len(self._levels):
                self._levels.append([])
                self._bases.append(0)
            buffer = self._levels[level] + incoming if self._levels[level] else incoming
            base = self._bases[level]
            for index in self._wanted.get(level, ()):
                if base <= index < base + len(buffer):
                    self.captured[(level, index)] = buffer[index - base]
            paired = len(buffer) & ~1
            self._levels[level] = buffer[paired:]
            self._bases[level] = base + paired
            incoming = pair_hashes(buffer[:paired]) if paired else []
            level += 1

    def root(self, size: int) -> bytes | None:
        """The root at ``size`` (one of the wanted sizes), None if fewer leaves came."""
        keys = merkle.frontier_keys(size)
        if size > self.count or not all(key in self.captured for key in keys):
            return None
        return merkle.fold([self.captured[key] for key in keys])


@dataclass
class ScanResult:
    roots: StreamingRoot
    complete: bool = True
    """False if some row had a NULL column."""
    counts: list[tuple[Chunk, int]] = field(default_factory=list)
    """Events found in each chunk, in order."""

    def locate(self, ordinal: int) -> tuple[Chunk, int] | None:
        """The chunk holding the ``ordinal``-th event scanned (from 1) and its offset in it."""
        for chunk, count in self.counts:
            if ordinal <= count:
                return chunk, ordinal - 1
            ordinal -= count
        return None


def chunks(first_position: int, last_position: int,
           step: int = CHUNK_POSITIONS) -> list[Chunk]:
    """Position ranges covering ``first_position..last_position``."""
    low = max(0, first_position - 1)
    return [Chunk(start, min(start + step, last_position))
            for start in range(low, last_position, step)]


def scan(location: Location, parts: list[Chunk], sizes: Iterable[int], *, jobs: int = 1,
         progress: Callable[[int], None] | None = None) -> ScanResult:
    """Recompute every leaf of ``parts`` (in order) and fold the roots at ``sizes``."""
    result = ScanResult(StreamingRoot(sizes))
    for part in _leaves(location, parts, jobs):
        result.complete = result.complete and part.complete
        result.roots.add(list(map(_first, _LEAF.iter_unpack(part.leaves))))
        result.counts.append((part.chunk, part.count))
        if progress is not None:
            progress(part.count)
    return result


def _leaves(location: Location, parts: list[Chunk], jobs: int) -> Iterator[ChunkLeaves]:
    if jobs <= 1 or len(parts) <= 1:
        connection = open_connection(location)
        try:
            for part in parts:
                yield leaves_of(connection, location, part)
        finally:
            connection.close()
        return
    with Workers(min(jobs, len(parts))) as workers:
        yield from workers.leaves(location, parts)


class Workers:
    """Worker processes (``python -m services.integrity.entries``), fed chunks round robin
    over pipes and read back in order, so the leaves arrive in log order.

    Plain subprocesses rather than multiprocessing: nothing of the caller (its main module,
    its threads, its open connections) is imported again or inherited.
    """

    def __init__(self, count: int) -> None:
        self._processes = [subprocess.Popen(
            [sys.executable, "-m", "services.integrity.entries"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE) for _ in range(count)]

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_exc: object) -> None:
        for process in self._processes:
            if process.stdin:
                process.stdin.close()
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout:
                process.stdout.close()

    def leaves(self, location: Location, parts: list[Chunk]) -> Iterator[ChunkLeaves]:
        count = len(self._processes)
        for index, part in enumerate(parts):  # pipes hold every task; results wait for us
            self._send(self._processes[index % count], location, part)
        for index, part in enumerate(parts):
            yield self._receive(self._processes[index % count], part)

    @staticmethod
    def _send(process: subprocess.Popen[bytes], location: Location, part: Chunk) -> None:
        assert process.stdin is not None  # noqa: S101 - opened with a pipe
        task = {"location": [location.dialect, location.target, location.table],
                "chunk": [part.low, part.high]}
        process.stdin.write(json.dumps(task).encode() + b"\n")
        process.stdin.flush()

    @staticmethod
    def _receive(process: subprocess.Popen[bytes], part: Chunk) -> ChunkLeaves:
        assert process.stdout is not None  # noqa: S101 - opened with a pipe
        header = process.stdout.readline()
        if not header:
            msg = f"a verification worker ended early (exit status {process.poll()})"
            raise RuntimeError(msg)
        answer = json.loads(header)
        if "error" in answer:
            raise StoreUnavailable(answer["error"])
        leaves = process.stdout.read(answer["count"] * merkle.HASH_BYTES)
        return ChunkLeaves(part, answer["count"], leaves, answer["complete"])
