"""How much the mapper adds to decoding a stored event, against orjson parsing the same bytes.

The stored rows of one scripted course (every event type the bench course records) are
decoded many times by ``CanonicalMapper.to_domain_event`` and by ``orjson.loads`` alone; the
report gives microseconds per event for both and their ratio. No database: the row fetch is
the store's cost, not the decoder's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson

from bench.carepath import middle_and_ending, prepopulated
from domain.context import CommandContext
from services.store.mapper import CanonicalMapper

BEFORE = 6.2
"""The ratio measured here before the one-pass decoder; the issue sets no bar."""


@dataclass(frozen=True)
class DecodeResult:
    events: int
    orjson_us: float
    mapper_us: float

    @property
    def ratio(self) -> float:
        return self.mapper_us / self.orjson_us

    def render(self) -> str:
        return (f"decode: {self.mapper_us:.2f} us/event through the mapper, {self.orjson_us:.2f}"
                f" us/event orjson alone ({self.events} events): ratio {self.ratio:.1f}"
                f" (was {BEFORE}; no bar)")


def measure_decoding(rounds: int = 100, repeats: int = 7) -> DecodeResult:
    """Best of ``repeats`` interleaved timings of ``rounds`` passes (noise only adds time)."""
    start = datetime.now(UTC) - timedelta(days=200)
    pathway = prepopulated(0, start)
    ctx = CommandContext("t-bench", "therapist", "bench", "bench:decode", datetime.now(UTC))
    for command in middle_and_ending(start):
        pathway.handle(command, ctx)
    mapper = CanonicalMapper()
    rows = [mapper.to_stored_event(event) for event in pathway.collect_events()]
    for row in rows:  # warm the per-class caches
        mapper.to_domain_event(row)
    parse, decode = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(rounds):
            for row in rows:
                orjson.loads(row.state)
        t1 = time.perf_counter()
        for _ in range(rounds):
            for row in rows:
                mapper.to_domain_event(row)
        t2 = time.perf_counter()
        parse.append(t1 - t0)
        decode.append(t2 - t1)
    count = rounds * len(rows)
    return DecodeResult(len(rows), min(parse) / count * 1e6, min(decode) / count * 1e6)
