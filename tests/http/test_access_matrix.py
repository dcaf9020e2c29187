"""Every endpoint x every identity: the policy table, as the application serves it.

The endpoints come from the application's own route table (``iter_route_contexts``), so a
route added later is walked too, and one without an entry in the access route table fails
here. Each is called by each role (a therapist whose caseload holds the pathway, and one whose
caseload does not; a supervisor of the first; ops, auditor, platform, admin), without a
token, and with an expired token, a bad signature, another issuer and another audience. The
answer must be what ``services.access.policy.POLICY`` says: 401 (or the login page, for a
page) without a usable token, 403 for a role or caseload the table refuses, and anything but
401/403 where it allows (a 404 or 422 then comes from the route itself). The whole matrix runs
on each store: the embedded SQLite files, and a PostgreSQL database of its own (where the
access log and the read models share the service's database).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts

from services.access.policy import ANONYMOUS, CASELOAD, POLICY, Action
from services.access.principal import ROLES, Role
from services.access.tokens import TokenRules
from services.composition import bootstrap
from services.group_course import GroupCourse
from services.http import create_app
from services.http.auth.table import PAGES, action_for
from services.settings import load_settings
from tests.http.first_answer import FirstAnswer, first_answer
from tests.http.support import OPEN, TestClient, valid_bodies
from tests.journeys import NOW, START
from tests.postgres import throwaway_database
from tests.tokens import RULES, bearer

OWN, OTHER = "t-1", "t-2"
SAMPLES = {"name": "dashboard.css", "version": "1"}
"""A value for each path parameter other than the pathway's id (add one with a new route)."""


@dataclass(frozen=True)
class Identity:
    name: str
    headers: dict[str, str]
    role: Role | None = None
    subject: str = ""
    refused: str = ""
    """The 401's problem type when the token authenticates no one."""


IDENTITIES = (
    Identity("therapist", bearer("therapist", OWN), "therapist", OWN),
    Identity("other therapist", bearer("therapist", OTHER), "therapist", OTHER),
    Identity("supervisor", bearer("supervisor", "s-1", therapists=[OWN]), "supervisor", "s-1"),
    Identity("ops", bearer("ops", "o-1"), "ops", "o-1"),
    Identity("auditor", bearer("auditor", "a-1"), "auditor", "a-1"),
    Identity("platform", bearer("platform", "p-1"), "platform", "p-1"),
    Identity("admin", bearer("admin", "admin-1"), "admin", "admin-1"),
    Identity("no token", {}, refused="token-missing"),
    Identity("expired", bearer("admin", "admin-1", lifetime=60, now=time.time() - 3600),
             refused="token-expired"),
    Identity("bad signature", bearer("admin", "admin-1", key=b"another secret" * 3),
             refused="token-bad-signature"),
    Identity("other issuer", bearer("admin", "admin-1", rules=TokenRules(
        "elsewhere", RULES.audience, RULES.algorithm, RULES.key)), refused="token-wrong-issuer"),
    Identity("other audience", bearer("admin", "admin-1", rules=TokenRules(
        RULES.issuer, "another-service", RULES.algorithm, RULES.key)),
        refused="token-wrong-audience"),
)
assert {identity.role for identity in IDENTITIES} >= set(ROLES)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    action: Action | None

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def endpoints(app: Any) -> list[Endpoint]:
    """Every (method, path) the application routes, HEAD aside (it is GET's)."""
    found = {(method, context.path_format)
             for context in iter_route_contexts(app.routes) if context.path_format
             for method in (context.methods or {"GET"}) if method != "HEAD"}
    return [Endpoint(method, path, action_for(method, path)) for method, path in sorted(found)]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                                 marks=pytest.mark.postgres)])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[TestClient]:
    """The application on one store, signed in as no one (each call brings its token)."""
    overrides: dict[str, object] = {"data_dir": tmp_path_factory.mktemp("matrix")}
    with ExitStack() as stack:
        if request.param == "postgres":
            overrides["database_url"] = stack.enter_context(throwaway_database(
                request.getfixturevalue("postgres_dsn"), "carepath_matrix_"))
        container = bootstrap(load_settings(**overrides), clock=lambda: NOW)
        yield stack.enter_context(TestClient(create_app(container), headers={}))


@pytest.fixture(scope="module")
def pathway(client: TestClient) -> str:
    """A pathway in the caseload of therapist ``t-1``."""
    opened = client.post("/pathways", json=OPEN, headers=bearer("therapist", OWN))
    assert opened.status_code == 201, opened.text
    return str(opened.json()["pathway_id"])


@pytest.fixture(scope="module")
def group(client: TestClient) -> str:
    """A group led by therapist ``t-1`` (its reads are in t-1's caseload)."""
    formed = client.post("/groups", json=GroupCourse(at=START, leaders=(OWN,)).formed(
        ).model_dump(mode="json"), headers=bearer("therapist", OWN))
    assert formed.status_code == 201, formed.text
    return str(formed.json()["group_id"])


def expected(endpoint: Endpoint, identity: Identity) -> str:
    """``allowed``, ``401:<type>``, ``login``, ``403:forbidden`` or ``403:outside-caseload``."""
    assert endpoint.action is not None
    if endpoint.action in ANONYMOUS:
        return "allowed"
    if identity.role is None:
        return "login" if endpoint.path in PAGES else f"401:{identity.refused}"
    scope = POLICY[endpoint.action].get(identity.role)
    if scope is None:
        return "403:forbidden"
    concerns_own_pathway = "{pathway_id}" in endpoint.path or endpoint.label == "POST /pathways"
    reads_own_group = "{group_id}" in endpoint.path and endpoint.method == "GET"
    if scope is CASELOAD and (concerns_own_pathway or reads_own_group) and (
            identity.subject == OTHER):
        return "403:outside-caseload"
    return "allowed"


def outcome(answer: Any) -> str:
    if answer.status_code == 303 and answer.headers["location"].startswith("/login?"):
        return "login"
    if answer.status_code in (401, 403) and answer.headers["content-type"].startswith(
            "application/problem+json"):  # the login page's own 401 is its form again
        kind = json.loads(answer.first_chunk)["type"].removeprefix("urn:carepath:problem:")
        return f"{answer.status_code}:{kind}"
    return "allowed"


def call(client: TestClient, endpoint: Endpoint, identity: Identity, pathway: str,
         group: str) -> Any:
    path = endpoint.path.replace("{pathway_id}", pathway).replace("{group_id}", group)
    for name, value in SAMPLES.items():
        path = path.replace(f"{{{name}}}", value)
    assert "{" not in path, f"{endpoint.label}: add a sample value for its path parameter"
    if endpoint.method == "GET":  # the status and the first piece: streams never end
        return first_answer(client, path, identity.headers)
    body = valid_bodies().get(endpoint.path.removeprefix("/pathways/{pathway_id}/"), OPEN)
    if endpoint.path in ("/login", "/logout"):
        answer = client.post(path, headers=identity.headers, follow_redirects=False)
    else:
        answer = client.post(path, json=body, headers=identity.headers, follow_redirects=False)
    return FirstAnswer(answer.status_code, dict(answer.headers), answer.content)


def test_every_route_has_a_policy_entry(client: TestClient) -> None:
    missing = [e.label for e in endpoints(client.app) if e.action is None]
    assert not missing, ("routes without an entry in services/http/auth/table.py (they are"
                         f" refused to everyone): {missing}")


def test_every_endpoint_answers_every_identity_as_the_policy_table_says(
        client: TestClient, pathway: str, group: str) -> None:
    walked = [e for e in endpoints(client.app) if e.action is not None]
    wrong = []
    for endpoint in walked:
        for identity in IDENTITIES:
            answer = call(client, endpoint, identity, pathway, group)
            want, got = expected(endpoint, identity), outcome(answer)
            if want != got:
                wrong.append(f"{endpoint.label} as {identity.name}: expected {want}, got"
                             f" {got} ({answer.status_code})")
            if got.startswith("401"):
                assert answer.headers["www-authenticate"].startswith('Bearer realm="carepath"')
    print(f"access matrix: {len(walked)} endpoints x {len(IDENTITIES)} identities ="
          f" {len(walked) * len(IDENTITIES)} requests")
    assert len(walked) >= 60
    assert not wrong, "\n".join(wrong)
