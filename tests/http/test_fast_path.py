"""The command routes' fast path answers exactly as the framework routes do.

Every request here goes to two applications on two stores: the service as built (the fast
path first in its router) and the same service without the fast path. Their answers must be
the same: status, every header, the body byte for byte. The fast path must also have served
what it should (happy paths, replays, refusals raised by the application) and handed on the
rest (invalid headers and bodies), and a command must be recorded once.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
from starlette.types import Message, Receive, Scope, Send

from domain.pathway import commands as c
from services.application import Pathways
from services.commands import ROUTES
from services.composition import bootstrap
from services.courses import PHQ9_PARTIAL, PHQ9_REMISSION, CourseWriter, course
from services.errors import StoreUnavailable
from services.http import create_app, fast_commands
from services.http.fast_commands import FastCommands
from services.settings import load_settings
from tests.http.support import OPEN, THERAPIST, TestClient, body_of
from tests.journeys import NOW, START
from tests.tokens import bearer, token

ROUTE_OF = {route.command: route.path for route in ROUTES}
SIGNERS = {"client": "client-001", "therapist": "t-1"}
GENERATED = "<generated>"
AUTHORIZATION = (b"authorization", f"Bearer {token('therapist', 't-1')}".encode())
BODY = {"occurred_at": START.isoformat(), "kinds": ["treatment"]}
RAW = json.dumps(BODY)


def _client(data_dir: Path, *, fast: bool) -> TestClient:
    app = create_app(bootstrap(load_settings(data_dir=data_dir), clock=lambda: NOW))
    if not fast:
        app.router.routes[:] = [r for r in app.router.routes if not isinstance(r, FastCommands)]
    return TestClient(app, raise_server_exceptions=False)


@dataclass
class Sent:
    """The fast application's answer, and whether the fast path handed the request on."""

    response: Any  # the test client's response
    handed_on: bool

    def __getattr__(self, name: str) -> Any:
        return getattr(self.response, name)


@dataclass
class Twins:
    """The service with and without its fast path, sent the same requests."""

    fast: TestClient
    slow: TestClient
    handed_on: list[str] = field(default_factory=list)
    served: dict[str, int] = field(default_factory=dict)
    """Path (after the pathway id) -> how many 2xx answers the fast path gave itself."""
    sent: int = 0

    def pathways(self, client: TestClient) -> Pathways:
        found: Pathways = client.app.state.container.pathways  # type: ignore[attr-defined]
        return found

    def post(self, path: str, body: Any = None, *, content: bytes | None = None,
             headers: Mapping[str, str | None] | None = None, key: bool = True,
             follow_redirects: bool = True) -> Sent:
        """POST to both; assert the answers are the same; the fast one's answer."""
        self.sent += 1
        given: dict[str, str | None] = {**THERAPIST, "X-Correlation-Id": f"twin-{self.sent}"}
        if content is not None:
            given["Content-Type"] = "application/json"
        if key:
            given["Idempotency-Key"] = f"twin-key-{self.sent}"
        given.update(headers or {})
        sent = {name: value for name, value in given.items() if value is not None}
        handed_before = len(self.handed_on)
        if content is None:
            fast, slow = (client.post(path, json=body, headers=sent,
                                      follow_redirects=follow_redirects)
                          for client in (self.fast, self.slow))
        else:
            fast, slow = (client.post(path, content=content, headers=sent)
                          for client in (self.fast, self.slow))
        assert fast.status_code == slow.status_code, (fast.text, slow.text)
        masked = {"x-correlation-id"} if given["X-Correlation-Id"] != fast.headers.get(
            "x-correlation-id") else set()  # the one sent was refused: a new one each
        assert _headers(fast, key, masked) == _headers(slow, key, masked)
        if key:
            assert _unpositioned(fast) == _unpositioned(slow)
        else:
            assert _masked(fast.json()) == _masked(slow.json())
        answer = Sent(fast, handed_on=len(self.handed_on) > handed_before)
        if fast.status_code < 300:
            assert not answer.handed_on, f"{path} {fast.status_code} went to the framework route"
            tail = path.split("/", 3)[3] if path.count("/") >= 3 else ""
            self.served[tail] = self.served.get(tail, 0) + 1
        return answer

    def open(self, body: dict[str, Any] | None = None) -> str:
        opened = self.post("/pathways", body or OPEN)
        assert opened.status_code == 201, opened.text
        pathway_id: str = opened.json()["pathway_id"]
        return pathway_id

    def send(self, pathway_id: str, writer: CourseWriter, start: int = 0) -> int:
        """Send ``writer``'s commands from ``start`` on, each expected to be recorded."""
        for command in writer.commands[start:]:
            answer = self.post(f"/pathways/{pathway_id}/{ROUTE_OF[type(command)]}",
                               body_of(command))
            assert answer.status_code == 201, (type(command).__name__, command, answer.json())
        return len(writer.commands)

    def history(self, pathway_id: str) -> list[dict[str, Any]]:
        answers = [client.get(f"/pathways/{pathway_id}/history", params={"limit": 500},
                              headers=THERAPIST)
                   for client in (self.fast, self.slow)]
        assert answers[0].status_code == 200, answers[0].text
        events: list[dict[str, Any]] = answers[0].json()["events"]
        assert [e["type"] for e in events] == [e["type"] for e in answers[1].json()["events"]]
        return events


def _headers(response: Any, key: bool, masked: set[str]) -> list[tuple[str, str]]:
    generated = masked if key else {*masked, "idempotency-key"}
    return [(name, GENERATED if name in generated else value)
            for name, value in response.headers.multi_items()
            if key or name not in ("location", "content-length")]


def _unpositioned(answer: Any) -> Any:
    """The answer's bytes, or its JSON without ``log_position``: each twin has its own log,
    so where a command landed in it may differ by the events only one of them stored."""
    if answer.headers.get("content-type") == "application/json":
        body = answer.json()
        if isinstance(body, dict):
            body.pop("log_position", None)
        return body
    return answer.content


def _masked(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: GENERATED if k == "pathway_id" else _masked(v) for k, v in body.items()}
    return body


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Twins]:
    with (_client(tmp_path_factory.mktemp("fast"), fast=True) as fast,
          _client(tmp_path_factory.mktemp("slow"), fast=False) as slow):
        yield Twins(fast, slow)


@pytest.fixture(autouse=True)
def _record_hand_ons(twins: Twins, monkeypatch: pytest.MonkeyPatch) -> None:
    hand_on = fast_commands._hand_on

    async def recorded(scope: Scope, receive: Receive, send: Send) -> None:
        twins.handed_on.append(scope["path"])
        await hand_on(scope, receive, send)

    monkeypatch.setattr(fast_commands, "_hand_on", recorded)
    twins.handed_on.clear()


def _initial(writer: CourseWriter, focus: str = "role_dispute") -> CourseWriter:
    writer.consented(("treatment", "telehealth", "recording")).measure().later(7).intake()
    pattern = "expects rejection, withdraws" if focus == "ipaf" else None
    writer.formulated(focus, pattern_summary=pattern)
    return writer.signed(SIGNERS, window_weeks=24).measure()


def _held_until(writer: CourseWriter, number: int) -> CourseWriter:
    """Weekly visits until session ``number``, a measure after every other one (IPT-15)."""
    while writer.held < number:
        writer.visit()
        if writer.held % 2 == 0:
            writer.measure(PHQ9_PARTIAL)
    return writer


# ----- happy paths -----------------------------------------------------------------------------

def test_every_command_route_is_served_by_the_fast_path_as_by_the_framework(
        twins: Twins) -> None:
    pathway = twins.open()
    writer = _initial(course("ipt", START, sessions=12))
    sent = twins.send(pathway, _held_until(writer, 4))
    writer.do(c.WithdrawConsent, kinds=("recording",))
    flag = writer.raise_flag("routine")
    writer.acknowledged(flag, risk="low").do(c.ResolveSafetyFlag, flag_id=flag)
    writer.do(c.RenegotiateContract, sessions=14, reason="doc/why", patient_agreed=True)
    writer.contract_sessions = 14
    _held_until(writer.missed(), 14).measure(PHQ9_REMISSION).completed("maintenance")
    writer.maintenance_scheduled(6).later(28).session().closed("maintenance_ended")
    twins.send(pathway, writer, sent)

    dit = twins.open({**OPEN, "protocol": "dit", "client_ref": "client-dit"})
    twins.send(dit, _held_until(_initial(course("dit", START, sessions=16), "ipaf"), 16))

    assert twins.served.keys() >= {"", *ROUTE_OF.values()}
    events = twins.history(pathway)  # the same in both stores
    assert [e["version"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["type"] == "PathwayClosed"


def test_without_a_key_the_answers_differ_only_in_the_generated_key(twins: Twins) -> None:
    opened = twins.post("/pathways", OPEN, key=False)
    consent = twins.post(f"/pathways/{twins.open()}/consents", BODY, key=False)

    assert (opened.status_code, consent.status_code) == (201, 201)
    assert len(opened.headers["idempotency-key"]) == 36
    assert opened.headers["location"] == f"/pathways/{opened.json()['pathway_id']}"
    assert not opened.handed_on
    assert not consent.handed_on


def test_if_match_naming_the_version_or_any_is_served(twins: Twins) -> None:
    pathway = twins.open()
    body = {"occurred_at": START.isoformat(), "kinds": ["treatment"]}
    for if_match in ('"1"', "2", "*"):
        answer = twins.post(f"/pathways/{pathway}/consents", body, headers={"If-Match": if_match})
        assert answer.status_code == 201, answer.text
        assert not answer.handed_on


def test_a_chunked_body_is_read_whole(twins: Twins) -> None:
    pathway = twins.open()
    body = json.dumps({"occurred_at": START.isoformat(), "kinds": ["treatment"]}).encode()
    headers = [(b"content-type", b"application/json"), AUTHORIZATION,
               (b"idempotency-key", b"chunked-1"),
               (b"x-correlation-id", b"chunked-1")]
    chunks = [body[:10], body[10:20], body[20:]]
    answers = [_call(client, f"/pathways/{pathway}/consents", headers, chunks)
               for client in (twins.fast, twins.slow)]
    status, answer_headers, answer = answers[0]

    assert answers[0] == answers[1]
    assert status == 201, answer
    assert (b"etag", b'"2"') in answer_headers
    assert json.loads(answer)["events"] == [{"version": 2, "type": "ConsentRecorded"}]
    assert twins.handed_on == []


# ----- replays and refusals the application decides --------------------------------------------

def test_a_replay_answers_200_with_the_first_answer_and_records_nothing(twins: Twins) -> None:
    pathway = twins.open()
    body = {"occurred_at": START.isoformat(), "kinds": ["treatment"]}
    key = {"Idempotency-Key": "replayed-1"}
    first = twins.post(f"/pathways/{pathway}/consents", body, headers=key)
    retry = twins.post(f"/pathways/{pathway}/consents", body, headers=key)
    other = twins.post(f"/pathways/{pathway}/consents", {**body, "kinds": ["telehealth"]},
                       headers=key)

    assert (first.status_code, retry.status_code, other.status_code) == (201, 200, 422)
    assert retry.json() == {**first.json(), "replayed": True}
    assert not other.handed_on
    assert len(twins.history(pathway)) == 2


def test_a_replayed_open_answers_200_with_its_location(twins: Twins) -> None:
    key = {"Idempotency-Key": "open-replayed"}
    first = twins.post("/pathways", OPEN, headers=key)
    retry = twins.post("/pathways", OPEN, headers=key)

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.headers["location"] == first.headers["location"]


def test_a_stale_if_match_answers_412_with_the_current_etag(twins: Twins) -> None:
    pathway = twins.open()
    body = {"occurred_at": START.isoformat(), "kinds": ["treatment"]}
    answer = twins.post(f"/pathways/{pathway}/consents", body, headers={"If-Match": '"7"'})

    assert answer.status_code == 412
    assert answer.headers["etag"] == '"1"'
    assert answer.headers["content-type"] == "application/problem+json"
    assert not answer.handed_on
    assert len(twins.history(pathway)) == 1


def test_a_broken_rule_answers_422_with_its_rule_id(twins: Twins) -> None:
    pathway = twins.open()
    answer = twins.post(f"/pathways/{pathway}/sessions",
                        {"occurred_at": START.isoformat(), "number": 1, "minutes": 50})

    assert answer.status_code == 422
    assert answer.json()["rule"] == "IPT-32"
    assert not answer.handed_on
    assert len(twins.history(pathway)) == 1


def test_a_soft_rule_without_a_reason_answers_reason_required(twins: Twins) -> None:
    pathway = twins.open()
    writer = course("ipt", START, sessions=12).consented().measure().later(7).intake()
    twins.send(pathway, writer.formulated("role_dispute"))  # a dispute and a death
    focus = {"occurred_at": writer.at.isoformat(), "primary": "interpersonal_deficits",
             "rationale_ref": "doc/rationale-2", "patient_agreed": True}
    refused = twins.post(f"/pathways/{pathway}/focus", focus)
    accepted = twins.post(f"/pathways/{pathway}/focus", {**focus, "reason": "doc/why"})

    assert refused.status_code == 422
    assert refused.json()["type"].endswith(":reason-required")
    assert refused.json()["rule"] == "IPT-11"
    assert not refused.handed_on
    assert accepted.json()["events"][0]["type"] == "DeviationRecorded"


def test_an_unknown_pathway_answers_404(twins: Twins) -> None:
    answer = twins.post("/pathways/00000000-0000-4000-8000-000000000000/consents",
                        {"occurred_at": START.isoformat(), "kinds": ["treatment"]})

    assert answer.status_code == 404
    assert not answer.handed_on


@pytest.mark.parametrize("fault", [RuntimeError("boom"), StoreUnavailable("down", retry_after=2)])
def test_a_fault_in_the_application_is_answered_once(
        twins: Twins, monkeypatch: pytest.MonkeyPatch, fault: Exception) -> None:
    pathway = twins.open()
    calls: list[str] = []

    def failing(*_: Any, **__: Any) -> Any:
        calls.append("execute")
        raise fault

    for client in (twins.fast, twins.slow):
        monkeypatch.setattr(twins.pathways(client), "execute", failing)
    answer = twins.post(f"/pathways/{pathway}/consents",
                        {"occurred_at": START.isoformat(), "kinds": ["treatment"]})

    assert answer.status_code == (503 if isinstance(fault, StoreUnavailable) else 500)
    assert answer.headers["content-type"] == "application/problem+json"
    assert calls == ["execute", "execute"]  # once in each application
    assert not answer.handed_on


# ----- what the fast path hands on -------------------------------------------------------------

INVALID_BODIES: dict[str, tuple[bytes, dict[str, str | None]]] = {
    "duplicate key": (b'{"occurred_at": "2026-01-05T09:00:00Z", "kinds": [], "kinds": []}', {}),
    "duplicate nested key": (b'{"occurred_at": "2026-01-05T09:00:00Z", "kinds": ["treatment"],'
                             b' "x": {"a": 1, "a": 2}}', {}),
    "not utf-8": (RAW.replace("treatment", "tr\xe9atment").encode("latin-1"), {}),
    "utf-16": (RAW.encode("utf-16"), {}),
    "malformed": (b'{"occurred_at": ', {}),
    "nan": (b'{"occurred_at": "2026-01-05T09:00:00Z", "kinds": ["treatment"], "x": NaN}', {}),
    "empty": (b"", {}),
    "null": (b"null", {}),
    "an array": (b"[]", {}),
    "a missing field": (b'{"kinds": ["treatment"]}', {}),
    "an unknown value": (RAW.replace("treatment", "gardening").encode(), {}),
    "digits for a time": (b'{"occurred_at": "1767603600", "kinds": ["treatment"]}', {}),
    "a number for a time": (b'{"occurred_at": 1767603600, "kinds": ["treatment"]}', {}),
    "a NUL": (RAW.replace("treatment", "treat\\u0000ment").encode(), {}),
    "text/plain": (RAW.encode(), {"Content-Type": "text/plain"}),
    "no content type": (RAW.encode(), {"Content-Type": None}),
    "a vendor json type": (RAW.encode(), {"Content-Type": "application/vnd.x+json"}),
}


@pytest.mark.parametrize("case", INVALID_BODIES)
def test_an_invalid_body_is_answered_by_the_framework_route(twins: Twins, case: str) -> None:
    pathway = twins.open()
    content, headers = INVALID_BODIES[case]
    answer = twins.post(f"/pathways/{pathway}/consents", content=content, headers=headers)

    if case == "a vendor json type":  # a JSON media type: accepted, served
        assert answer.status_code == 201
        return
    assert answer.status_code in (400, 415, 422), answer.text
    assert answer.handed_on
    assert len(twins.history(pathway)) == 1


def test_a_coercion_in_an_opening_is_answered_by_the_framework_route(twins: Twins) -> None:
    answer = twins.post("/pathways", {**OPEN, "client_age": "34"})

    assert answer.status_code == 422
    assert answer.handed_on


UNUSABLE_TOKENS: dict[str, tuple[dict[str, Any], int, str]] = {
    "no token": ({"Authorization": None}, 401, "token-missing"),
    "another scheme": ({"Authorization": "Basic dDE6cHc="}, 401, "token-missing"),
    "not a JWT": ({"Authorization": "Bearer not-a-jwt"}, 401, "token-malformed"),
    "an expired token": (bearer(lifetime=60, now=1_700_000_000), 401, "token-expired"),
    "another key": (bearer(key=b"k" * 32), 401, "token-bad-signature"),
    "an auditor": (bearer("auditor", "a-1"), 403, "forbidden"),
    "another therapist": (bearer("therapist", "t-2"), 403, "outside-caseload"),
}


@pytest.mark.parametrize("case", UNUSABLE_TOKENS)
def test_an_unusable_token_or_role_is_refused_alike_and_records_nothing(
        twins: Twins, case: str) -> None:
    pathway = twins.open()
    headers, status, slug = UNUSABLE_TOKENS[case]
    answer = twins.post(f"/pathways/{pathway}/consents", BODY, headers=headers)

    assert answer.status_code == status, answer.text
    assert answer.json()["type"] == f"urn:carepath:problem:{slug}"
    assert not answer.handed_on
    assert len(twins.history(pathway)) == 1


INVALID_HEADERS: dict[str, dict[str, str | None]] = {
    "an empty key": {"Idempotency-Key": ""},
    "a long key": {"Idempotency-Key": "k" * 201},
    "a key with a tab": {"Idempotency-Key": "a\tb"},
    "a bad correlation id": {"X-Correlation-Id": "visit 42 "},
    "an If-Match list": {"If-Match": '"1", "2"'},
    "an empty If-Match": {"If-Match": ""},
    "a long If-Match": {"If-Match": "1" * 41},
    "a weak If-Match": {"If-Match": 'W/"1"'},
}


@pytest.mark.parametrize("case", INVALID_HEADERS)
def test_an_invalid_header_is_answered_by_the_framework_route(twins: Twins, case: str) -> None:
    pathway = twins.open()
    answer = twins.post(f"/pathways/{pathway}/consents", BODY, headers=INVALID_HEADERS[case])

    assert answer.status_code in (400, 422), answer.text
    assert answer.handed_on
    assert len(twins.history(pathway)) == 1


def test_a_repeated_header_is_answered_by_the_framework_route(twins: Twins) -> None:
    pathway = twins.open()
    headers = [(b"content-type", b"application/json"), AUTHORIZATION,
               (b"idempotency-key", b"repeated-1"), (b"idempotency-key", b"repeated-2"),
               (b"x-correlation-id", b"repeated")]
    path = f"/pathways/{pathway}/consents"
    answers = [_call(client, path, headers, [RAW.encode()]) for client in (twins.fast, twins.slow)]

    assert answers[0] == answers[1]
    assert twins.handed_on == [path]


@pytest.mark.parametrize("pathway", ["not-a-uuid", "00000000000040008000000000000000",
                                     "{00000000-0000-4000-8000-000000000000}"])
def test_an_id_in_another_spelling_is_answered_by_the_framework_route(
        twins: Twins, pathway: str) -> None:
    answer = twins.post(f"/pathways/{pathway}/consents", BODY)

    assert answer.status_code == 404
    assert answer.handed_on


def test_a_body_over_the_limit_is_refused_alike(twins: Twins) -> None:
    pathway = twins.open()
    big = {**BODY, "padding": "x" * (65 * 1024)}
    declared = twins.post(f"/pathways/{pathway}/consents", big)
    headers = [(b"content-type", b"application/json"), AUTHORIZATION,
               (b"idempotency-key", b"big-1"),
               (b"x-correlation-id", b"big-1")]
    chunks = [json.dumps(big).encode()[i:i + 16384] for i in range(0, 70 * 1024, 16384)]
    streamed = [_call(client, f"/pathways/{pathway}/consents", headers, chunks)
                for client in (twins.fast, twins.slow)]

    assert declared.status_code == 413
    assert streamed[0] == streamed[1]
    assert streamed[0][0] == 413
    assert len(twins.history(pathway)) == 1


def test_other_methods_and_paths_are_left_to_the_router(twins: Twins) -> None:
    pathway = twins.open()
    for path in (f"/pathways/{pathway}/consents/", f"/pathways/{pathway}/nothing",
                 f"/pathways/{pathway}", "/pathways/", "/pathways//consents"):
        twins.post(path, BODY, follow_redirects=False)
    for client in (twins.fast, twins.slow):
        assert client.get(f"/pathways/{pathway}/consents",
                          headers=THERAPIST).status_code == 405
    assert twins.handed_on == []


def test_a_client_gone_mid_body_is_handed_on_with_what_was_read(twins: Twins) -> None:
    pathway = twins.open()
    headers = [(b"content-type", b"application/json"), AUTHORIZATION,
               (b"idempotency-key", b"gone-1"),
               (b"x-correlation-id", b"gone-1")]
    path = f"/pathways/{pathway}/consents"
    answers = [_call(client, path, headers, [RAW.encode()[:10]], disconnect=True)
               for client in (twins.fast, twins.slow)]

    assert answers[0] == answers[1]
    assert twins.handed_on == [path]
    assert len(twins.history(pathway)) == 1


def test_the_published_document_is_the_framework_routes(twins: Twins) -> None:
    assert twins.fast.get("/openapi.json").json() == twins.slow.get("/openapi.json").json()


# ----- a raw ASGI call -------------------------------------------------------------------------

def _call(client: TestClient, path: str, headers: list[tuple[bytes, bytes]],
          chunks: list[bytes], *, disconnect: bool = False
          ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One POST straight into the application, the body in ``chunks``."""
    scope: Scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                    "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
                    "root_path": "", "query_string": b"", "headers": headers,
                    "client": ("127.0.0.1", 1), "server": ("testserver", 80)}
    messages: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": disconnect or i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)]
    if disconnect:
        messages.append({"type": "http.disconnect"})
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    async def call() -> None:
        with contextlib.suppress(Exception):  # the server would log it; the answer is sent
            await client.app(scope, receive, send)

    anyio.run(call)
    start: Message = next((m for m in sent if m["type"] == "http.response.start"),
                          {"status": 0, "headers": []})
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    status: int = start["status"]
    headers_sent: list[tuple[bytes, bytes]] = list(start["headers"])
    return status, headers_sent, body
