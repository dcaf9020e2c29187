"""The rebuild's trusting decoder builds the very events the validating mapper builds, from the
same stored rows, and hands anything it is not sure of back to the mapper."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic

from domain.pathway import commands as c
from domain.pathway.events import CATALOGUE, MeasureRecorded
from services.demo.bulk import decide_demo
from services.store.mapper import CanonicalMapper
from services.store.trusting import trusting_builder
from tests.journeys import Journey


def _stored_rows() -> list[StoredEvent]:
    """Every event type of the catalogue, many times, as the mapper stores them."""
    mapper = CanonicalMapper()
    journey = Journey("ipt").through_initial()
    journey.do(c.RecordMissedSession, kind="late_cancellation", notice_hours=12.0)
    journey.do(c.RecordMissedSession, kind="no_show", notice_hours=None)
    journey.do(c.RenegotiateContract, sessions=14, reason="more time", patient_agreed=True)
    events = list(journey.pathway.pending_events)
    for pathway in decide_demo(range(60), seed=11, now=datetime.now(UTC)):
        events.extend(pathway.collect_events())
    return [mapper.to_stored_event(event) for event in events]


ROWS = _stored_rows()


def _build(row: StoredEvent, state: bytes | None = None) -> Any:
    build = trusting_builder(resolve_topic(row.topic))
    assert build is not None, row.topic
    return build(row.state if state is None else state, row.originator_id,
                 row.originator_version)


def test_the_rows_cover_every_event_type_of_the_catalogue() -> None:
    assert {resolve_topic(row.topic) for row in ROWS} == set(CATALOGUE)


def test_every_event_equals_the_validated_one_field_by_field_and_type_by_type() -> None:
    mapper = CanonicalMapper()
    for row in ROWS:
        trusted, validated = _build(row), mapper.to_domain_event(row)
        assert type(trusted) is type(validated)
        assert trusted == validated
        assert vars(trusted) == vars(validated)
        for name, value in vars(validated).items():
            assert type(vars(trusted)[name]) is type(value), (row.topic, name)
        assert vars(trusted)["meta"].model_dump() == vars(validated)["meta"].model_dump()


def test_an_integral_hours_value_is_a_float_as_validation_makes_it() -> None:
    missed = next(row for row in ROWS if row.topic.endswith("SessionMissed")
                  and b'"notice_hours":12' in row.state)
    assert _build(missed).notice_hours == 12.0
    assert isinstance(_build(missed).notice_hours, float)


@pytest.mark.parametrize("change", [
    pytest.param(lambda s: s.pop("occurred_at"), id="a field missing"),
    pytest.param(lambda s: s.update(surprise=1), id="a field the class does not have"),
    pytest.param(lambda s: s["meta"].update(surprise=1), id="a nested field it does not have"),
    pytest.param(lambda s: s.update(occurred_at="not a time"), id="a value that does not parse"),
    pytest.param(lambda s: s.update(class_version=1), id="an older class version"),
])
def test_a_row_it_is_not_sure_of_goes_back_to_the_mapper(change: Any) -> None:
    row = next(row for row in ROWS if resolve_topic(row.topic) is MeasureRecorded)
    state = orjson.loads(row.state)
    change(state)
    assert _build(row, orjson.dumps(state)) is None


def test_an_older_measure_is_upcast_by_the_mapper_after_the_builder_declines() -> None:
    row = next(row for row in ROWS if resolve_topic(row.topic) is MeasureRecorded)
    state = orjson.loads(row.state)
    del state["band"]
    older = StoredEvent(row.originator_id, row.originator_version, row.topic,
                        orjson.dumps(state | {"class_version": 1}))
    assert _build(older) is None
    assert CanonicalMapper().to_domain_event(older) == CanonicalMapper().to_domain_event(row)


def test_a_nested_field_left_out_takes_its_default_and_is_not_counted_as_given() -> None:
    row = next(row for row in ROWS if resolve_topic(row.topic) is MeasureRecorded)
    state = orjson.loads(row.state)
    del state["meta"]["rules_checked"]  # stored before the rules checked were recorded
    older = StoredEvent(row.originator_id, row.originator_version, row.topic,
                        orjson.dumps(state))
    trusted, validated = _build(older), CanonicalMapper().to_domain_event(older)
    assert trusted == validated
    assert trusted.meta.rules_checked == ()
    assert trusted.meta.model_fields_set == vars(validated)["meta"].model_fields_set
