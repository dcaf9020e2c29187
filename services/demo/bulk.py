"""A large demo caseload, decided by the domain in memory and saved many pathways per save.

Seeding through the application one command per save is what a clinic does, and it is slow
for thousands of pathways (each save is a transaction; PostgreSQL takes the events table's lock
for each). Here every command of a pathway still goes to the aggregate, which decides it under
the clinical rules exactly as ``Pathways.execute`` would (the same context: the seeder as
actor, the same idempotency keys, a recorded time from the application's clock), and then a
batch of decided pathways is saved in one transaction. The pathway ids and idempotency
records are the ones the command-by-command seeding writes, so the two paths agree and either
can resume the other: a pathway already stored is left alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta
from uuid import UUID, uuid5

from domain.context import CommandContext
from domain.errors import CommandRejected
from domain.pathway.aggregate import Pathway
from domain.pathway.commands import OpenPathway
from domain.pathway.state import PathwayState
from services.application import _OPEN_NAMESPACE, Pathways, request_digest
from services.demo.script import shifted
from services.demo.seed import _anchor_day, _caller, _shift_days, plan
from services.demo.summary import DemoSummary, summarise

SAVE_BATCH = 100
"""Pathways per save (one transaction of roughly 2,800 events)."""


def demo_pathway_id(number: int, seed: int) -> UUID:
    """The id the application gives demo pathway ``number`` (derived from its opening key)."""
    caller = _caller(seed, number, 0)
    return uuid5(_OPEN_NAMESPACE, f"{caller.actor_id}\x1f{caller.idempotency_key}")


def decide(number: int, *, seed: int, anchor: date, now: datetime) -> Pathway:
    """Demo pathway ``number``, every command decided by the aggregate, nothing saved."""
    script = plan(number, seed)
    shift = _shift_days(script, anchor)
    pathway: Pathway | None = None
    for index, planned in enumerate(script.commands):
        command = shifted(planned, shift)
        caller = _caller(seed, number, index)
        ctx = CommandContext(actor_id=caller.actor_id, actor_role=caller.actor_role,
                             correlation_id=caller.correlation_id,
                             idempotency_key=caller.idempotency_key, recorded_at=now,
                             request_digest=request_digest(command))
        try:
            if pathway is None:
                if not isinstance(command, OpenPathway):
                    msg = f"demo pathway {number} does not start with OpenPathway"
                    raise TypeError(msg)
                pathway = Pathway.open(demo_pathway_id(number, seed), command, ctx)
            else:
                pathway.handle(command, ctx)
        except CommandRejected as error:
            error.add_note(f"demo pathway {number} step {index}: {type(command).__name__}")
            raise
    if pathway is None:
        msg = f"demo pathway {number} has no commands"
        raise TypeError(msg)
    return pathway


def decide_demo(numbers: Iterable[int], *, seed: int, now: datetime,
                anchor: date | None = None) -> Iterator[Pathway]:
    """Demo pathways ``numbers`` decided in memory (the anchor: the day before ``now``)."""
    day = anchor or (now - timedelta(days=1)).date()
    for number in numbers:
        yield decide(number, seed=seed, anchor=day, now=now)


def seed_bulk(pathways: Pathways, *, count: int, seed: int = 7,
              progress: Callable[[int, int], None] | None = None,
              batch: int = SAVE_BATCH) -> DemoSummary:
    """Seed ``count`` demo pathways, ``batch`` per save; pathways already stored are skipped.

    The summary counts the caseload from the decided states (no replay of 10,000 pathways).
    """
    started = time.perf_counter()
    anchor = _anchor_day(pathways, seed)
    ids: list[UUID] = []
    states: list[PathwayState] = []
    recorded = skipped = commands = 0
    pending: list[Pathway] = []
    for number in range(count):
        pathway_id = demo_pathway_id(number, seed)
        ids.append(pathway_id)
        if _stored(pathways, pathway_id):
            state = pathways.load(pathway_id).state
            skipped += len(state.commands)
        else:
            pathway = decide(number, seed=seed, anchor=anchor, now=pathways.clock())
            state = pathway.state
            recorded += len(pathway.pending_events)
            pending.append(pathway)
        states.append(state)
        commands += len(state.commands)
        if len(pending) >= batch or number + 1 == count:
            if pending:
                pathways.save(*pending)
                pending = []
            if progress is not None:
                progress(number + 1, count)
    return summarise(ids, states, commands=commands, events_recorded=recorded, replayed=skipped,
                     seconds=time.perf_counter() - started)


def _stored(pathways: Pathways, pathway_id: UUID) -> bool:
    return bool(pathways.recorder.select_events(pathway_id, limit=1))
