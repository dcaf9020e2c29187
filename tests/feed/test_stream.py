"""GET /events/stream: Server-Sent Events over a real server, resumed after a dropped
connection with Last-Event-ID without a gap or a repeat."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from projections.log import OrderedLog
from services.composition import Container
from services.http import feed
from tests.feed.support import Sse, measure, open_pathway, served
from tests.http.support import PLATFORM

STREAM = "/events/stream"


@pytest.fixture
def base_url(fresh: Container) -> Iterator[str]:
    with served(fresh) as url:
        yield url


def _positions(sse: Sse) -> list[int]:
    return [event_id for event_id, _ in sse.events]


def test_the_stream_serves_the_log_then_each_event_as_it_is_saved(
        base_url: str, fresh: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed, "POLL_SECONDS", 60.0)  # only the save can wake the stream
    with httpx.Client(base_url=base_url, timeout=10, headers=PLATFORM) as client:
        pathway = open_pathway(client, "open")
        with client.stream("GET", STREAM) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            sse = Sse(response).count(1)
            measure(client, pathway, "m-1")
            sse.count(2, timeout=5)

    assert sse.retry is not None
    assert _positions(sse) == [1, 2]
    event_id, envelope = sse.events[1]
    assert envelope["position"] == event_id
    assert envelope["type"] == "org.carepath.pathway.MeasureRecorded.v1"
    assert envelope == fresh.envelopes.envelope(OrderedLog(fresh.pathways).read(1, 1)[0])


def test_a_dropped_stream_resumes_after_last_event_id_without_gap_or_repeat(
        base_url: str, fresh: Container) -> None:
    with httpx.Client(base_url=base_url, timeout=10, headers=PLATFORM) as client:
        pathway = open_pathway(client, "open")
        for n in range(5):
            measure(client, pathway, f"before-{n}")
        with client.stream("GET", STREAM, params={"limit": 2}) as response:
            first = Sse(response).count(3)  # then the connection drops
        for n in range(4):
            measure(client, pathway, f"while-away-{n}")
        last_id = first.events[-1][0]
        with client.stream("GET", STREAM, headers={"Last-Event-ID": str(last_id)}) as response:
            second = Sse(response).count(10 - last_id)
            measure(client, pathway, "after")
            second.count(11 - last_id)

    received = _positions(first) + _positions(second)
    assert received == list(range(1, 12))
    assert OrderedLog(fresh.pathways).head() == 11


def test_a_type_filter_streams_only_those_types(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10, headers=PLATFORM) as client:
        pathway = open_pathway(client, "open")
        with client.stream("GET", STREAM, params={
                "type": "org.carepath.pathway.MeasureRecorded.v1"}) as response:
            sse = Sse(response)
            measure(client, pathway, "m-1")
            measure(client, pathway, "m-2")
            sse.count(2)

    assert _positions(sse) == [2, 3]
    assert {e["type"] for _, e in sse.events} == {"org.carepath.pathway.MeasureRecorded.v1"}


def test_an_idle_stream_sends_keep_alive_comments(
        base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed, "KEEP_ALIVE_SECONDS", 0.2)
    with httpx.Client(base_url=base_url, timeout=10, headers=PLATFORM) as client, \
            client.stream("GET", STREAM) as response:
        sse = Sse(response).read_until(lambda s: len(s.comments) >= 2, timeout=5)

    assert sse.events == []
    assert sse.comments[:2] == ["keep-alive", "keep-alive"]


@pytest.mark.parametrize("last_event_id", ["abc", "-3", "1.5", str(2**70)])
def test_a_last_event_id_that_is_not_a_position_is_a_422(
        base_url: str, last_event_id: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10, headers=PLATFORM) as client:
        answer = client.get(STREAM, headers={"Last-Event-ID": last_event_id})

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "header.Last-Event-ID"


def test_an_unknown_type_is_refused_before_the_stream_starts(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10, headers=PLATFORM) as client:
        answer = client.get(STREAM, params={"type": "SessionHeld"})

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "query.type"
