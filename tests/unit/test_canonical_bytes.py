"""The stored byte form of an event is RFC 8785 (JCS): what the tamper-evidence chain hashes.

The bytes are written by orjson for speed; these tests hold them against an independent RFC
8785 implementation, so a change of serialiser or of an event's fields that breaks the
canonical form fails here rather than in a verifier years later.
"""

from __future__ import annotations

from typing import Any

import orjson
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.pathway import commands as c
from domain.pathway.events import CATALOGUE
from services.store.mapper import CanonicalMapper, canonical_bytes, canonical_state
from tests.group_journeys import GroupJourney
from tests.journeys import Journey

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1,
                max_size=30).map(str.strip).filter(bool)


def _is_jcs(data: bytes) -> bool:
    return rfc8785.dumps(orjson.loads(data)) == data


def _every_kind_of_event() -> list[Any]:
    journey = Journey("ipt").through_initial()
    journey.do(c.RecordMissedSession, kind="late_cancellation", notice_hours=12.0)
    journey.do(c.RecordMissedSession, kind="cancelled_by_therapist", notice_hours=0.25)
    journey.do(c.RaiseSafetyFlag, tier="routine")
    journey.do(c.AcknowledgeSafetyFlag, flag_id=1)
    journey.do(c.RecordRiskAssessment, flag_id=1, risk_level="low", safety_plan_ref="plan/1")
    journey.do(c.ResolveSafetyFlag, flag_id=1)
    journey.do(c.RenegotiateContract, sessions=14, reason="more time", patient_agreed=True)
    journey.contract_sessions = 14
    journey.complete()
    journey.do(c.ScheduleMaintenance, sessions=6, start_date=journey.at.date())
    journey.session().measure((3, 2, 2, 1, 1, 1, 0, 0, 0))
    journey.do(c.ClosePathway, reason="maintenance_ended")
    return list(journey.pathway.pending_events)


def test_every_stored_event_of_a_whole_course_is_in_rfc8785_form() -> None:
    events = _every_kind_of_event()
    for event in events:
        assert _is_jcs(canonical_bytes(event)), type(event).__name__


def _a_group_course() -> list[Any]:
    """A group's events and its members' through three sessions, one member absent."""
    journey = GroupJourney(members=6, sessions=8)
    journey.session()
    journey.session(absent={journey.members[0]: "no_show"})
    journey.session()
    return [event for aggregate in (journey.group, *journey.pathways.values())
            for event in aggregate.pending_events]


def test_a_group_course_is_stored_in_rfc8785_form() -> None:
    for event in _a_group_course():
        assert _is_jcs(canonical_bytes(event)), type(event).__name__


def test_the_bytes_are_pydantic_json_mode_written_sorted_for_every_event_of_both_courses(
) -> None:
    """The stored bytes come from pydantic's Python values written by orjson (the quicker
    way); they are the bytes of the fields as pydantic's JSON mode gives them."""
    for event in [*_every_kind_of_event(), *_a_group_course()]:
        reference = orjson.dumps(canonical_state(event), option=orjson.OPT_SORT_KEYS)
        assert canonical_bytes(event) == reference, type(event).__name__


def test_the_course_covers_most_of_the_catalogue() -> None:
    """Guards the test above: it is only as good as the events it sees."""
    seen = {type(event) for event in _every_kind_of_event()}
    assert len(seen) >= len(CATALOGUE) - 4


def test_the_mapper_stores_exactly_the_canonical_bytes() -> None:
    mapper = CanonicalMapper()
    for event in _every_kind_of_event():
        assert mapper.to_stored_event(event).state == canonical_bytes(event)


def test_an_integral_float_is_written_as_an_integer_and_reads_back_as_a_float() -> None:
    journey = Journey("ipt").through_initial()
    journey.do(c.RecordMissedSession, kind="no_show", notice_hours=24.0)
    missed = journey.pathway.pending_events[-1]
    data = canonical_bytes(missed)
    assert b'"notice_hours":24,' in data or data.endswith(b'"notice_hours":24}')
    mapper = CanonicalMapper()
    again = mapper.to_domain_event(mapper.to_stored_event(missed))
    assert again == missed


@settings(max_examples=150, deadline=None)
@given(hours=st.floats(min_value=0, max_value=24 * 60, allow_nan=False))
def test_any_notice_in_hours_is_canonical(hours: float) -> None:
    journey = Journey("ipt").through_initial()
    journey.do(c.RecordMissedSession, kind="late_cancellation", notice_hours=hours)
    assert _is_jcs(canonical_bytes(journey.pathway.pending_events[-1]))


@settings(max_examples=100, deadline=None)
@given(alias=_TEXT, relation=_TEXT)
def test_any_printable_text_is_canonical(alias: str, relation: str) -> None:
    journey = Journey("ipt")
    journey.do(c.RecordInventory, relationships=({
        "alias": alias, "relation": relation, "closeness": 3, "quality": "ambivalent"},))
    assert _is_jcs(canonical_bytes(journey.pathway.pending_events[-1]))
