"""``GET /metrics``: Prometheus text with projection lag, events applied, open safety flags by
tier, and commands by outcome and rule id."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from projections.log import OrderedLog
from projections.registry import all_projections
from services.composition import Container
from tests.http.support import OPEN, OPS, THERAPIST, TestClient, at, make_client
from tests.journeys import START

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: TestClient) -> Samples:
    answer = client.get("/metrics", follow_redirects=False, headers=OPS)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.text)
            for sample in family.samples}


def container_of(client: TestClient) -> Container:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    return container


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Two pathways opened (one twice, the retry replayed), an urgent flag, a refused session."""
    with make_client(tmp_path_factory.mktemp("data")) as test_client:
        retry = {**THERAPIST, "Idempotency-Key": "open-once"}
        for _ in range(2):
            opened = test_client.post("/pathways", headers=retry, json=OPEN)
            assert opened.status_code in {200, 201}, opened.text
        other = test_client.post("/pathways", headers=THERAPIST,
                                 json={**OPEN, "client_ref": "client-002"})
        assert other.status_code == 201, other.text
        where = opened.headers["Location"]
        flagged = test_client.post(f"{where}/safety-flags", headers=THERAPIST,
                                   json={"occurred_at": at(START + timedelta(hours=1)),
                                         "tier": "urgent"})
        assert flagged.status_code == 201, flagged.text
        refused = test_client.post(f"{where}/sessions", headers=THERAPIST, json={
            "occurred_at": at(START + timedelta(hours=2)), "number": 1, "minutes": 50,
            "focus_addressed": "role_dispute"})
        assert refused.status_code == 422, refused.text
        container = container_of(test_client)
        head = OrderedLog(container.pathways).head()
        for projection in all_projections():
            assert container.wait_for(projection.name, head, timeout=20), projection.name
        yield test_client


def test_commands_are_counted_by_outcome_and_rule_id(client: TestClient) -> None:
    samples = scrape(client)
    refused = [(labels, value) for (name, labels), value in samples.items()
               if name == "carepath_commands_total" and ("outcome", "refused") in labels]
    assert samples[("carepath_commands_total", (
        ("command", "OpenPathway"), ("outcome", "recorded"), ("rule", "")))] == 2
    assert samples[("carepath_commands_total", (
        ("command", "OpenPathway"), ("outcome", "replayed"), ("rule", "")))] == 1
    assert samples[("carepath_commands_total", (
        ("command", "RaiseSafetyFlag"), ("outcome", "recorded"), ("rule", "")))] == 1
    assert len(refused) == 1
    labels, value = refused[0]
    assert dict(labels)["command"] == "HoldSession"
    assert dict(labels)["rule"].startswith("IPT-")
    assert value == 1


def test_every_projection_reports_lag_and_events_applied(client: TestClient) -> None:
    samples = scrape(client)
    head = OrderedLog(container_of(client).pathways).head()
    assert samples[("carepath_log_head", ())] == head
    assert samples[("carepath_read_side_up", ())] == 1
    for projection in all_projections():
        labels = (("projection", projection.name),)
        assert samples[("carepath_projection_lag_events", labels)] == 0
        assert samples[("carepath_projection_lag_seconds", labels)] == 0
        assert samples[("carepath_projection_events_applied_total", labels)] == head


def test_open_safety_flags_are_counted_by_tier(client: TestClient) -> None:
    samples = scrape(client)
    assert samples[("carepath_safety_open_flags", (("tier", "urgent"),))] == 1
    assert samples[("carepath_safety_open_flags", (("tier", "routine"),))] == 0


def test_before_any_worker_ran_lag_is_the_whole_log_and_flags_are_not_guessed(
        tmp_path: Path) -> None:
    client = make_client(tmp_path / "data")  # no lifespan: no worker starts
    container = container_of(client)
    try:
        opened = client.post("/pathways", headers=THERAPIST, json=OPEN)
        assert opened.status_code == 201, opened.text
        samples = scrape(client)
        head = OrderedLog(container.pathways).head()
        assert samples[("carepath_projection_lag_events", (("projection", "safety"),))] == head
        assert samples[("carepath_projection_lag_seconds", (("projection", "safety"),))] > 0
        assert not [key for key in samples if key[0] == "carepath_safety_open_flags"]
    finally:
        container.close()
