"""Blue/green generations: a new one is built beside the live one and takes over when caught up.

A projection's tracking rows say which generation readers read (``live``) and how far each
has read. A new generation starts from position 0 with tables of its own, is built batch by
batch (each batch and its position in one transaction, so a crash resumes at its checkpoint),
and becomes live in the same transaction as the batch that reaches the log's head, so readers
switch from one whole read model to another. The retired generation's tables are dropped
once ``RETIRED_GRACE_SECONDS`` have passed (readers cache the live generation briefly).

A rebuild starts when the code's ``version`` of a projection is above the live one's (checked
by the leading worker at every step, hence at start), or when asked (``begin_rebuild``, from
``carepath projections rebuild``). The leading worker does the building; the command builds
only when no worker leads. A worker whose code is older than a stored generation stands by,
so a rolling deploy never flaps between versions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from projections import live as live_cache
from projections.catch_up import BATCH, apply_batch_in, drop_generation, prepare_in, schema_change
from projections.log import OrderedLog
from projections.projection import Projection
from projections.store import ReadStore, Tx
from projections.tracking import Tracked, ensure_tracking, make_live, tracked

log = logging.getLogger("carepath.projections")
RETIRED_GRACE_SECONDS = live_cache.RETIRED_GRACE_SECONDS


@dataclass(frozen=True)
class Plan:
    """A projection's generations as stored, and what the code's version makes of them."""

    live: Tracked | None
    building: Tracked | None
    retired: tuple[Tracked, ...]
    """Once live, now replaced: dropped after the grace period."""
    abandoned: tuple[Tracked, ...]
    """Started but overtaken by a newer build (or built for another version): dropped."""
    standby: bool
    """A generation of a newer version exists: this (older) code must not touch it."""


def read_plan(tx: Tx, projection: Projection) -> Plan:
    rows = tracked(tx, projection.name)
    live = next((r for r in rows if r.live), None)
    floor = live.generation if live is not None else 0
    candidates = [r for r in rows if not r.live and r.generation > floor]
    building = candidates[-1] if candidates else None
    abandoned = tuple(r for r in candidates[:-1])
    if building is not None and building.version != projection.version:
        abandoned, building = (*abandoned, building), None
    return Plan(live=live, building=building,
                retired=tuple(r for r in rows if not r.live and r.generation < floor),
                abandoned=abandoned,
                standby=any(r.version > projection.version for r in rows))


def plan_of(store: ReadStore, projection: Projection) -> Plan:
    """The plan as stored now (``ensure_live`` has created the tracking table)."""
    with store.reading() as tx:
        return read_plan(tx, projection)


def ensure_live(store: ReadStore, projection: Projection) -> None:
    """On first start, generation 1, live at once: there is no older read model to serve."""
    with store.transaction() as tx:
        schema_change(tx)
        ensure_tracking(tx)
        if not tracked(tx, projection.name):
            prepare_in(tx, projection, 1, live=True)


def begin_rebuild(store: ReadStore, projection: Projection) -> int:
    """The generation being built for the code's version: the one under way, or a new one."""
    with store.transaction() as tx:
        schema_change(tx)
        ensure_tracking(tx)
        plan = read_plan(tx, projection)
        if plan.building is not None:
            return plan.building.generation
        generation = max((r.generation for r in tracked(tx, projection.name)), default=0) + 1
        prepare_in(tx, projection, generation, live=plan.live is None)
    log.info("projection %s: building generation %d (version %d) from position 0",
             projection.name, generation, projection.version)
    return generation


def build_step(store: ReadStore, log_: OrderedLog, projection: Projection, generation: int,
               *, batch: int = BATCH) -> tuple[int, bool]:
    """Apply one batch to the generation being built; when it reaches the head, switch.

    Returns the events applied and whether the generation became live.
    """
    with store.transaction() as tx:
        applied = apply_batch_in(tx, log_, projection, generation, batch=batch)
        caught_up = applied < batch
        if caught_up:
            make_live(tx, projection.name, generation)
    if caught_up:
        live_cache.forget(store, projection.name)
        log.info("projection %s: generation %d is live", projection.name, generation)
    return applied, caught_up


def tidy(store: ReadStore, projection: Projection, plan: Plan, *,
         grace_seconds: float = RETIRED_GRACE_SECONDS) -> None:
    """Drop abandoned builds now, and retired generations once readers have moved off them."""
    now = datetime.now(UTC)
    for row in plan.abandoned:
        drop_generation(store, projection, row.generation)
    for row in plan.retired:
        if (now - datetime.fromisoformat(row.updated_at)).total_seconds() >= grace_seconds:
            drop_generation(store, projection, row.generation)
            log.info("projection %s: dropped retired generation %d", projection.name,
                     row.generation)
