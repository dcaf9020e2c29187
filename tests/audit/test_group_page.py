"""A group's audit page without a browser: its timeline with each session's attendance
linking the members' pathways, its state after a chosen version and on a date, a member's
pathway page linking each group session back, and each read in the access log."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.composition import bootstrap
from services.http import create_app
from services.settings import load_settings
from tests.group_app import AppGroup
from tests.tokens import bearer

AUDITOR = bearer("auditor", "a-1")


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, AppGroup]]:
    container = bootstrap(load_settings(data_dir=tmp_path_factory.mktemp("data")))
    try:
        group = AppGroup(container, members=6)
        group.session()
        group.session(absent={group.members[0]: "late_cancellation"})
        yield TestClient(create_app(container), headers=AUDITOR,
                         cookies={"carepath_purpose": "a payer audit"}), group
    finally:
        container.close()


def test_a_groups_page_shows_its_timeline_and_each_sessions_attendance(
        stored: tuple[TestClient, AppGroup]) -> None:
    http, group = stored
    answer = http.get("/audit", params={"group": str(group.group_id)})

    assert answer.status_code == 200
    page = answer.text
    assert f"<h1>Group <code>{group.group_id}</code></h1>" in page
    assert len(re.findall(r'<tr id="v\d+"', page)) == 9
    assert '<tr id="v9" aria-current="true">' in page
    assert '<span id="session-2">Session 2</span>' in page
    absent = group.members[0]
    assert f'<a href="/audit?pathway={absent}">{str(absent)[:8]}</a>' in page
    assert "absent (late cancellation)" in page
    assert "Version 9 of 9: GroupSessionHeld" in page


def test_a_groups_page_shows_a_chosen_version_and_a_date(
        stored: tuple[TestClient, AppGroup]) -> None:
    http, group = stored
    by_version = http.get("/audit", params={"group": str(group.group_id), "version": "7"}).text
    on_a_date = http.get("/audit", params={"group": str(group.group_id), "axis": "clinical",
                                           "at": "2026-01-13"}).text
    too_early = http.get("/audit", params={"group": str(group.group_id), "axis": "recorded",
                                           "at": "2020-01-01"}).text

    assert "Version 7 of 9: MemberEnrolled" in by_version
    assert re.search(r"<th scope=\"row\">sessions_held</th><td><code>0</code>", by_version)
    assert "sessions held" in on_a_date
    assert "No state to show" in too_early
    assert "formation" in too_early


def test_a_groups_id_pasted_as_a_pathways_opens_the_group(
        stored: tuple[TestClient, AppGroup]) -> None:
    http, group = stored
    page = http.get("/audit", params={"pathway": str(group.group_id)}).text
    assert f"<h1>Group <code>{group.group_id}</code></h1>" in page
    missing = http.get("/audit", params={"group": "00000000-0000-0000-0000-000000000009"})
    assert missing.status_code == 404
    assert "names no pathway or group" in missing.text
    assert "is not a group id" in http.get("/audit", params={"group": "nope"}).text


def test_a_members_page_links_each_group_session(stored: tuple[TestClient, AppGroup]) -> None:
    http, group = stored
    page = http.get("/audit", params={"pathway": str(group.members[0])}).text
    links = re.findall(r'<a class="group-session" href="([^"]+)">([^<]+)</a>', page)
    assert links == [(f"/audit?group={group.group_id}#session-1", "group session 1"),
                     (f"/audit?group={group.group_id}#session-2", "group session 2")]


def test_the_groups_page_reads_are_in_the_access_log(
        stored: tuple[TestClient, AppGroup]) -> None:
    http, group = stored
    http.get("/audit", params={"group": str(group.group_id), "purpose": "page 77"})
    entries = http.get("/access-log", params={"pathway_id": str(group.group_id)}).json()[
        "entries"]
    assert [e["action"] for e in entries if e["purpose"] == "page 77"] == [
        "read-history", "read-as-of"]
