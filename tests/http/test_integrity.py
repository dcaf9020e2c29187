"""The tamper-evidence routes: verify, the latest checkpoint, the key, a pathway's evidence."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.integrity.keys import DEVELOPMENT_KEY
from services.integrity.note import open_checkpoint
from tests.http.support import AUDITOR, Api, TestClient, make_client

UNKNOWN = "00000000-0000-0000-0000-00000000abcd"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Signed in as an auditor (pathways are opened by their therapist, as ``Api`` does)."""
    with make_client(tmp_path_factory.mktemp("data"), headers=AUDITOR) as test_client:
        yield test_client


@pytest.fixture
def fresh_client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path / "data", headers=AUDITOR) as test_client:
        yield test_client


def test_an_untouched_store_and_pathway_verify(fresh_client: TestClient) -> None:
    api = Api(fresh_client)
    whole = fresh_client.get("/integrity/verify")
    assert whole.status_code == 200
    assert whole.json()["ok"] is True
    assert whole.json()["events"] == whole.json()["tree_size"] >= 1
    one = fresh_client.get("/integrity/verify", params={"pathway_id": api.id}).json()
    assert (one["ok"], one["scope"], one["finding"]) == (True, api.id, None)


def test_evidence_seals_and_the_checkpoint_is_then_served(fresh_client: TestClient) -> None:
    api = Api(fresh_client)
    assert fresh_client.get("/integrity/checkpoint").status_code == 404
    evidence = fresh_client.get(f"/integrity/pathways/{api.id}/evidence",
                                params={"purpose": "a payer audit"})
    assert evidence.status_code == 200
    assert evidence.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in evidence.text.splitlines()]
    assert lines[0]["kind"] == "checkpoint"
    assert [line["version"] for line in lines[1:]] == list(range(1, len(lines)))
    served = fresh_client.get("/integrity/checkpoint")
    assert served.status_code == 200
    assert served.text == lines[0]["note"]
    checkpoint = open_checkpoint(served.text, DEVELOPMENT_KEY.verifier)
    assert checkpoint.size == fresh_client.get("/integrity/verify").json()["tree_size"]


def test_the_key_is_the_logs_verifier_key(fresh_client: TestClient) -> None:
    assert fresh_client.get("/integrity/key").text == DEVELOPMENT_KEY.verifier.text() + "\n"


def test_an_altered_event_is_named_over_http(fresh_client: TestClient, tmp_path: Path) -> None:
    api = Api(fresh_client)
    connection = sqlite3.connect(tmp_path / "data" / "Pathways.sqlite3")
    connection.execute("DROP TRIGGER stored_events_no_update")
    connection.execute("UPDATE stored_events SET state = CAST(state || x'20' AS BLOB)")
    connection.commit()
    connection.close()
    result = fresh_client.get("/integrity/verify", params={"pathway_id": api.id}).json()
    assert result["ok"] is False
    assert result["finding"]["broken"] == "altered"
    assert result["finding"]["version"] == 1
    assert fresh_client.get("/integrity/verify").json()["finding"]["position"] == 1


def test_an_unknown_or_malformed_pathway_is_refused(client: TestClient) -> None:
    for path in ("/integrity/verify?pathway_id=" + UNKNOWN,
                 f"/integrity/pathways/{UNKNOWN}/evidence?purpose=a+payer+audit"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
    assert client.get("/integrity/verify?pathway_id=nope").status_code == 422


def test_a_consistency_proof_is_served_from_a_kept_size(fresh_client: TestClient) -> None:
    assert fresh_client.get("/integrity/consistency", params={"from": 1}).status_code == 404
    api = Api(fresh_client)
    first = fresh_client.get(f"/integrity/pathways/{api.id}/evidence",
                             params={"purpose": "a payer audit"}).text.splitlines()[0]
    kept = open_checkpoint(json.loads(first)["note"], DEVELOPMENT_KEY.verifier)
    Api(fresh_client)
    fresh_client.get(f"/integrity/pathways/{api.id}/evidence",
                     params={"purpose": "a payer audit"})  # seals the newer head
    answer = fresh_client.get("/integrity/consistency", params={"from": kept.size})
    assert answer.status_code == 200
    body = answer.json()
    assert body["old"] == kept.size < body["new"]
    assert body["proof"]
    assert open_checkpoint(body["checkpoint"], DEVELOPMENT_KEY.verifier).size == body["new"]
    for bad in (0, body["new"] + 1):
        refused = fresh_client.get("/integrity/consistency", params={"from": bad})
        assert refused.status_code == 422


def test_a_groups_own_events_verify_and_a_pathway_id_is_no_group(client: TestClient) -> None:
    from tests.http.test_groups import HttpGroup  # noqa: PLC0415 - its group over HTTP

    group = HttpGroup(client, members=6)
    one = client.get("/integrity/verify", params={"group_id": group.id}).json()
    assert (one["ok"], one["scope"], one["aggregate"], one["events"]) == (
        True, group.id, "group", 7)
    for params in ({"group_id": group.members[0]}, {"group_id": UNKNOWN}):
        answer = client.get("/integrity/verify", params=params)
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
    both = client.get("/integrity/verify", params={"group_id": group.id,
                                                   "pathway_id": group.members[0]})
    assert both.status_code == 422
    assert both.json()["errors"][0]["field"] == "query"


def test_a_groups_evidence_is_served_and_logged(client: TestClient) -> None:
    from tests.http.test_groups import HttpGroup  # noqa: PLC0415 - its group over HTTP

    group = HttpGroup(client, members=6)
    answer = client.get(f"/integrity/groups/{group.id}/evidence",
                        params={"purpose": "group evidence"})
    assert answer.status_code == 200
    lines = [json.loads(line) for line in answer.text.splitlines()]
    assert (lines[0]["scope"], lines[0]["pathway_id"]) == ("group", group.id)
    assert [line["version"] for line in lines[1:]] == list(range(1, 8))
    for unknown in (group.members[0], UNKNOWN):
        refused = client.get(f"/integrity/groups/{unknown}/evidence",
                             params={"purpose": "group evidence"})
        assert refused.status_code == 404
        assert refused.json()["type"].endswith("group-not-found")
    entries = client.get("/access-log", params={"pathway_id": group.id}).json()["entries"]
    assert [(e["action"], e["purpose"]) for e in entries] == [("evidence", "group evidence")]
