"""A group's events reach the broker like a pathway's: on their own subjects
(``<prefix>.events.group.<group id>.<Name>.v1``), once, in log order, a group session right
after its members' parts of the same transaction; a consumer filters them by subject."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import jsonschema
import nats
import orjson
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig

from services.broker.names import Names
from services.composition import bootstrap
from services.integration import check_envelope
from services.integration.schemas import published
from services.settings import load_settings
from tests.broker.consumers import Received, nats_all, nats_forget
from tests.broker.support import NATS_URL, expected_ids, new_names, reachable, relay_to_head, run
from tests.group_events import CLOSING_REASON, every_group_event

GROUP_NAMES = ["GroupFormed", *["MemberEnrolled"] * 7, "GroupSessionHeld", "MemberLeft",
               "GroupClosed"]


async def _filtered(names: Names, subject: str) -> list[Received]:
    """What a consumer of ``subject`` (a filter of the events' subjects) reads from the start."""
    connection = await nats.connect(NATS_URL)
    try:
        subscription = await connection.jetstream().pull_subscribe(
            subject, stream=names.stream, config=ConsumerConfig(ack_policy=AckPolicy.NONE))
        found: list[Received] = []
        with contextlib.suppress(NatsTimeout, asyncio.TimeoutError):
            while True:
                batch = await subscription.fetch(100, timeout=1)
                found += [Received(m.subject, dict(m.headers or {}), m.data) for m in batch]
        return found
    finally:
        await connection.close()


def test_group_events_are_relayed_on_their_subjects_in_order_with_their_members_parts(
        tmp_path: Path) -> None:
    reachable(NATS_URL)
    names = new_names()
    container = bootstrap(load_settings(data_dir=tmp_path / "data", broker_url=NATS_URL,
                                        broker_prefix=names.prefix))

    async def scenario() -> tuple[list[Received], list[Received], list[Received]]:
        await relay_to_head(container)
        try:
            return (await nats_all(NATS_URL, names),
                    await _filtered(names, f"{names.events}.group.>"),
                    await _filtered(names, f"{names.events}.group.*.GroupSessionHeld.*"))
        finally:
            await nats_forget(NATS_URL, names)

    try:
        group = every_group_event(container)
        everything, groups, sessions = run(scenario())
        expected = expected_ids(container)
    finally:
        container.close()

    envelopes = [orjson.loads(message.body) for message in everything]
    assert [envelope["id"] for envelope in envelopes] == expected  # once each, log order
    group_envelopes = [orjson.loads(message.body) for message in groups]
    assert [e["type"].split(".")[3] for e in group_envelopes] == GROUP_NAMES
    for message, envelope in zip(groups, group_envelopes, strict=True):
        check_envelope(envelope)
        assert message.subject == (f"{names.events}.group.{group.group_id}."
                                   f"{envelope['type'].split('.')[3]}.v1")
        assert message.headers["Nats-Msg-Id"] == f"{group.group_id}:{envelope['aggregateversion']}"
        jsonschema.validate(envelope["data"], published(envelope["type"].split(".")[3])[1],
                            cls=jsonschema.Draft202012Validator)
    assert CLOSING_REASON.encode() not in b"".join(m.body for m in everything)
    assert [m.subject for m in sessions] == [
        f"{names.events}.group.{group.group_id}.GroupSessionHeld.v1"]

    session = orjson.loads(sessions[0].body)
    at = next(i for i, e in enumerate(envelopes) if e["id"] == session["id"])
    parts = envelopes[at - len(group.members):at]
    assert {e["subject"] for e in parts} == {str(member) for member in group.members}
    assert {e["correlationid"] for e in parts} == {session["correlationid"]}
    assert [e["position"] for e in [*parts, session]] == list(
        range(session["position"] - len(parts), session["position"] + 1))
