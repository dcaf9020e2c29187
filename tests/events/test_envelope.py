"""Every stored event goes out as one CloudEvents 1.0 envelope, the same every time."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from domain.pathway.events import SessionHeld
from services.integration import check_envelope, envelopes_for
from services.integration.envelope import Envelopes, rfc3339
from services.settings import load_settings
from tests.events.catalogue_events import logged

ENVELOPES = Envelopes("https://carepath.example.org/")
LOG = logged()


def test_every_envelope_is_a_valid_cloudevent_of_a_type_we_publish() -> None:
    for item in LOG:
        check_envelope(orjson.loads(ENVELOPES.json(item)))


def test_the_id_is_the_aggregate_and_version_and_the_same_at_every_enveloping() -> None:
    item = LOG[5]
    first, again = ENVELOPES.envelope(item), Envelopes("http://elsewhere:1").envelope(item)
    assert first["id"] == again["id"] == f"{item.event.originator_id}:{item.version}"
    assert len({ENVELOPES.envelope(each)["id"] for each in LOG}) == len(LOG)


def test_the_attributes_say_which_event_where_and_when() -> None:
    item = next(each for each in LOG if isinstance(each.event, SessionHeld))
    assert isinstance(item.event, SessionHeld)
    envelope = ENVELOPES.envelope(item)
    assert envelope["specversion"] == "1.0"
    assert envelope["type"] == "org.carepath.pathway.SessionHeld.v1"
    assert envelope["source"] == "/carepath/pathways"
    assert envelope["subject"] == str(item.event.originator_id)
    assert envelope["time"] == rfc3339(item.event.occurred_at)
    assert envelope["recordedtime"] == rfc3339(item.recorded_at)
    assert envelope["time"] != envelope["recordedtime"]  # the two time axes stay apart
    assert envelope["datacontenttype"] == "application/json"
    assert envelope["dataschema"] == (
        "https://carepath.example.org/schemas/events/SessionHeld/v2.json")
    assert envelope["aggregateversion"] == item.version
    assert envelope["position"] == item.position
    assert envelope["correlationid"] == item.event.meta.correlation_id
    assert envelope["schemaversion"] == 2
    assert envelope["data"]["number"] == item.event.number


def test_times_are_rfc3339_in_utc() -> None:
    assert rfc3339(datetime(2026, 3, 10, 9, 0, tzinfo=UTC)) == "2026-03-10T09:00:00Z"
    assert rfc3339(datetime(2026, 3, 10, 9, 0, 0, 120000, tzinfo=UTC)) == (
        "2026-03-10T09:00:00.120000Z")
    assert rfc3339(datetime(2026, 3, 10, 9, 0)) == "2026-03-10T09:00:00Z"


def test_the_json_bytes_are_the_envelope() -> None:
    assert orjson.loads(ENVELOPES.json(LOG[0])) == ENVELOPES.envelope(LOG[0])


@pytest.mark.parametrize(("overrides", "base"), [
    ({}, "http://127.0.0.1:8000"),
    ({"host": "::1", "port": 9000}, "http://[::1]:9000"),
    ({"public_url": "https://care.example.org/api/"}, "https://care.example.org/api"),
])
def test_dataschema_points_below_the_public_url(overrides: dict[str, object],
                                                base: str) -> None:
    envelopes = envelopes_for(load_settings(**overrides))
    assert envelopes.envelope(LOG[0])["dataschema"].startswith(base + "/schemas/events/")
