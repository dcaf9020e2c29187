"""Clinical times: any offset is accepted and stored in UTC; only ISO 8601 text, from 1900 on."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.http.support import OPEN, THERAPIST, Api, TestClient, valid_bodies
from tests.journeys import NOW, START

PLUS_TWO = timezone(timedelta(hours=2))
MINUS_FIVE = timezone(timedelta(hours=-5))
CLINICAL_REFUSALS = {"rule-violation", "reason-required", "invalid-command"}


def last_event(api: Api) -> dict[str, Any]:
    events: list[dict[str, Any]] = api.client.get(
        f"/pathways/{api.id}/history").json()["events"]
    return events[-1]


def in_utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() == timedelta(0), text
    return moment


@pytest.mark.parametrize("path", sorted(valid_bodies()))
@pytest.mark.parametrize("zone", [PLUS_TWO, MINUS_FIVE], ids=["plus-two", "minus-five"])
def test_every_command_accepts_an_offset_and_records_the_time_in_utc(
        api: Api, path: str, zone: timezone) -> None:
    api.ok("consents", kinds=["treatment", "telehealth"])
    body = {**valid_bodies()[path], "occurred_at": START.astimezone(zone).isoformat()}

    response = api.post(path, body)

    if response.status_code == 422:
        assert response.json()["type"].rsplit(":", 1)[1] in CLINICAL_REFUSALS, response.text
        assert "body.occurred_at" not in str(response.json().get("errors"))
    else:
        assert response.status_code == 201, response.text
        assert in_utc(last_event(api)["occurred_at"]) == START


@pytest.mark.parametrize("zone", [PLUS_TWO, MINUS_FIVE], ids=["plus-two", "minus-five"])
def test_opening_accepts_an_offset_and_records_the_time_in_utc(
        client: TestClient, zone: timezone) -> None:
    body = {**OPEN, "occurred_at": START.astimezone(zone).isoformat()}

    opened = client.post("/pathways", json=body, headers=THERAPIST)

    assert opened.status_code == 201, opened.text
    history = client.get(f"/pathways/{opened.json()['pathway_id']}/history").json()
    assert in_utc(history["events"][0]["occurred_at"]) == START
    state = client.get(f"/pathways/{opened.json()['pathway_id']}").json()
    assert in_utc(state["opened_at"]) == START


def test_the_same_moment_in_two_offsets_is_the_same_request(client: TestClient) -> None:
    key = {"Idempotency-Key": "offset-retry-1"}
    first = client.post("/pathways", json={**OPEN, "occurred_at": START.isoformat()},
                        headers={**THERAPIST, **key})
    again = client.post("/pathways", headers={**THERAPIST, **key}, json={
        **OPEN, "occurred_at": START.astimezone(PLUS_TWO).isoformat()})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["pathway_id"] == first.json()["pathway_id"]


@pytest.mark.parametrize("text", ["1767600000", "1767600000.5", "20260105T090000Z",
                                  "2026-01-05", "Mon, 05 Jan 2026 09:00:00 GMT"])
def test_a_clinical_time_must_be_iso_8601_text(api: Api, text: str) -> None:
    response = api.post("sick-role", {"occurred_at": text})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.occurred_at"]
    assert "ISO 8601" in response.json()["errors"][0]["reason"]


@pytest.mark.parametrize(("field", "text"), [
    ("referral_date", "20260102"), ("referral_date", "1767312000"),
    ("referral_date", "2026-01-02T00:00:00Z"),
])
def test_an_opening_date_must_be_an_iso_8601_date(client: TestClient, field: str,
                                                  text: str) -> None:
    response = client.post("/pathways", json={**OPEN, field: text}, headers=THERAPIST)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [f"body.{field}"]


@pytest.mark.parametrize("text", ["1899-12-31T23:59:59Z", "1900-01-01T00:30:00+01:00",
                                  "0001-01-01T00:00:00+02:00", "1066-10-14T09:00:00Z"])
def test_a_clinical_time_before_1900_is_refused(api: Api, text: str) -> None:
    response = api.post("sick-role", {"occurred_at": text})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.occurred_at"]
    assert api.state()["version"] == 1


@pytest.mark.parametrize(("path", "field"), [("contract", "start_date"),
                                             ("maintenance", "start_date")])
def test_a_start_date_before_1900_is_refused(api: Api, path: str, field: str) -> None:
    response = api.post(path, {**valid_bodies()[path], field: "1899-12-31"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [f"body.{field}"]


def test_a_referral_date_before_1900_is_refused(client: TestClient) -> None:
    response = client.post("/pathways", json={**OPEN, "referral_date": "1899-12-31"},
                           headers=THERAPIST)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.referral_date"]


def test_a_referral_date_after_the_server_date_is_refused(client: TestClient) -> None:
    tomorrow = (NOW + timedelta(days=1)).date().isoformat()
    response = client.post("/pathways", json={**OPEN, "referral_date": tomorrow},
                           headers=THERAPIST)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.referral_date"]
    assert "future" in response.json()["detail"]


def test_a_referral_dated_today_is_accepted(client: TestClient) -> None:
    today = NOW.date().isoformat()
    response = client.post("/pathways", json={**OPEN, "referral_date": today},
                           headers=THERAPIST)

    assert response.status_code == 201, response.text
