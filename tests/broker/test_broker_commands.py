"""Commands by request/reply on the broker: the same checks, refusals, idempotency and actor
as over HTTP, through the same application layer; on NATS, RabbitMQ and Redis."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from projections.log import OrderedLog
from services.composition import Container
from tests.broker.support import answering, run
from tests.http.support import OPEN
from tests.tokens import token

THERAPIST = token("therapist", "t-1")
MEASURE = {"occurred_at": "2026-01-06T09:00:00Z", "instrument": "phq9",
           "items": [1, 1, 1, 1, 1, 1, 1, 1, 0]}
EARLY_SESSION = {"occurred_at": "2026-01-12T09:00:00Z", "number": 1, "minutes": 50,
                 "focus_addressed": "role_dispute"}


def test_a_command_is_accepted_and_a_retry_with_its_key_answers_the_first_result(
        family: str, container: Container) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with answering(family, container) as ask:
            request = {"token": THERAPIST, "idempotency_key": "open-1", "command": OPEN}
            first = await ask("open_pathway", request)
            again = await ask("open_pathway", request)
            other = await ask("open_pathway", {**request, "command": {**OPEN, "client_age": 35}})
            measured = await ask("record_measure", {
                "token": THERAPIST, "pathway_id": first["pathway_id"], "command": MEASURE})
            return [first, again, other, measured]

    first, again, other, measured = run(scenario())
    assert first["status"] == 201
    assert first["events"] == [{"version": 1, "type": "PathwayOpened"}]
    assert first["idempotency_key"] == "open-1"
    assert again == {**first, "status": 200, "replayed": True}
    assert other["status"] == 422
    assert other["type"] == "urn:carepath:problem:idempotency-key-reused"
    assert measured["status"] == 201
    assert measured["version"] == 2
    assert measured["idempotency_key"]  # generated when absent, and returned
    assert OrderedLog(container.pathways).head() == 2  # the retry recorded nothing


def test_a_broken_rule_is_refused_with_its_rule_id_and_records_nothing(
        family: str, container: Container) -> None:
    async def scenario() -> dict[str, Any]:
        async with answering(family, container) as ask:
            opened = await ask("open_pathway", {"token": THERAPIST, "command": OPEN})
            pathway = opened["pathway_id"]
            await ask("record_measure", {"token": THERAPIST, "pathway_id": pathway,
                                         "command": MEASURE})
            return await ask("hold_session", {"token": THERAPIST, "pathway_id": pathway,
                                              "command": EARLY_SESSION})

    refused = run(scenario())
    assert refused["status"] == 422
    assert refused["rule"] == "IPT-01"
    assert refused["type"] == "urn:carepath:problem:rule-violation"
    assert "contract" in refused["detail"]
    assert OrderedLog(container.pathways).head() == 2


def test_requests_are_checked_as_http_checks_them(family: str, container: Container) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with answering(family, container) as ask:
            return [
                await ask("open_pathway", {"token": THERAPIST,
                                           "command": {**OPEN, "client_age": "34"}}),
                await ask("open_pathway", {"token": token("auditor", "a-1"), "command": OPEN}),
                await ask("open_pathway", {"command": OPEN}),
                await ask("open_pathway", b'{"token": "a", "token": "b"}'),
                await ask("open_pathway", b"not json"),
                await ask("record_measure", {"token": THERAPIST, "pathway_id": str(uuid4()),
                                             "command": MEASURE}),
            ]

    lax, role, anonymous, repeated, garbage, unknown = run(scenario())
    assert (lax["status"], lax["errors"][0]["field"]) == (422, "body.command.client_age")
    assert (role["status"], role["type"]) == (403, "urn:carepath:problem:forbidden")
    assert anonymous["status"] == 422
    assert anonymous["errors"][0]["field"] == "body.token"
    assert (repeated["status"], repeated["type"]) == (
        400, "urn:carepath:problem:duplicate-key")
    assert (garbage["status"], garbage["type"]) == (400, "urn:carepath:problem:malformed-json")
    assert unknown["status"] == 404
    assert OrderedLog(container.pathways).head() == 0


def test_the_token_says_who_acts_and_the_policy_table_decides_as_over_http(
        family: str, container: Container) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with answering(family, container) as ask:
            opened = await ask("open_pathway", {"token": THERAPIST, "command": OPEN})
            pathway = opened["pathway_id"]
            return [
                opened,
                await ask("record_measure", {"token": token("therapist", "t-2"),
                                             "pathway_id": pathway, "command": MEASURE}),
                await ask("record_measure", {"token": token(lifetime=60, now=1_700_000_000),
                                             "pathway_id": pathway, "command": MEASURE}),
                await ask("record_measure", {"token": token(key=b"not the secret" * 3),
                                             "pathway_id": pathway, "command": MEASURE}),
                await ask("record_measure", {"token": token("supervisor", "s-1",
                                                            therapists=["t-1"]),
                                             "pathway_id": pathway, "command": MEASURE}),
            ]

    opened, other, expired, forged, supervised = run(scenario())
    assert opened["status"] == 201
    assert (other["status"], other["type"]) == (403, "urn:carepath:problem:outside-caseload")
    assert (expired["status"], expired["type"]) == (401, "urn:carepath:problem:token-expired")
    assert (forged["status"], forged["type"]) == (
        401, "urn:carepath:problem:token-bad-signature")
    assert supervised["status"] == 201
    events = list(container.pathways.repository.event_store.get(UUID(opened["pathway_id"])))
    assert [(e.meta.actor_id, e.meta.actor_role) for e in events] == [  # type: ignore[attr-defined]
        ("t-1", "therapist"), ("s-1", "supervisor")]
