"""A small client language for the API tests: ``api.command("sessions", number=1)``.

The application is the real one, on embedded SQLite, with the server clock fixed at ``NOW``;
clinical times start at ``START`` and move a week per session, as in tests/journeys.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from domain.pathway import commands as c
from services.commands import ROUTES
from services.composition import bootstrap
from services.courses import CourseWriter, course
from services.http import create_app
from services.settings import load_settings
from tests.journeys import INVENTORY, NOW, PHQ9_MODERATE, START
from tests.tokens import bearer

__all__ = ["ADMIN", "AUDITOR", "OPEN", "OPS", "PLATFORM", "THERAPIST", "Api", "TestClient", "at",
           "contract_terms", "make_client", "raw_post", "valid_bodies"]

ROUTE_OF = {route.command: route.path for route in ROUTES}
THERAPIST = bearer("therapist", "t-1")
"""The headers of the therapist whose caseload the tests' pathways are in (``t-1``)."""
AUDITOR = bearer("auditor", "a-1")
OPS = bearer("ops", "o-1")
PLATFORM = bearer("platform", "p-1")
ADMIN = bearer("admin", "admin-1")
OPEN = {
    "occurred_at": START.isoformat(), "client_ref": "client-001", "client_age": 34,
    "therapist_id": "t-1", "protocol": "ipt", "referral_date": "2026-01-02",
}


def at(moment: datetime) -> str:
    return moment.isoformat()


def make_client(data_dir: Path, *, raise_server_exceptions: bool = True,
                headers: dict[str, str] | None = None) -> TestClient:
    """A client of a fresh application, signed in as ``headers`` (by default therapist t-1,
    whose caseload the tests' pathways are in)."""
    container = bootstrap(load_settings(data_dir=data_dir), clock=lambda: NOW)
    return TestClient(create_app(container), raise_server_exceptions=raise_server_exceptions,
                      headers=THERAPIST if headers is None else headers)


class Api:
    """One pathway driven over HTTP, with a clinical clock that moves a week per session."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.at = START
        opened = client.post("/pathways", json=OPEN, headers=THERAPIST)
        assert opened.status_code == 201, opened.text
        self.id = opened.json()["pathway_id"]

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(f"/pathways/{self.id}/{path}", json=body,
                                headers={**THERAPIST, **(headers or {})})

    def command(self, path: str, headers: dict[str, str] | None = None, **fields: Any) -> Any:
        fields.setdefault("occurred_at", at(self.at))
        return self.post(path, fields, headers)

    def ok(self, path: str, **fields: Any) -> Any:
        response = self.command(path, **fields)
        assert response.status_code == 201, response.text
        return response.json()

    def session(self, **fields: Any) -> Any:
        self.at += timedelta(days=7)
        fields.setdefault("minutes", 50)
        return self.ok("sessions", **fields)

    def state(self, **params: Any) -> Any:
        response = self.client.get(f"/pathways/{self.id}", params=params, headers=THERAPIST)
        assert response.status_code == 200, response.text
        return response.json()

    def wrote(self, writer: CourseWriter) -> Api:
        """Send what ``writer`` wrote, each command to its route, and take its clock."""
        for command in writer.commands:
            self.ok(ROUTE_OF[type(command)], **body_of(command))
        self.at = writer.at
        return self

    def assessed_initial(self) -> Api:
        """Everything IPT-07 asks for except the contract, as in tests/journeys.py."""
        writer = course("ipt", self.at, sessions=12).consented().measure().later(7).intake()
        return self.wrote(writer.formulated("role_dispute"))

    def sign(self) -> Api:
        self.ok("contract", **contract_terms(self.at))
        return self


def body_of(command: c.Command) -> dict[str, Any]:
    """A command as the JSON body of its route (what its defaults say left out)."""
    return command.model_dump(mode="json", exclude_defaults=True)


def contract_terms(moment: datetime) -> dict[str, Any]:
    """The terms of a 12-session ipt contract on role dispute, signed at ``moment``."""
    writer = course("ipt", moment, sessions=12).signed(
        {"client": "client-001", "therapist": "t-1"}, window_weeks=20, foci=("role_dispute",))
    terms = body_of(writer.commands[-1])
    del terms["occurred_at"]
    return terms


def raw_post(client: TestClient, path: str, content: bytes | str,
             headers: dict[str, str] | None = None) -> Any:
    """Post bytes as they are, e.g. JSON with NaN that ``json=`` would refuse to encode."""
    data = content.encode() if isinstance(content, str) else content
    return client.post(path, content=data, headers={
        **THERAPIST, "Content-Type": "application/json", **(headers or {})})


def valid_bodies(moment: datetime = START) -> dict[str, dict[str, Any]]:
    """A well-formed body for every command route (the domain may still refuse it)."""
    bodies: dict[str, dict[str, Any]] = {
        "consents": {"kinds": ["treatment"]},
        "withdraw-consent": {"kinds": ["recording"]},
        "diagnoses": {"icd10": "F32.1", "severity": "moderate"},
        "measures": {"instrument": "phq9", "items": list(PHQ9_MODERATE)},
        "safety-flags": {"tier": "routine"},
        "safety-flags/acknowledge": {"flag_id": 1},
        "risk-assessments": {"flag_id": 1, "risk_level": "low", "safety_plan_ref": "plan/1"},
        "safety-flags/resolve": {"flag_id": 1},
        "sick-role": {},
        "medication-need": {"outcome": "not_indicated"},
        "inventory": {"relationships": [r.model_dump(mode="json") for r in INVENTORY]},
        "formulation": {"problem_area": "role_dispute", "formulation_ref": "doc/f-1"},
        "focus": {"primary": "role_dispute", "rationale_ref": "doc/r-1", "patient_agreed": True},
        "contract": contract_terms(moment),
        "contract/renegotiate": {"sessions": 14, "reason": "doc/why", "patient_agreed": True},
        "sessions": {"number": 1, "minutes": 50},
        "missed-sessions": {"kind": "no_show"},
        "termination-discussions": {"at_session": 10},
        "goodbye-letter": {"letter_ref": "doc/goodbye-1"},
        "completion": {"relapse_prevention_plan_ref": "doc/rp-1", "next_step": "discharge"},
        "maintenance": {"sessions": 12, "start_date": "2026-10-01"},
        "close": {"reason": "discharged"},
    }
    return {path: {"occurred_at": at(moment), **body} for path, body in bodies.items()}
