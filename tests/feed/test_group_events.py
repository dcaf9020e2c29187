"""A group's events are served by the feed like a pathway's: paged, filtered by type and
streamed, each group session next to its members' parts of the same transaction."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

from projections.log import OrderedLog
from services.composition import Container
from services.http import create_app
from services.integration import check_envelope
from services.integration.schemas import published
from tests.feed.support import Sse, served
from tests.group_events import CLOSING_REASON, every_group_event
from tests.http.support import PLATFORM

GROUP = "org.carepath.group"
SESSION = f"{GROUP}.GroupSessionHeld.v1"


def _page(client: Any, **params: Any) -> dict[str, Any]:
    answer = client.get("/events", params={"limit": 1000, **params})
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def test_the_feed_serves_every_group_event_in_log_order_with_its_schema(
        fresh: Container) -> None:
    run = every_group_event(fresh)
    with TestClient(create_app(fresh), headers=PLATFORM) as client:
        events = _page(client)["events"]
        stored = OrderedLog(fresh.pathways).read(0, 100_000)
        assert events == [fresh.envelopes.envelope(item) for item in stored]

    group = [e for e in events if e["subject"] == str(run.group_id)]
    assert [e["type"] for e in group] == [
        f"{GROUP}.GroupFormed.v1", *[f"{GROUP}.MemberEnrolled.v1"] * 7, SESSION,
        f"{GROUP}.MemberLeft.v1", f"{GROUP}.GroupClosed.v1"]
    assert [e["aggregateversion"] for e in group] == list(range(1, 12))
    for envelope in group:
        check_envelope(envelope)
        assert envelope["source"] == "/carepath/groups"
        assert envelope["id"] == f"{run.group_id}:{envelope['aggregateversion']}"
    assert group[-1]["data"] == {"outcome": "ended_early"}
    assert CLOSING_REASON not in str(events)
    schema = published("MemberLeft")[1]
    assert set(group[-2]["data"]) == set(schema["required"])


def test_a_group_session_and_its_members_parts_are_one_run_of_positions(
        fresh: Container) -> None:
    run = every_group_event(fresh)
    with TestClient(create_app(fresh), headers=PLATFORM) as client:
        events = _page(client)["events"]

    session = next(e for e in events if e["type"] == SESSION)
    assert session["position"] == run.session_position
    together = [e for e in events if e["correlationid"] == session["correlationid"]
                and e["position"] > session["position"] - len(run.members) - 1
                and e["position"] <= session["position"]]
    assert [e["position"] for e in together] == list(
        range(session["position"] - len(run.members), session["position"] + 1))
    parts = {e["subject"]: e for e in together[:-1]}
    assert set(parts) == {str(member) for member in run.members}
    assert parts[str(run.absent)]["type"] == "org.carepath.pathway.SessionMissed.v1"
    assert parts[str(run.absent)]["data"]["group_id"] == str(run.group_id)
    assert {parts[m]["type"] for m in parts if m != str(run.absent)} == {
        "org.carepath.pathway.SessionHeld.v1"}
    attendance = {a["pathway_id"]: a for a in session["data"]["attendance"]}
    assert attendance[str(run.absent)] == {"absence": "no_show",
                                           "pathway_id": str(run.absent), "present": False}


def test_a_type_filter_serves_only_group_sessions(fresh: Container) -> None:
    every_group_event(fresh)
    with TestClient(create_app(fresh), headers=PLATFORM) as client:
        page = _page(client, type=SESSION)

    assert [e["type"] for e in page["events"]] == [SESSION]
    assert page["next_after"] == page["head"]


def test_the_stream_sends_group_events_as_they_are_saved(fresh: Container) -> None:
    types = [f"{GROUP}.GroupFormed.v1", f"{GROUP}.GroupClosed.v1"]
    with (served(fresh) as base_url,
          httpx.Client(base_url=base_url, timeout=10, headers=PLATFORM) as client,
          client.stream("GET", "/events/stream", params={"type": types}) as response):
        sse = Sse(response)
        run = every_group_event(fresh)
        sse.count(2)

    assert [e["type"] for _, e in sse.events] == [f"{GROUP}.GroupFormed.v1",
                                                  f"{GROUP}.GroupClosed.v1"]
    assert {e["subject"] for _, e in sse.events} == {str(run.group_id)}
