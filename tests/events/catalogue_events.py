"""Stored events of every catalogue type, as the mapper stores and reads them back, and a way
to fill the fields about the client and the free texts with a recognisable mark."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from typing import Any, cast

import orjson
from eventsourcing.persistence import StoredEvent

from domain.group import commands as g
from domain.group.events import CATALOGUE as GROUP_CATALOGUE
from domain.pathway import commands as c
from domain.pathway.events import CATALOGUE as PATHWAY_CATALOGUE
from domain.pathway.events import PHI_PATHS
from projections.log import LoggedEvent, StoredDomainEvent
from services.demo.bulk import decide_demo
from services.store.mapper import CanonicalMapper
from tests.group_journeys import GroupJourney
from tests.journeys import Journey, ctx

CATALOGUE: tuple[type[Any], ...] = (*PATHWAY_CATALOGUE, *GROUP_CATALOGUE)
"""Every event class the store holds: a pathway's and a group's."""

MARK = "SENTINEL"
FREE_TEXT: dict[str, tuple[str, ...]] = {
    "FocusChosen": ("rationale_ref",),
    "FormulationShared": ("formulation_ref",),
    "RiskAssessmentRecorded": ("safety_plan_ref",),
    "ContractSigned": ("contingencies.missed_sessions", "contingencies.holidays",
                       "contingencies.illness", "contingencies.between_session_contact",
                       "contingencies.crisis_plan"),
    "ContractRenegotiated": ("reason",),
    "GoodbyeLetterShared": ("letter_ref",),
    "AcuteCourseCompleted": ("relapse_prevention_plan_ref",),
    "DeviationRecorded": ("sentence", "reason"),
    "GroupClosed": ("reason",),
}
"""Free texts and references into the notes store: never published."""
META_TEXT = ("meta.actor_id", "meta.idempotency_key", "meta.request_digest")
"""The command's metadata: who acted and how they retry stays home too."""


@cache
def stored_rows() -> tuple[StoredEvent, ...]:
    """Every event type of the catalogue, many times over, as stored."""
    mapper = CanonicalMapper()
    journey = Journey("ipt").through_initial()
    journey.do(c.RecordMissedSession, kind="late_cancellation", notice_hours=12.0)
    journey.do(c.RecordMissedSession, kind="no_show", notice_hours=None)
    journey.do(c.RenegotiateContract, sessions=14, reason="more time", patient_agreed=True)
    events: list[Any] = list(journey.pathway.pending_events)
    for pathway in decide_demo(range(60), seed=11, now=datetime.now(UTC)):
        events.extend(pathway.collect_events())
    events.extend(group_events())
    return tuple(mapper.to_stored_event(event) for event in events)


def group_events() -> list[Any]:
    """A group's every event type, and its members' pathways (a session with one absent, a
    member leaving, the group closing early with a reason), each aggregate's in order."""
    journey = GroupJourney(members=7)
    absent, leaving = journey.members[:2]
    journey.session(absent={absent: "no_show"})
    journey.group.handle(g.RecordMemberLeft(occurred_at=journey.course.soon(),
                                            pathway_id=leaving, reason="dropped_out"), ctx())
    journey.group.handle(journey.course.closed("ended_early", reason="the room was lost"),
                         ctx())
    events: list[Any] = []
    for pathway in journey.pathways.values():
        events.extend(pathway.collect_events())
    events.extend(journey.group.collect_events())
    return events


def logged(rows: tuple[StoredEvent, ...] | None = None) -> list[LoggedEvent]:
    """The rows decoded by the mapper, at positions 1, 2, ..."""
    mapper = CanonicalMapper()
    return [LoggedEvent(position, cast("StoredDomainEvent", mapper.to_domain_event(row)))
            for position, row in enumerate(rows or stored_rows(), start=1)]


def marked_paths(name: str) -> tuple[str, ...]:
    return (*PHI_PATHS.get(name, ()), *FREE_TEXT.get(name, ()), *META_TEXT)


def marked(row: StoredEvent) -> StoredEvent:
    """The row with every PHI field, free text and actor id holding ``MARK`` text (numbers
    about the client, such as the age, hold 117)."""
    state = orjson.loads(row.state)
    name = row.topic.removeprefix("carepath:")
    for path in marked_paths(name):
        _mark(state, path.split("."))
    return StoredEvent(row.originator_id, row.originator_version, row.topic,
                       orjson.dumps(state))


def _mark(node: Any, steps: list[str]) -> None:
    step, rest = steps[0], steps[1:]
    key, each = step.removesuffix("[]"), step.endswith("[]")
    if not isinstance(node, dict) or node.get(key) is None:
        return
    targets: Iterator[tuple[Any, Any]] = (
        ((node[key], index) for index in range(len(node[key]))) if each else iter([(node, key)]))
    for parent, slot in targets:
        if rest:
            _mark(parent[slot], rest)
        else:
            parent[slot] = 117 if isinstance(parent[slot], int) else f"{MARK}-{slot}"


def catalogue_type(event: StoredDomainEvent) -> str:
    return type(event).__name__
