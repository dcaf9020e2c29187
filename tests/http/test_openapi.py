"""The API describes itself: every command has a typed route, documented at /docs."""

from __future__ import annotations

from typing import Any

from domain import commands as c
from domain.context import ROLES
from services.http.commands import ROUTES
from tests.http.support import TestClient, valid_bodies


def all_commands(base: type[c.Command] = c.Command) -> set[type[c.Command]]:
    found = set()
    for sub in base.__subclasses__():
        found |= {sub, *all_commands(sub)}
    return found


def test_every_command_but_opening_has_exactly_one_route() -> None:
    routed = [route.command for route in ROUTES]

    assert set(routed) == all_commands() - {c.OpenPathway}
    assert len(routed) == len(set(routed))
    assert {route.path for route in ROUTES} == set(valid_bodies())


def test_the_openapi_document_shows_each_command_schema_and_event(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths: dict[str, Any] = document["paths"]

    assert document["info"]["title"].startswith("carepath")
    assert document["info"]["description"]
    assert {tag["name"] for tag in document["tags"]} == {"commands", "queries", "ops"}
    for route in ROUTES:
        operation = paths[f"/pathways/{{pathway_id}}/{route.path}"]["post"]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith(f"/{route.command.__name__}")
        assert route.records.split(",")[0] in operation["summary"]
        assert operation["tags"] == ["commands"]
        assert {"201", "200", "404", "412", "422"} <= operation["responses"].keys()
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert headers == {"X-Actor-Id", "X-Actor-Role", "Idempotency-Key",
                           "X-Correlation-Id", "If-Match"}
    role = next(p for p in paths["/pathways"]["post"]["parameters"]
                if p["name"] == "X-Actor-Role")
    assert role["schema"]["enum"] == list(ROLES)
    assert paths["/pathways/{pathway_id}"]["get"]["tags"] == ["queries"]
    assert paths["/health"]["get"]["tags"] == ["ops"]


def test_the_docs_page_is_served(client: TestClient) -> None:
    response = client.get("/docs")

    assert response.status_code == 200
    assert "swagger" in response.text.lower()
