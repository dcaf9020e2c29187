"""The broker URL is checked at start-up; the service documents its broker edge (AsyncAPI 3,
"try it out" off) and reports the relay; ``serve`` with a broker URL relays in-process."""

from __future__ import annotations

import json
import time
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from services.cli import main
from services.commands import BY_NAME
from services.composition import bootstrap
from services.http import create_app
from services.integration import INTEGRATION_EVENTS
from services.settings import ConfigurationError, load_settings
from tests.broker.consumers import nats_all, nats_forget
from tests.broker.support import NATS_URL, new_names, reachable, run
from tests.http.support import OPEN, OPS, THERAPIST


@pytest.mark.parametrize("url", [
    "nats://127.0.0.1:4222", "tls://nats.example:4222", "nats://a:4222,nats://b:4222",
    "amqp://guest:guest@127.0.0.1:5672/", "amqps://rabbit.example/vhost",
    "redis://127.0.0.1:6379", "rediss://user:secret@redis.example:6380/0"])
def test_broker_urls_of_the_three_families_are_accepted(url: str) -> None:
    assert load_settings(broker_url=url).broker_url is not None


@pytest.mark.parametrize(("url", "reason"), [
    ("kafka://127.0.0.1:9092", "must start with one of"),
    ("nats://", "must name a host"),
    ("nats://127.0.0.1:99999", "port"),
    ("nats://a:4222,redis://b:6379", "different brokers"),
    ("redis://a:6379,redis://b:6379", "only NATS"),
])
def test_a_broker_url_the_relay_cannot_use_stops_the_start_naming_the_variable(
        url: str, reason: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(broker_url=url)
    assert "CAREPATH_BROKER_URL" in str(refused.value)
    assert reason in str(refused.value)
    assert "secret" not in str(refused.value)


def test_a_broker_prefix_must_be_a_plain_name() -> None:
    with pytest.raises(ConfigurationError, match="CAREPATH_BROKER_PREFIX"):
        load_settings(broker_prefix="car.path")


def test_the_asyncapi_document_lists_every_event_and_command_without_try_it_out(
        tmp_path: Path) -> None:
    client = TestClient(create_app(bootstrap(load_settings(data_dir=tmp_path / "data"))))
    with client:
        document = client.get("/asyncapi.json").json()
        page = client.get("/asyncapi")
        yaml = client.get("/asyncapi.yaml")
        relay = client.get("/ops/relay", headers=OPS).json()
    assert document["asyncapi"].startswith("3.")
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert "carepath.events.pathway.{aggregate_id}.SafetyFlagRaised.v1" in addresses
    assert {f"carepath.events.group.{{aggregate_id}}.{name}.v1" for name in (
        "GroupFormed", "MemberEnrolled", "MemberLeft", "GroupSessionHeld", "GroupClosed",
    )} <= addresses
    assert "carepath.commands.hold_session" in addresses
    assert "HoldSessionRequest" in document["components"]["schemas"]
    assert "carepath.commands.hold_group_session" in addresses
    assert "group_id" in document["components"]["schemas"]["HoldGroupSessionRequest"][
        "properties"]
    for channel in document["channels"].values():  # AsyncAPI 3: address parameters declared
        if "{aggregate_id}" in channel["address"]:
            assert "aggregate_id" in channel["parameters"]
    assert page.status_code == 200
    assert "asyncapi-try-it-plugin" not in page.text  # "try it out" would publish for real
    assert "asyncapi/try" not in page.text
    assert yaml.headers["content-type"].startswith("application/yaml")
    assert relay == {"configured": False, "relay": None}


def test_carepath_asyncapi_writes_the_document_the_service_serves(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "asyncapi.json"
    assert main(["asyncapi", "-o", str(target)]) == 0
    written = json.loads(target.read_text())
    assert written["asyncapi"].startswith("3.")
    assert len(written["channels"]) == len(INTEGRATION_EVENTS) + len(BY_NAME)  # events, commands
    assert "wrote" in capsys.readouterr().err


def test_serve_with_a_broker_url_relays_in_process_and_reports_it(tmp_path: Path) -> None:
    reachable(NATS_URL)
    names = new_names()
    settings = load_settings(data_dir=tmp_path / "data", broker_url=NATS_URL,
                             broker_prefix=names.prefix)
    try:
        with TestClient(create_app(bootstrap(settings))) as client:
            opened = client.post("/pathways", json=OPEN, headers=THERAPIST)
            assert opened.status_code == 201
            deadline = time.monotonic() + 10
            while client.get("/ops/relay", headers=OPS).json()["relay"]["position"] != 1:
                assert time.monotonic() < deadline, "the relay did not publish in time"
                time.sleep(0.05)
            relay = client.get("/ops/relay", headers=OPS).json()
            metrics = client.get("/metrics", headers=OPS).text
        received = run(nats_all(NATS_URL, names))
    finally:
        run(nats_forget(NATS_URL, names))
    assert relay["relay"]["lag_events"] == 0
    assert relay["relay"]["broker"] == f"nats: {names.events}"
    assert "carepath_relay_lag_events 0.0" in metrics
    assert [orjson.loads(m.body)["type"] for m in received] == [
        "org.carepath.pathway.PathwayOpened.v1"]


def test_check_config_shows_the_broker_url_without_its_password(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CAREPATH_BROKER_URL", "amqp://carepath:s3cret@rabbit.example:5672/cp")
    assert main(["check-config"]) == 0
    shown = capsys.readouterr().out
    assert "amqp://carepath:<redacted>@rabbit.example:5672/cp" in shown
    assert "s3cret" not in shown
