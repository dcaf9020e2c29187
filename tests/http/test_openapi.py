"""The API describes itself: every command has a typed route, documented at /docs."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote
from uuid import uuid4

import pytest

from domain.pathway import commands as c
from domain.protocols import ACUTE_PROTOCOLS
from services.commands import ROUTES
from tests.http.support import OPEN, THERAPIST, TestClient, valid_bodies


def all_commands(base: type[c.Command] = c.Command) -> set[type[c.Command]]:
    found = set()
    for sub in base.__subclasses__():
        found |= {sub, *all_commands(sub)}
    return found


def test_every_command_but_opening_has_exactly_one_route() -> None:
    routed = [route.command for route in ROUTES]
    pathway_commands = {command for command in all_commands() if command.__module__ == c.__name__}

    assert set(routed) == pathway_commands - {c.OpenPathway, c.AttendGroupSession}
    assert len(routed) == len(set(routed))
    assert {route.path for route in ROUTES} == set(valid_bodies())


def test_the_openapi_document_shows_each_command_schema_and_event(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths: dict[str, Any] = document["paths"]

    assert document["info"]["title"].startswith("carepath")
    assert document["info"]["description"]
    assert {tag["name"] for tag in document["tags"]} == {"commands", "queries", "groups", "ops",
                                                          "audit", "integrity", "events",
                                                          "access log"}
    for route in ROUTES:
        operation = paths[f"/pathways/{{pathway_id}}/{route.path}"]["post"]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith(f"/{route.command.__name__}")
        assert route.records.split(",")[0] in operation["summary"]
        assert operation["tags"] == ["commands"]
        assert {"201", "200", "404", "412", "422"} <= operation["responses"].keys()
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert headers == {"Idempotency-Key", "X-Correlation-Id", "If-Match"}
        assert operation["security"] == [{"bearer": []}]
    assert paths["/pathways/{pathway_id}"]["get"]["tags"] == ["queries"]
    assert paths["/health"]["get"]["tags"] == ["ops"]


def test_every_operation_but_the_public_ones_needs_a_bearer_token(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    public = {"/health", "/health/ready", "/integrity/key", "/schemas/events",
              "/schemas/events/{name}/v{version}.json"}

    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, methods in document["paths"].items():
        for operation in methods.values():
            if path in public:
                assert operation["security"] == [], path
                continue
            assert operation["security"] == [{"bearer": []}], path
            unauthenticated = operation["responses"]["401"]
            assert "WWW-Authenticate" in unauthenticated["headers"], path
            assert "application/problem+json" in unauthenticated["content"], path
            assert "application/problem+json" in operation["responses"]["403"]["content"], path


def test_the_docs_page_is_served(client: TestClient) -> None:
    response = client.get("/docs")

    assert response.status_code == 200
    assert "swagger" in response.text.lower()


def document(client: TestClient) -> dict[str, Any]:
    found: dict[str, Any] = client.get("/openapi.json").json()
    return found


def operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, operation)
            for path, methods in document(client)["paths"].items()
            for method, operation in methods.items()]


def test_the_protocol_is_an_enum_of_the_protocols_that_can_open(client: TestClient) -> None:
    fields = document(client)["components"]["schemas"]["OpenPathway"]["properties"]

    openable = sorted({p.id for p in ACUTE_PROTOCOLS.values() if p.available})
    assert fields["protocol"]["enum"] == openable
    assert "ipt-g" in openable
    versions = {key[1] for key in ACUTE_PROTOCOLS}
    assert set(fields["protocol_version"]["enum"]) == {*versions, None}


def test_clinical_times_are_documented_as_utc_date_times_not_in_the_future(
        client: TestClient) -> None:
    schemas = document(client)["components"]["schemas"]

    for name in ("OpenPathway", "HoldSession", "ClosePathway"):
        occurred_at = schemas[name]["properties"]["occurred_at"]
        assert occurred_at["format"] == "date-time"
        assert re.fullmatch(occurred_at["pattern"], "2026-11-20T09:00:00+02:00")
        assert not re.fullmatch(occurred_at["pattern"], "1767600000")
        assert not re.fullmatch(occurred_at["pattern"], "1899-12-31T09:00:00Z")
        assert "UTC" in occurred_at["description"]
        assert "future" in occurred_at["description"] or "later than" in occurred_at["description"]
    referral = schemas["OpenPathway"]["properties"]["referral_date"]
    assert referral["format"] == "date"
    assert not re.fullmatch(referral["pattern"], "20260102")


def test_headers_and_path_ids_are_documented_as_strictly_as_they_are_checked(
        client: TestClient) -> None:
    for path, _, operation in operations(client):
        parameters = {p["name"]: p["schema"] for p in operation.get("parameters", [])}
        assert all("anyOf" not in schema for schema in parameters.values()), path
        if "{pathway_id}" in path:
            assert parameters["pathway_id"]["format"] == "uuid"
            assert re.fullmatch(parameters["pathway_id"]["pattern"], str(uuid4()))
        if "If-Match" in parameters:
            pattern = parameters["If-Match"]["pattern"]
            assert [bool(re.fullmatch(pattern, tag)) for tag in ('"3"', "3", "*", 'W/"3"')] == [
                True, True, True, False]
        assert not {"X-Actor-Id", "X-Actor-Role"} & parameters.keys(), path


@pytest.mark.parametrize("spelling", [
    "{{{id}}}", "urn:uuid:{id}", "{hex}", " {id}",
])
def test_a_pathway_id_in_another_spelling_is_not_found(client: TestClient,
                                                       spelling: str) -> None:
    opened = client.post("/pathways", json=OPEN, headers=THERAPIST).json()["pathway_id"]
    other = spelling.format(id=opened, hex=opened.replace("-", ""))

    response = client.get(f"/pathways/{quote(other, safe='')}")

    assert response.status_code == 404
    assert client.get(f"/pathways/{opened}").status_code == 200


def test_every_refusal_is_documented_as_problem_json(client: TestClient) -> None:
    for path, method, operation in operations(client):
        responses = operation["responses"]
        errors = {status: r for status, r in responses.items() if int(status) >= 400}
        if path.startswith("/pathways"):
            assert "503" in errors, (method, path)
            assert errors["503"]["headers"]["Retry-After"]["required"] is True
        if path == "/health/ready":
            continue  # its 503 is the health document itself
        for status, response in errors.items():
            assert response["content"] == {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}}}, (method, path, status)
        if method == "post":
            assert {"400", "404", "409", "412", "413", "415", "422"} <= errors.keys(), path


def test_an_opened_pathway_links_to_every_route_that_takes_its_id(client: TestClient) -> None:
    opening = document(client)["paths"]["/pathways"]["post"]["responses"]["201"]

    targets = {operation["operationId"] for path, _, operation in operations(client)
               if path.startswith("/pathways/{pathway_id}")}
    assert {link["operationId"] for link in opening["links"].values()} == targets
    assert all(link["parameters"] == {"pathway_id": "$response.body#/pathway_id"}
               for link in opening["links"].values())
    assert opening["headers"]["Location"]["required"] is True


def test_no_constraint_leaks_into_the_schema_under_a_python_name(client: TestClient) -> None:
    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for child in value.values() for k in keys(child)}
        if isinstance(value, list):
            return {k for child in value for k in keys(child)}
        return set()

    schemas = document(client)["components"]["schemas"]
    properties = [field for schema in schemas.values()
                  for field in schema.get("properties", {}).values()]
    assert not keys(properties) & {"ge", "le", "gt", "lt", "min_length", "max_length"}
