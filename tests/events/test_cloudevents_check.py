"""The strict CloudEvents 1.0 check: what the SDK would fill in silently, it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from services.integration import (
    InvalidCloudEvent,
    check_envelope,
    cloudevent_problems,
    envelope_problems,
)
from services.integration.envelope import Envelopes
from tests.events.catalogue_events import logged

MINIMAL = {"specversion": "1.0", "id": "A234-1234-1234", "type": "com.example.someevent",
           "source": "https://github.com/cloudevents/spec/pull"}
OURS = Envelopes("http://127.0.0.1:8000").envelope(logged()[3])


def test_the_minimal_event_of_the_spec_is_valid() -> None:
    assert cloudevent_problems(MINIMAL) == []


def test_a_full_event_with_extensions_is_valid() -> None:
    event = {**MINIMAL, "subject": "123", "time": "2018-04-05T17:31:00+02:00",
             "datacontenttype": "application/json; charset=utf-8",
             "dataschema": "urn:example:schema", "comexampleextension1": "value",
             "comexampleothervalue": 5, "flag": True, "data": {"a": 1}}
    assert cloudevent_problems(event) == []


@pytest.mark.parametrize(("change", "problem"), [
    ({"specversion": None}, "specversion: null"),
    ({"specversion": "0.3"}, "specversion: must be 1.0"),
    ({"id": ""}, "id: a non-empty string"),
    ({"id": 7}, "id: a non-empty string"),
    ({"type": ""}, "type: a non-empty string"),
    ({"source": "has space"}, "source: must be a URI-reference"),
    ({"subject": ""}, "subject: a non-empty string"),
    ({"time": "2018-04-05 17:31"}, "time: must be an RFC 3339 timestamp"),
    ({"time": "2018-04-05T17:31:00"}, "time: must be an RFC 3339 timestamp"),
    ({"dataschema": "/schemas/x.json"}, "dataschema: must be an absolute URI"),
    ({"datacontenttype": "json"}, "datacontenttype: must be an RFC 2046 media type"),
    ({"Position": 1}, "Position: attribute names are lower-case"),
    ({"log_position": 1}, "log_position: attribute names are lower-case"),
    ({"position": 2**31}, "position: an Integer is a 32-bit signed number"),
    ({"position": 1.5}, "position: float is not a CloudEvents type"),
    ({"position": {"a": 1}}, "position: dict is not a CloudEvents type"),
    ({"data": {}, "data_base64": "AA=="}, "data, data_base64: at most one of them"),
])
def test_a_broken_attribute_is_named(change: dict[str, Any], problem: str) -> None:
    problems = cloudevent_problems({**MINIMAL, **change})
    assert any(found.startswith(problem) for found in problems), problems


@pytest.mark.parametrize("missing", ["specversion", "id", "source", "type"])
def test_a_missing_required_attribute_is_refused_not_filled_in(missing: str) -> None:
    event = {name: value for name, value in MINIMAL.items() if name != missing}
    assert cloudevent_problems(event) == [f"{missing}: required"]


def test_only_an_object_is_a_structured_event() -> None:
    assert cloudevent_problems(["specversion", "1.0"]) == [
        "a structured CloudEvent is a JSON object"]


def test_our_envelope_passes_and_a_stranger_does_not() -> None:
    check_envelope(OURS)
    problems = envelope_problems(MINIMAL)
    assert "position: carepath's envelopes carry it" in problems
    assert "type: 'com.example.someevent' is not an event carepath publishes" in problems


@pytest.mark.parametrize(("change", "problem"), [
    ({"position": "12"}, "position: an Integer"),
    ({"aggregateversion": True}, "aggregateversion: an Integer"),
    ({"recordedtime": "yesterday"}, "recordedtime: must be an RFC 3339 timestamp"),
    ({"datacontenttype": "text/plain"}, "datacontenttype: carepath's data is application/json"),
    ({"data": [1, 2]}, "data: a JSON object"),
    ({"type": "org.carepath.pathway.SessionHeld.v9"}, "type: "),
    ({"data": {**OURS["data"], "client_ref": "c-1"}}, "data.client_ref: Extra inputs"),
])
def test_a_broken_carepath_envelope_is_refused_with_the_reason(change: dict[str, Any],
                                                               problem: str) -> None:
    with pytest.raises(InvalidCloudEvent) as caught:
        check_envelope({**OURS, **change})
    assert any(found.startswith(problem) for found in caught.value.problems)


def test_the_data_is_checked_field_by_field_against_its_integration_event() -> None:
    held = next(item for item in logged() if item.type == "SessionHeld")
    envelope = Envelopes("http://127.0.0.1:8000").envelope(held)
    data = {**envelope["data"], "minutes": 0, "kind": "chat"}
    del data["phase"]
    assert sorted(envelope_problems({**envelope, "data": data})) == [
        "data.kind: Input should be 'routine', 'safety', 'group', 'pre_group', 'mid_group' or"
        " 'post_group'",
        "data.minutes: Input should be greater than or equal to 1",
        "data.phase: Field required"]


def test_data_of_an_older_schema_version_is_left_to_its_dataschema() -> None:
    envelope = {**OURS, "schemaversion": 0, "data": {"anything": 1}}
    assert envelope_problems(envelope) == []


def test_an_envelope_without_an_attribute_we_always_send_is_refused() -> None:
    event = {name: value for name, value in OURS.items() if name != "correlationid"}
    assert envelope_problems(event) == ["correlationid: carepath's envelopes carry it"]
