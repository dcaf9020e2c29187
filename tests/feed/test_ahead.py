"""Reading ahead: the page after a full page is read while the last one travels, and a page
kept for a consumer is always the page a fresh read would give."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from services.composition import Container
from services.feed import ahead
from services.feed.ahead import ReadAhead
from services.feed.pages import EventFeed
from tests.feed.support import measure, open_pathway


def test_a_page_read_ahead_is_taken_once_by_the_request_for_it() -> None:
    pages: ReadAhead[str] = ReadAhead(lambda page: True)
    pages.start(("after", 10), lambda: "page after 10")

    assert pages.take(("after", 10)) == "page after 10"
    assert pages.take(("after", 10)) is None


def test_a_page_not_worth_keeping_or_that_failed_is_read_again_by_the_request() -> None:
    def fails() -> str:
        raise RuntimeError("the store went away")

    pages: ReadAhead[str] = ReadAhead(lambda page: page == "full")
    pages.start("partial", lambda: "partial")
    pages.start("failed", fails)

    assert pages.take("partial") is None
    assert pages.take("failed") is None


def test_at_most_kept_pages_wait_and_the_oldest_goes_first(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ahead, "KEPT", 2)
    release = threading.Event()
    pages: ReadAhead[int] = ReadAhead(lambda page: True)
    pages.start(0, lambda: release.wait(5) and 0)  # keeps the one thread busy
    for key in (1, 2, 3):
        pages.start(key, lambda key=key: key)  # type: ignore[misc]
    release.set()

    assert [pages.take(key) for key in (0, 1, 2, 3)] == [None, None, 2, 3]


def test_a_page_waiting_too_long_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(ahead, "_now", lambda: clock[0])
    pages: ReadAhead[str] = ReadAhead(lambda page: True)
    pages.start("old", lambda: "old")
    clock[0] += ahead.KEEP_SECONDS + 1
    pages.start("new", lambda: "new")

    assert pages.take("old") is None
    assert pages.take("new") == "new"


def test_a_consumer_paging_on_sees_events_stored_after_its_last_full_page(
        fresh: Container) -> None:
    from fastapi.testclient import TestClient  # noqa: PLC0415

    from services.http import create_app  # noqa: PLC0415

    feed = EventFeed(fresh.pathways, fresh.envelopes)
    with TestClient(create_app(fresh)) as client:
        pathway = open_pathway(client, "open")
        for n in range(3):
            measure(client, pathway, f"m-{n}")
        first = feed.page(0, 2)  # full: positions 3 and 4 are read ahead (and kept)
        second = feed.page(first.next_after, 2)  # full: position 5 only is read ahead
        for n in range(2):
            measure(client, pathway, f"later-{n}")
        third = feed.page(second.next_after, 2)

    pages: list[Any] = [first, second, third]
    assert [page.positions for page in pages] == [[1, 2], [3, 4], [5, 6]]
    assert [page.full for page in pages] == [True, True, True]
