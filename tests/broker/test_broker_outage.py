"""The broker stopped for 10 s while commands keep arriving: every command is still recorded,
and once the broker is back every event is published, in log order, with no gap. The broker
is a private nats-server of this test's own; the machine's NATS is never stopped."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
from fastapi.testclient import TestClient

from services.composition import bootstrap
from services.http import create_app
from services.settings import load_settings
from tests.broker.consumers import nats_all
from tests.broker.support import expected_ids, new_names, private_nats, run
from tests.http.support import OPEN, OPS, THERAPIST

OUTAGE_SECONDS = 10.0
MEASURE = {"instrument": "phq9", "items": [1, 1, 1, 1, 1, 1, 1, 1, 0]}


def test_commands_succeed_while_the_broker_is_down_and_every_event_follows_in_order(
        tmp_path: Path) -> None:
    names = new_names()
    with private_nats(tmp_path) as server:
        settings = load_settings(data_dir=tmp_path / "data", broker_url=server.url,
                                 broker_prefix=names.prefix)
        container = bootstrap(settings)
        answers: list[int] = []
        with TestClient(create_app(container)) as client:
            started, stopped_at, restarted = time.monotonic(), None, False
            round_, slowest = 0, 0.0
            while not restarted or time.monotonic() - started < OUTAGE_SECONDS + 6:
                round_ += 1
                key = {**THERAPIST, "Idempotency-Key": f"outage-{round_}"}
                asked = time.monotonic()
                opened = client.post("/pathways", json=OPEN, headers=key)
                answers.append(opened.status_code)
                pathway = opened.json()["pathway_id"]
                now = datetime.now(UTC).isoformat()
                measured = client.post(f"/pathways/{pathway}/measures", headers=THERAPIST,
                                       json={**MEASURE, "occurred_at": now})
                answers.append(measured.status_code)
                slowest = max(slowest, time.monotonic() - asked)
                elapsed = time.monotonic() - started
                if stopped_at is None and elapsed > 2:
                    server.stop()
                    stopped_at = time.monotonic()
                elif (stopped_at and not restarted
                      and time.monotonic() - stopped_at > OUTAGE_SECONDS):
                    server.start()
                    restarted = True
                time.sleep(0.05)
            deadline = time.monotonic() + 60
            while client.get("/ops/relay", headers=OPS).json()["relay"]["lag_events"] != 0:
                assert time.monotonic() < deadline, client.get("/ops/relay", headers=OPS).json()
                time.sleep(0.1)
            expected = expected_ids(container)  # the app closes the container on its way out
        received = run(nats_all(server.url, names))
    assert set(answers) == {201}
    assert slowest < 2.0  # the broker's absence never holds a command up
    assert len(expected) == len(answers) > 40
    assert [orjson.loads(message.body)["id"] for message in received] == expected
