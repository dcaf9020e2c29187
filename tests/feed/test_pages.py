"""GET /events: every stored event as its CloudEvent, paged by log position, filtered by type."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from projections.log import OrderedLog
from services.composition import Container
from services.integration import check_envelope, event_types
from tests.feed.support import measure, open_pathway
from tests.http.support import PLATFORM

SESSION_HELD = "org.carepath.pathway.SessionHeld.v1"
FLAGS = "org.carepath.pathway.SafetyFlagRaised.v1"


def _all(client: TestClient, **params: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """Every event, page by page from 0 until caught up; and the size of each page."""
    after, events, sizes = 0, [], []
    while True:
        answer = client.get("/events", params={"after": after, **params})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        events.extend(page["events"])
        sizes.append(len(page["events"]))
        assert page["next_after"] >= after
        if not page["events"] and page["next_after"] == page["head"]:
            return events, sizes
        after = page["next_after"]


def test_paging_through_the_whole_log_serves_every_stored_event_once_in_order(
        client: TestClient, container: Container) -> None:
    stored = OrderedLog(container.pathways).read(0, 100_000)

    served, sizes = _all(client, limit=7)

    assert [event["position"] for event in served] == [item.position for item in stored]
    assert served == [container.envelopes.envelope(item) for item in stored]
    assert set(sizes[:-2]) == {7}
    for event in served:
        check_envelope(event)


def test_the_link_header_names_the_next_page_until_the_end(client: TestClient) -> None:
    url, positions = "/events?limit=50", list[int]()
    for _ in range(1000):
        answer = client.get(url)
        page = answer.json()
        positions.extend(event["position"] for event in page["events"])
        if not page["events"]:
            break
        assert answer.headers["link"].endswith('>; rel="next"')
        url = answer.headers["link"].removeprefix("<").split(">")[0]

    assert positions == sorted(set(positions))
    assert positions[-1] == client.get("/events?limit=1").json()["head"]


def test_a_type_filter_serves_only_those_types_and_all_of_them(
        client: TestClient, container: Container) -> None:
    stored = OrderedLog(container.pathways).read(0, 100_000)
    wanted = [item.position for item in stored if item.type in ("SessionHeld", "SafetyFlagRaised")]

    served, _ = _all(client, limit=5, type=[SESSION_HELD, FLAGS])

    assert [event["position"] for event in served] == wanted
    assert {event["type"] for event in served} == {SESSION_HELD, FLAGS}


def test_a_caught_up_filtered_page_moves_the_cursor_to_the_head(
        client: TestClient, container: Container) -> None:
    head = OrderedLog(container.pathways).head()
    last_session = max(item.position for item in OrderedLog(container.pathways).read(0, 100_000)
                       if item.type == "SessionHeld")

    page = client.get("/events", params={"after": last_session, "type": SESSION_HELD}).json()

    assert page["events"] == []
    assert page["next_after"] == page["head"] == head
    assert head > last_session, "the demo's last event is not a session"


def test_a_page_after_the_head_is_empty_and_keeps_the_cursor(client: TestClient) -> None:
    head = client.get("/events?limit=1").json()["head"]

    page = client.get("/events", params={"after": head + 10}).json()

    assert page == {"events": [], "next_after": head + 10, "head": head}


def test_events_stored_later_are_served_after_the_cursor(fresh: Container) -> None:
    from services.http import create_app  # noqa: PLC0415

    with TestClient(create_app(fresh), headers=PLATFORM) as client:
        assert client.get("/events").json() == {"events": [], "next_after": 0, "head": 0}
        pathway = open_pathway(client, "open-1")
        first = client.get("/events").json()
        measure(client, pathway, "measure-1")
        then = client.get("/events", params={"after": first["next_after"]}).json()

    assert [e["type"] for e in first["events"]] == ["org.carepath.pathway.PathwayOpened.v1"]
    assert [e["type"] for e in then["events"]] == ["org.carepath.pathway.MeasureRecorded.v1"]
    assert then["events"][0]["subject"] == pathway
    assert then["events"][0]["aggregateversion"] == 2


@pytest.mark.parametrize(("params", "field"), [
    ({"after": -1}, "query.after"),
    ({"after": "seven"}, "query.after"),
    ({"after": 2**63}, "query.after"),
    ({"limit": 0}, "query.limit"),
    ({"limit": 1001}, "query.limit"),
    ({"type": "SessionHeld"}, "query.type"),
    ({"type": [SESSION_HELD, "org.carepath.pathway.Invented.v1"]}, "query.type"),
])
def test_a_bad_parameter_is_a_422_naming_it(client: TestClient, params: dict[str, Any],
                                           field: str) -> None:
    answer = client.get("/events", params=params)

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in answer.json()["errors"]] == [field]


def test_the_openapi_document_describes_the_feed_and_its_stream(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    page = paths["/events"]["get"]
    parameters = {p["name"]: p for p in page["parameters"]}
    assert set(parameters) == {"after", "limit", "type"}
    assert parameters["type"]["schema"]["items"]["enum"] == event_types()
    assert "Link" in page["responses"]["200"]["headers"]
    assert {"422", "503"} <= set(page["responses"])
    stream = paths["/events/stream"]["get"]
    assert "text/event-stream" in stream["responses"]["200"]["content"]
    assert "Last-Event-ID" in {p["name"] for p in stream["parameters"]}
