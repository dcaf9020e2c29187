"""The access log over HTTP: every read of a history, an as-of or an export is recorded (who,
when, which pathway, why) before it is answered; an auditor lists who looked at a pathway and
reports by period, user and patient (ONC 170.315(d)(2) and (d)(3))."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.composition import Container
from services.errors import StoreUnavailable
from tests.access.support import ADMIN, AUDITOR, T1, T2, WHEN, log_of, open_for
from tests.http.support import TestClient, make_client


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path / "data", headers={}) as test_client:
        yield test_client


def container_of(client: TestClient) -> Container:
    found: Container = client.app.state.container  # type: ignore[attr-defined]
    return found


def test_every_read_of_a_history_an_as_of_or_an_export_is_recorded_with_who_when_and_why(
        client: TestClient) -> None:
    pathway = open_for(client, "t-1", "client-001")
    why: dict[str, str | int] = {"purpose": "payer audit 2026-Q1"}
    reads: list[tuple[str, dict[str, str | int], dict[str, str]]] = [
        (f"/pathways/{pathway}/history", {}, T1),
        (f"/pathways/{pathway}", {"version": 1}, T1),
        (f"/audit/pathways/{pathway}/history", why, AUDITOR),
        (f"/audit/pathways/{pathway}/as-of", {**why, "version": 1}, AUDITOR),
        (f"/audit/pathways/{pathway}/steps", why, AUDITOR),
        (f"/audit/pathways/{pathway}/export", {**why, "format": "jsonl"}, AUDITOR),
        ("/audit/exports", {**why, "since": "2026-01-01", "until": "2026-02-01"}, ADMIN),
        (f"/integrity/pathways/{pathway}/evidence", why, AUDITOR),
    ]
    for path, params, headers in reads:
        answer = client.get(path, params=params, headers=headers)
        assert answer.status_code == 200, (path, answer.text)

    entries = log_of(client, pathway_id=pathway)
    assert [(e["actor_id"], e["actor_role"], e["action"], e["purpose"]) for e in entries] == [
        ("t-1", "therapist", "read-history", "treatment"),
        ("t-1", "therapist", "read-as-of", "treatment"),
        ("auditor-rui", "auditor", "read-history", "payer audit 2026-Q1"),
        ("auditor-rui", "auditor", "read-as-of", "payer audit 2026-Q1"),
        ("auditor-rui", "auditor", "read-history", "payer audit 2026-Q1"),
        ("auditor-rui", "auditor", "export", "payer audit 2026-Q1"),
        ("admin-sam", "admin", "export-period", "payer audit 2026-Q1"),
        ("auditor-rui", "auditor", "evidence", "payer audit 2026-Q1"),
    ]
    assert [e["seq"] for e in entries] == list(range(1, 9))
    assert {e["recorded_at"] for e in entries} == {WHEN}  # the server's clock
    assert {e["channel"] for e in entries} == {"http"}
    assert all(e["token_id"] for e in entries)  # which token, too
    assert entries[3]["detail"] == (f"GET /audit/pathways/{pathway}/as-of"
                                    "?purpose=payer+audit+2026-Q1&version=1")


def test_a_current_state_the_list_and_commands_are_not_logged_reads(
        client: TestClient) -> None:
    pathway = open_for(client, "t-1", "client-001")
    assert client.get(f"/pathways/{pathway}", headers=T1).status_code == 200
    assert client.get("/pathways", headers=T1).status_code == 200
    assert log_of(client) == []


def test_an_auditor_states_the_purpose_of_each_read_and_nothing_is_served_without_it(
        client: TestClient) -> None:
    pathway = open_for(client, "t-1", "client-001")
    for path in (f"/audit/pathways/{pathway}/history", f"/pathways/{pathway}/history",
                 f"/audit/pathways/{pathway}/export", f"/pathways/{pathway}?version=1"):
        refused = client.get(path, headers=AUDITOR)
        assert refused.status_code == 422, path
        assert refused.json()["errors"][0]["field"] == "query.purpose"
        assert "events" not in refused.text
    too_short = client.get(f"/audit/pathways/{pathway}/history", params={"purpose": "x"},
                           headers=AUDITOR)
    assert too_short.status_code == 422
    assert log_of(client) == []


def test_a_read_the_access_log_cannot_record_is_refused_not_served(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    pathway = open_for(client, "t-1", "client-001")

    def unavailable(*_: object, **__: object) -> None:
        raise StoreUnavailable("the access log's store is gone")

    monkeypatch.setattr(container_of(client).access_log, "record", unavailable)
    for path in (f"/pathways/{pathway}/history",
                 f"/audit/pathways/{pathway}/history?purpose=a+payer+audit"):
        answer = client.get(path, headers=T1 if path.startswith("/pathways") else AUDITOR)
        assert answer.status_code == 503, path
        assert answer.headers["retry-after"]
        assert "PathwayOpened" not in answer.text


def test_an_auditor_lists_who_looked_at_a_pathway_and_reports_by_period_user_and_patient(
        client: TestClient) -> None:
    first = open_for(client, "t-1", "client-001")
    second = open_for(client, "t-2", "client-002")
    third = open_for(client, "t-2", "client-002")  # the same client, a second course
    client.get(f"/pathways/{first}/history", headers=T1)
    client.get(f"/pathways/{second}/history", headers=T2)
    client.get(f"/pathways/{third}/history", headers=T2)
    for pathway in (first, second):
        client.get(f"/audit/pathways/{pathway}/history", params={"purpose": "complaint 4411"},
                   headers=AUDITOR)
    clock = container_of(client).pathways.clock
    container_of(client).access_log.clock = lambda: clock().replace(year=2027)
    client.get(f"/pathways/{second}/history", headers=T2)  # a year later

    assert [e["actor_id"] for e in log_of(client, pathway_id=second)] == [
        "t-2", "auditor-rui", "t-2"]
    assert {e["pathway_id"] for e in log_of(client, patient="client-002")} == {second, third}
    assert [e["pathway_id"] for e in log_of(client, actor="auditor-rui")] == [first, second]
    assert len(log_of(client, since="2027-01-01")) == 1
    assert len(log_of(client, until="2027-01-01")) == 5

    def report(by: str, **params: str) -> dict[str, int]:
        answer = client.get("/access-log/report", params={"by": by, **params},
                            headers=AUDITOR)
        assert answer.status_code == 200, answer.text
        return {row["key"]: row["reads"] for row in answer.json()["rows"]}

    assert report("user") == {"t-2 (therapist)": 3, "auditor-rui (auditor)": 2,
                              "t-1 (therapist)": 1}
    assert report("patient", until="2027-01-01") == {"client-002": 3, "client-001": 2}
    assert report("pathway", actor="auditor-rui") == {first: 1, second: 1}
    assert client.get("/access-log/verify", headers=AUDITOR).json() == {
        "ok": True, "entries": 6, "finding": None}


def test_only_auditors_and_admins_read_the_access_log(client: TestClient) -> None:
    for headers, status in ((T1, 403), (AUDITOR, 200), (ADMIN, 200), ({}, 401)):
        assert client.get("/access-log", headers=headers).status_code == status


def test_a_groups_history_and_as_of_are_recorded_under_the_groups_id(
        client: TestClient) -> None:
    from tests.http.test_groups import HttpGroup  # noqa: PLC0415 - its group over HTTP

    group = HttpGroup(client, members=2)
    assert client.get(f"/groups/{group.id}/history", headers=T1).status_code == 200
    assert client.get(f"/groups/{group.id}", params={"version": 1, "purpose": "review"},
                      headers=AUDITOR).status_code == 200
    assert client.get(f"/groups/{group.id}/history", headers=AUDITOR).status_code == 422

    entries = log_of(client, pathway_id=group.id)
    assert [(e["actor_id"], e["action"], e["purpose"]) for e in entries] == [
        ("t-1", "read-history", "treatment"), ("auditor-rui", "read-as-of", "review")]
