"""A group's events are integration events like a pathway's: closed models with published
schemas under ``org.carepath.group.<Name>.v1``, listed and served by the service, carrying
codes, ids and numbers only."""

from __future__ import annotations

import json
from collections.abc import Iterator

import jsonschema
import pytest

from domain.group.events import CATALOGUE as GROUP_CATALOGUE
from domain.phi import phi_paths
from services.integration import by_type, integration_event_for
from services.integration.envelope import Envelopes
from services.integration.schemas import generated_schema, published
from tests.events.catalogue_events import logged
from tests.http.support import TestClient, make_client

GROUP_NAMES = ["GroupFormed", "MemberEnrolled", "MemberLeft", "GroupSessionHeld", "GroupClosed"]
ENVELOPES = Envelopes("http://127.0.0.1:8000")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with make_client(tmp_path_factory.mktemp("data")) as test_client:
        yield test_client


def _group_envelopes() -> list[dict[str, object]]:
    return [ENVELOPES.envelope(item) for item in logged()
            if type(item.event) in GROUP_CATALOGUE]


def test_every_group_event_has_its_type_and_a_published_v1() -> None:
    for event_class in GROUP_CATALOGUE:
        model = integration_event_for(event_class)
        assert model.cloudevents_type() == f"org.carepath.group.{event_class.__name__}.v1"
        assert by_type(model.cloudevents_type()) is model
        assert published(event_class.__name__)[1] == generated_schema(model)


def test_the_service_lists_and_serves_the_group_schemas(client: TestClient) -> None:
    listed = {item["name"]: item for item in client.get("/schemas/events").json()["events"]}
    for name in GROUP_NAMES:
        assert listed[name]["type"] == f"org.carepath.group.{name}.v1"
        assert listed[name]["source"] == "/carepath/groups"
        url = listed[name]["schemas"]["1"]
        assert url == f"http://127.0.0.1:8000/schemas/events/{name}/v1.json"
        served = client.get(url.removeprefix("http://127.0.0.1:8000"))
        assert served.status_code == 200
        assert json.loads(served.content) == published(name)[1]


def test_a_group_envelope_names_the_group_and_validates_against_its_schema() -> None:
    envelopes = _group_envelopes()
    assert [e["type"] for e in envelopes][:2] == ["org.carepath.group.GroupFormed.v1",
                                                  "org.carepath.group.MemberEnrolled.v1"]
    for envelope in envelopes:
        assert envelope["source"] == "/carepath/groups"
        assert envelope["id"] == f"{envelope['subject']}:{envelope['aggregateversion']}"
        name = str(envelope["type"]).split(".")[3]
        jsonschema.validate(envelope["data"], published(name)[1],
                            cls=jsonschema.Draft202012Validator)


def test_a_group_session_publishes_attendance_by_pathway_id_and_absence_code() -> None:
    held = next(e for e in _group_envelopes() if str(e["type"]).endswith("GroupSessionHeld.v1"))
    data = held["data"]
    assert isinstance(data, dict)
    absent = [a for a in data["attendance"] if not a["present"]]
    assert absent == [{"absence": "no_show", "pathway_id": absent[0]["pathway_id"],
                       "present": False}]
    assert set(data) == {"number", "minutes", "channel", "attendance", "themes",
                         "ending_discussed"}


def test_a_closed_group_publishes_its_outcome_and_keeps_its_reason_home() -> None:
    closed = next(e for e in _group_envelopes() if str(e["type"]).endswith("GroupClosed.v1"))
    assert closed["data"] == {"outcome": "ended_early"}
    schema = published("GroupClosed")[1]
    with pytest.raises(jsonschema.ValidationError, match="Additional properties"):
        jsonschema.validate({"outcome": "ended_early", "reason": "the room was lost"}, schema)


def test_no_group_event_holds_a_field_about_a_client_to_leave_out() -> None:
    """A group names its members by pathway id, as the pathways' own envelopes do; the PHI
    marker finds nothing on a group's stored events (a field marked later fails here)."""
    assert {cls.__name__: phi_paths(cls) for cls in GROUP_CATALOGUE} == {
        cls.__name__: () for cls in GROUP_CATALOGUE}
