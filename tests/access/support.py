"""A clinic of two therapists' clients for the access log's specifications, over HTTP."""

from __future__ import annotations

from typing import Any

from tests.http.support import OPEN, TestClient, valid_bodies
from tests.journeys import NOW
from tests.tokens import bearer

T1, T2 = bearer("therapist", "t-1"), bearer("therapist", "t-2")
AUDITOR = bearer("auditor", "auditor-rui")
ADMIN = bearer("admin", "admin-sam")
WHEN = NOW.isoformat().replace("+00:00", "Z")


def open_for(client: TestClient, therapist: str, client_ref: str) -> str:
    """A pathway of ``therapist``'s for ``client_ref``, with a consent recorded (2 events)."""
    headers = bearer("therapist", therapist)
    opened = client.post("/pathways", json={**OPEN, "therapist_id": therapist,
                                            "client_ref": client_ref}, headers=headers)
    assert opened.status_code == 201, opened.text
    pathway: str = opened.json()["pathway_id"]
    consent = client.post(f"/pathways/{pathway}/consents", json=valid_bodies()["consents"],
                          headers=headers)
    assert consent.status_code == 201, consent.text
    return pathway


def log_of(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    """The access log's entries an auditor lists."""
    answer = client.get("/access-log", params=params, headers=AUDITOR)
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["entries"]
    return entries
