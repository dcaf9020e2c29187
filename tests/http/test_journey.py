"""An IPT pathway driven through the API, and what the read side shows of it."""

from __future__ import annotations

from datetime import timedelta

from projections.catch_up import catch_up
from projections.log import OrderedLog
from projections.pathways import PathwaysProjection
from projections.tracking import PositionMoved
from tests.http.support import OPEN, THERAPIST, Api, TestClient, contract_terms
from tests.journeys import NOW, PHQ9_MODERATE
from tests.tokens import bearer


def test_an_ipt_pathway_reaches_the_middle_phase_through_the_api(api: Api) -> None:
    api.assessed_initial()
    assert api.state()["phase"] == "initial"

    api.sign()
    api.ok("measures", instrument="phq9", items=list(PHQ9_MODERATE))
    answer = api.session(number=3, focus_addressed="role_dispute")

    assert answer["events"] == [{"version": answer["version"], "type": "SessionHeld"}]
    state = api.state()
    assert state["phase"] == "middle"
    assert state["sessions_held"] == 3
    assert state["sessions_left"] == 9
    assert state["contract"]["sessions"] == 12
    assert state["contract"]["foci"] == ["role_dispute"]
    assert state["focus"] == {"primary": "role_dispute", "secondary": None,
                              "patient_agreed": True}
    assert state["protocol"] == {"id": "ipt", "version": 1}
    assert state["version"] == answer["version"]


def test_opening_answers_201_with_location_etag_and_generated_headers(
        client: TestClient) -> None:
    response = client.post("/pathways", json=OPEN, headers=THERAPIST)

    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 1
    assert body["events"] == [{"version": 1, "type": "PathwayOpened"}]
    assert body["replayed"] is False
    assert response.headers["location"] == f"/pathways/{body['pathway_id']}"
    assert response.headers["etag"] == '"1"'
    assert len(response.headers["idempotency-key"]) == 36  # a generated uuid4
    assert response.headers["x-correlation-id"]


def test_a_given_correlation_id_is_echoed_and_recorded(api: Api) -> None:
    response = api.command("consents", headers={"X-Correlation-Id": "visit-42"},
                           kinds=["treatment"])

    assert response.headers["x-correlation-id"] == "visit-42"
    history = api.client.get(f"/pathways/{api.id}/history").json()
    assert history["events"][-1]["correlation_id"] == "visit-42"


def test_history_shows_actor_times_and_the_events_own_fields(api: Api) -> None:
    supervisor = bearer("supervisor", "sup-9", therapists=["t-1"])
    api.command("diagnoses", headers={**supervisor, "Idempotency-Key": "dx-1"},
                icd10="F32.1", severity="moderate")

    events = api.client.get(f"/pathways/{api.id}/history").json()["events"]

    assert [e["type"] for e in events] == ["PathwayOpened", "DiagnosisRecorded"]
    diagnosis = events[1]
    assert diagnosis["version"] == 2
    assert diagnosis["actor_id"] == "sup-9"
    assert diagnosis["actor_role"] == "supervisor"
    assert diagnosis["idempotency_key"] == "dx-1"
    assert diagnosis["protocol"] == "ipt@1"
    assert diagnosis["occurred_at"] == "2026-01-05T09:00:00Z"
    assert diagnosis["recorded_at"] == NOW.isoformat().replace("+00:00", "Z")
    assert diagnosis["data"] == {"icd10": "F32.1", "severity": "moderate"}
    assert events[0]["data"]["client_ref"] == "client-001"


def test_history_pages_with_after_and_limit(api: Api) -> None:
    for kind in ("treatment", "telehealth", "recording"):
        api.ok("consents", kinds=[kind])
    url = f"/pathways/{api.id}/history"

    first = api.client.get(url, params={"limit": 2}).json()
    second = api.client.get(url, params={"after": first["next_after"], "limit": 2}).json()

    assert [e["version"] for e in first["events"]] == [1, 2]
    assert first["next_after"] == 2
    assert [e["version"] for e in second["events"]] == [3, 4]
    assert api.client.get(url, params={"after": 4}).json() == {
        "pathway_id": api.id, "events": [], "next_after": None}


def test_the_state_as_of_a_version_shows_the_past(api: Api) -> None:
    api.ok("measures", instrument="phq9", items=[0, 0, 0, 0, 0, 0, 0, 0, 2])  # raises a flag
    api.ok("safety-flags/acknowledge", flag_id=1)

    now = api.state()
    before = api.state(version=2)
    response = api.client.get(f"/pathways/{api.id}", params={"version": 2})

    assert now["open_safety_flags"] == [{"id": 1, "tier": "urgent", "acknowledged": True,
                                         "assessed": False}]
    assert before["version"] == 2
    assert before["open_safety_flags"] == []
    assert response.headers["etag"] == '"2"'
    beyond = api.client.get(f"/pathways/{api.id}", params={"version": 99})
    assert beyond.status_code == 404
    assert beyond.headers["content-type"] == "application/problem+json"


def caught_up(client: TestClient) -> None:
    """Bring the pathways read model up to the log's head (beside any worker that runs)."""
    container = client.app.state.container  # type: ignore[attr-defined]
    for _ in range(100):
        try:
            catch_up(container.read_store, OrderedLog(container.pathways), PathwaysProjection())
        except PositionMoved:  # a worker applied that batch first: read on from there
            continue
        return


def test_the_list_shows_opened_pathways_in_order_with_paging(fresh_client: TestClient) -> None:
    client = fresh_client
    assert client.get("/pathways").json() == {"items": [], "next_after": None,
                                              "log_position": 0}  # not built yet
    opened = [Api(client).id for _ in range(3)]
    caught_up(client)

    first = client.get("/pathways", params={"limit": 2}).json()
    rest = client.get("/pathways", params={"after": first["next_after"]}).json()

    assert [p["id"] for p in first["items"]] == opened[:2]
    assert [p["id"] for p in rest["items"]] == opened[2:]
    assert first["next_after"] == first["items"][1]["position"]
    assert rest["next_after"] is None
    assert rest["log_position"] == 3
    assert first["items"][0] == {
        "id": opened[0], "position": first["items"][0]["position"], "phase": "initial",
        "protocol": {"id": "ipt", "version": 1}, "format": "individual",
        "therapist_id": "t-1", "version": 1, "sessions_held": 0, "sessions_left": None,
        "open_flags": 0, "urgent_open_flags": 0, "outreach_due": False, "outcome": None,
        "next_step": None, "referral_date": "2026-01-02", "opened_at": "2026-01-05T09:00:00Z",
        "first_session_at": None, "contract_signed_at": None,
        "last_activity_at": "2026-01-05T09:00:00Z",
        "last_recorded_at": first["items"][0]["last_recorded_at"], "closed_reason": None}


def test_the_list_filters_by_flags_phase_therapist_and_protocol(fresh_client: TestClient
                                                                ) -> None:
    client = fresh_client
    quiet, flagged = Api(client), Api(client)
    flagged.ok("measures", instrument="phq9", items=[0, 0, 0, 0, 0, 0, 0, 0, 2])  # urgent
    caught_up(client)

    def listed(**params: str) -> list[str]:
        return [p["id"] for p in client.get("/pathways", params=params).json()["items"]]

    assert listed(has_open_flags="true") == [flagged.id]
    assert listed(has_open_flags="false") == [quiet.id]
    assert listed(phase="initial", therapist_id="t-1") == [quiet.id, flagged.id]
    assert listed(phase="middle") == []
    assert listed(protocol="dit") == []
    assert listed(outreach_due="true") == []
    assert client.get("/pathways", params={"protocol": "nope"}).status_code == 422
    assert client.get("/pathways", params={"phase": "nope"}).status_code == 422


def test_a_contract_records_its_terms_and_a_focus_outside_them_needs_a_reason(
        api: Api) -> None:
    api.assessed_initial()
    api.ok("contract", **contract_terms(api.at))
    api.ok("measures", instrument="phq9", items=list(PHQ9_MODERATE))
    api.at += timedelta(days=7)

    refused = api.command("sessions", number=3, minutes=50, focus_addressed="grief")
    accepted = api.command("sessions", number=3, minutes=50, focus_addressed="grief",
                           reason="client raised a bereavement")

    assert refused.status_code == 422
    assert refused.json()["rule"] == "IPT-14"
    assert accepted.status_code == 201
    assert [e["type"] for e in accepted.json()["events"]] == ["DeviationRecorded", "SessionHeld"]
    assert api.state()["deviations"] == {"IPT-14": 1}


def test_health_and_protocols(client: TestClient) -> None:
    health = client.get("/health").json()
    protocols = client.get("/protocols").json()

    assert health["status"] == "ok"
    assert health["storage"].startswith("sqlite")
    ipt = next(p for p in protocols["acute"] if p["id"] == "ipt")
    assert ipt["sessions_range"] == [8, 20]
    assert ipt["initial_cap"] == 3
    assert ipt["problem_areas"] == ["grief", "interpersonal_deficits", "role_dispute",
                                    "role_transition"]
    assert ipt["current"] is True
    assert protocols["maintenance"][0]["ref"] == "ipt-m@1"
