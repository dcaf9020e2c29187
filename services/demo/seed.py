"""Seed the demo caseload through the application layer, idempotently.

Each pathway's plan is written on a relative clock and shifted to end ``idle_days`` before an
anchor day (yesterday, on a first run). A re-run recovers the anchor from the first demo
pathway's stored opening time, so it sends byte-identical commands under the same idempotency
keys and the application answers every one of them as a replay.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from random import Random
from uuid import UUID, uuid5

from domain.errors import CommandRejected
from domain.pathway.commands import OpenPathway
from services.application import _OPEN_NAMESPACE, Caller, CommandResult, Pathways
from services.demo.blocks import Client
from services.demo.caseload import ARCHETYPES
from services.demo.clinical import THERAPISTS
from services.demo.script import Script, shifted
from services.demo.summary import DemoSummary, summarise
from services.errors import IdempotencyKeyReused, PathwayNotFound
from services.queries import PathwayQueries

DEMO_ACTOR = "demo-seeder"
DEMO_ROLE = "system"
ADOLESCENT_AGES = (12, 18)
ADULT_AGES = (19, 72)


class DemoConflict(RuntimeError):
    """The store holds demo data written by a different version of this generator."""


def seed_demo(pathways: Pathways, *, count: int = 48, seed: int = 7,
              progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    """Seed ``count`` synthetic pathways (idempotently) and count what the store then holds.

    A refused command is a bug in the generator: the domain error propagates with its rule id
    and a note naming the demo pathway and step.
    """
    started = time.perf_counter()
    anchor = _anchor_day(pathways, seed)
    ids: list[UUID] = []
    commands = recorded = replayed = 0
    for number in range(count):
        script = plan(number, seed)
        for result in _run(pathways, script, number, seed, anchor):
            commands += 1
            replayed += result.replayed
            recorded += 0 if result.replayed else len(result.events)
        ids.append(result.pathway_id)
        if progress:
            progress(number + 1, count)
    states = [PathwayQueries(pathways).pathway(pathway_id).state for pathway_id in ids]
    return summarise(ids, states, commands=commands, events_recorded=recorded,
                     replayed=replayed, seconds=time.perf_counter() - started)


def plan(number: int, seed: int) -> Script:
    """The plan of demo pathway ``number``: a pure function of (number, seed)."""
    rng = Random(f"carepath-demo:{seed}:{number}")  # noqa: S311 - synthetic data, not security
    archetype = ARCHETYPES[number % len(ARCHETYPES)]
    low, high = ADOLESCENT_AGES if archetype.protocol == "ipt-a" else ADULT_AGES
    client = Client(number=number, ref=f"demo-{seed}-{number:03d}", age=rng.randint(low, high),
                    therapist=THERAPISTS[number % len(THERAPISTS)],
                    channel=rng.choice(("video", "video", "in_person", "phone")), rng=rng)
    return archetype.write(client, number // len(ARCHETYPES))


def _run(pathways: Pathways, script: Script, number: int, seed: int,
         anchor: date) -> list[CommandResult]:
    shift = _shift_days(script, anchor)
    results: list[CommandResult] = []
    pathway_id: UUID | None = None
    for index, planned in enumerate(script.commands):
        caller = _caller(seed, number, index)
        command = shifted(planned, shift)
        try:
            if isinstance(command, OpenPathway):
                result = pathways.open_pathway(command, caller)
            elif pathway_id is not None:
                result = pathways.execute(pathway_id, command, caller)
            else:
                msg = f"demo pathway {number} does not start with OpenPathway"
                raise TypeError(msg)
        except IdempotencyKeyReused as error:
            msg = (f"the store already holds a different demo command under key"
                   f" {caller.idempotency_key!r} (seeded by another version of the demo"
                   " generator): seed into an empty data directory")
            raise DemoConflict(msg) from error
        except CommandRejected as error:
            error.add_note(f"demo pathway {number} step {index}: {type(command).__name__}"
                           f" {command.model_dump_json()}")
            raise
        pathway_id = result.pathway_id
        results.append(result)
    return results


def _caller(seed: int, number: int, index: int) -> Caller:
    return Caller(actor_id=DEMO_ACTOR, actor_role=DEMO_ROLE,
                  correlation_id=f"demo:{seed}:{number}",
                  idempotency_key=f"demo:{seed}:{number}:{index:03d}")


def _shift_days(script: Script, anchor: date) -> int:
    """Whole days that move the plan to end ``idle_days`` before the anchor day."""
    end = anchor - timedelta(days=script.idle_days)
    return (end - script.last_at.date()).days


def _anchor_day(pathways: Pathways, seed: int) -> date:
    """Yesterday on a first run; on a re-run, the anchor the first run used."""
    first = plan(0, seed)
    key = _caller(seed, 0, 0)
    # The application derives an opened pathway's id from the caller and key (a retry finds it).
    pathway_id = uuid5(_OPEN_NAMESPACE, f"{key.actor_id}\x1f{key.idempotency_key}")
    try:
        opened_at = PathwayQueries(pathways).pathway(pathway_id).state.opened_at
    except PathwayNotFound:
        return (pathways.clock() - timedelta(days=1)).date()
    planned = first.commands[0].occurred_at.date()
    shift = (opened_at.date() - planned).days
    return first.last_at.date() + timedelta(days=shift + first.idle_days)
