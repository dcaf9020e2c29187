"""Every stored event reaches the broker once, in log order, as a valid CloudEvent whose data
matches its published schema: on NATS JetStream, RabbitMQ and Redis Streams alike."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import jsonschema
import orjson
import pytest

from services.broker.names import Names
from services.broker.outlets import CORRELATION_ID, EVENT_TYPE, LOG_POSITION, SCHEMA_VERSION
from services.composition import Container, bootstrap
from services.integration import check_envelope, event_types
from services.integration.schemas import published
from services.settings import load_settings
from tests.broker.consumers import (
    RabbitTap,
    Received,
    nats_all,
    nats_forget,
    redis_all,
    redis_forget,
)
from tests.broker.support import URLS, expected_ids, new_names, reachable, relay_to_head, run


async def relay_everything(container: Container, family: str, names: Names) -> list[Received]:
    """Run the relay until the log's head is acknowledged; what the broker then holds."""
    url = URLS[family]
    tap = RabbitTap(url, names) if family == "rabbit" else None
    if tap is not None:
        await tap.open()
    await relay_to_head(container)
    try:
        if family == "nats":
            return await nats_all(url, names)
        if tap is not None:
            return await tap.drain()
        return await redis_all(url, names)
    finally:
        if family == "nats":
            await nats_forget(url, names)
        elif tap is not None:
            await tap.close()
        else:
            await redis_forget(url, names)


@pytest.mark.parametrize("family", ["nats", "rabbit", "redis"])
def test_every_stored_event_arrives_once_in_log_order_as_a_valid_cloudevent(
        family: str, seeded: Path) -> None:
    reachable(URLS[family])
    names = new_names()
    container = bootstrap(load_settings(data_dir=seeded, broker_url=URLS[family],
                                        broker_prefix=names.prefix))
    try:
        received = run(relay_everything(container, family, names))
        expected = expected_ids(container)
    finally:
        container.close()
    envelopes = [orjson.loads(message.body) for message in received]
    assert [envelope["id"] for envelope in envelopes] == expected  # once each, log order
    assert {envelope["type"] for envelope in envelopes} == set(event_types())
    versions: dict[str, list[int]] = defaultdict(list)
    for message, envelope in zip(received, envelopes, strict=True):
        check_envelope(envelope)
        name = envelope["type"].split(".")[3]
        schema = published(name)[envelope["schemaversion"]]  # the file platform teams read
        jsonschema.validate(envelope["data"], schema, cls=jsonschema.Draft202012Validator)
        assert message.subject == names.event_subject(envelope["type"], envelope["subject"])
        assert message.headers[CORRELATION_ID] == envelope["correlationid"]
        assert message.headers[SCHEMA_VERSION] == str(envelope["schemaversion"])
        assert message.headers[LOG_POSITION] == str(envelope["position"])
        if family != "nats":  # on NATS the subject says it
            assert message.headers[EVENT_TYPE] == envelope["type"]
        if family == "nats":
            assert message.headers["Nats-Msg-Id"] == envelope["id"]
        if family == "rabbit":
            assert message.headers["message_id"] == envelope["id"]
        versions[envelope["subject"]].append(envelope["aggregateversion"])
    for each in versions.values():  # per pathway: 1, 2, 3, ... with no gap
        assert each == list(range(1, len(each) + 1))
