"""The service serves the published schemas where every envelope's ``dataschema`` points."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.integration import INTEGRATION_EVENTS
from services.integration.schemas import schema_file
from tests.http.support import TestClient, make_client


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with make_client(tmp_path_factory.mktemp("data")) as test_client:
        yield test_client


def test_the_list_names_every_event_type_and_its_schema_urls(client: TestClient) -> None:
    listed = client.get("/schemas/events").json()["events"]
    assert [item["name"] for item in listed] == [cls.name() for cls in INTEGRATION_EVENTS]
    held = next(item for item in listed if item["name"] == "TerminationDiscussed")
    assert held == {
        "name": "TerminationDiscussed", "type": "org.carepath.pathway.TerminationDiscussed.v1",
        "source": "/carepath/pathways", "version": 1,
        "schemas": {"1": "http://127.0.0.1:8000/schemas/events/TerminationDiscussed/v1.json"}}


def test_a_schema_is_served_as_published(client: TestClient) -> None:
    answer = client.get("/schemas/events/TerminationDiscussed/v1.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/schema+json"
    assert answer.content == Path(schema_file("TerminationDiscussed", 1)).read_bytes()
    assert "immutable" in answer.headers["cache-control"]


@pytest.mark.parametrize("path", [
    "/schemas/events/TerminationDiscussed/v2.json", "/schemas/events/SessionCancelled/v1.json",
    "/schemas/events/..%2Fsecrets/v1.json"])
def test_an_unpublished_schema_is_a_404_problem(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("path", "field"), [
    ("/schemas/events/TerminationDiscussed/v0.json", "path.version"),
    ("/schemas/events/TerminationDiscussed/vx.json", "path.version"),
    ("/schemas/events/session-held/v1.json", "path.name")])
def test_a_malformed_name_or_version_is_a_422_naming_it(client: TestClient, path: str,
                                                        field: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 422
    assert [error["field"] for error in answer.json()["errors"]] == [field]
