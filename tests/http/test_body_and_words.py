"""A body means one thing or is refused naming where; refusals say what is actually wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.http.views import Problem
from tests.http.support import (
    OPEN,
    THERAPIST,
    Api,
    TestClient,
    make_client,
    raw_post,
    valid_bodies,
)

BODIES = valid_bodies()
WHEN = BODIES["close"]["occurred_at"]


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def fields(response: Any, status: int) -> list[str]:
    return [error["field"] for error in problem(response, status)["errors"]]


# ----- duplicate members -------------------------------------------------------------------

@pytest.mark.parametrize(("path", "content", "field"), [
    ("close", f'{{"occurred_at": "{WHEN}", "reason": "discharged", "reason": "withdrawn"}}',
     "body.reason"),
    ("close", f'{{"occurred_at": "{WHEN}", "occurred_at": "{WHEN}", "reason": "discharged"}}',
     "body.occurred_at"),
    ("inventory", '{"occurred_at": "' + WHEN + '", "relationships": [{"alias": "a",'
     ' "relation": "partner", "closeness": 3, "closeness": 4, "quality": "distant"}]}',
     "body.relationships[0].closeness"),
    ("contract", json.dumps(BODIES["contract"])[:-1]
     + ', "contingencies": {"holidays": "a", "holidays": "b"}}', "body.contingencies"),
])
def test_a_member_named_twice_is_refused_naming_its_path(api: Api, path: str, content: str,
                                                         field: str) -> None:
    response = raw_post(api.client, f"/pathways/{api.id}/{path}", content)

    assert fields(response, 400) == [field]
    assert response.json()["type"].endswith(":duplicate-key")
    assert api.state()["version"] == 1


def test_a_nested_member_named_twice_is_named_with_its_full_path(api: Api) -> None:
    body = json.dumps(BODIES["contract"])[:-1]
    content = body + ', "extra": {"signer": 1, "inner": {"x": 1, "x": 2}}}'

    response = raw_post(api.client, f"/pathways/{api.id}/contract", content)

    assert fields(response, 400) == ["body.extra.inner.x"]


def test_opening_refuses_a_member_named_twice(client: TestClient) -> None:
    content = json.dumps(OPEN)[:-1] + ', "client_age": 41}'

    response = raw_post(client, "/pathways", content)

    assert fields(response, 400) == ["body.client_age"]


def test_the_same_name_in_sibling_objects_is_not_a_duplicate(api: Api) -> None:
    response = api.post("inventory", BODIES["inventory"])

    assert response.status_code in {201, 422}, response.text
    assert response.status_code == 201 or not response.json()["type"].endswith("duplicate-key")


# ----- encoding and media type -------------------------------------------------------------

@pytest.mark.parametrize("content", [
    b"\xff\xfe", json.dumps(BODIES["close"]).encode("utf-16"),
    json.dumps(BODIES["close"]).encode("utf-32"),
    json.dumps(BODIES["close"]).replace("discharged", "disch\xe4rged").encode("latin-1"),
], ids=["bom-only", "utf-16", "utf-32", "latin-1"])
def test_a_body_that_is_not_utf8_is_400_naming_the_body(api: Api, content: bytes) -> None:
    response = raw_post(api.client, f"/pathways/{api.id}/close", content)

    assert fields(response, 400) == ["body"]
    assert response.json()["type"].endswith(":not-utf8")
    assert "UTF-8" in response.json()["detail"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/xml"])
def test_a_body_declared_as_another_media_type_is_415(api: Api, content_type: str) -> None:
    response = api.client.post(f"/pathways/{api.id}/close", content=json.dumps(BODIES["close"]),
                               headers={**THERAPIST, "Content-Type": content_type})

    assert fields(response, 415) == ["header.Content-Type"]
    assert api.state()["version"] == 1


def test_json_with_a_charset_or_a_json_suffix_is_json(api: Api) -> None:
    response = api.client.post(f"/pathways/{api.id}/sick-role",
                               content=json.dumps({"occurred_at": WHEN}),
                               headers={**THERAPIST,
                                        "Content-Type": "application/json; charset=utf-8"})

    assert response.status_code != 415, response.text


# ----- the words of refusals ---------------------------------------------------------------

def test_a_version_beyond_the_latest_says_there_is_no_such_version(api: Api) -> None:
    body = problem(api.client.get(f"/pathways/{api.id}", params={"version": 7}), 404)

    assert body["type"].endswith(":version-not-found")
    assert body["latest"] == 1
    assert "no version 7" in body["detail"]
    assert "latest is 1" in body["detail"]


def test_an_unknown_pathway_still_says_there_is_no_pathway(client: TestClient) -> None:
    body = problem(client.get("/pathways/7f6c2208-4870-5e88-80bb-beb434bc19d6",
                              params={"version": 2}), 404)

    assert body["type"].endswith(":pathway-not-found")


def test_an_unknown_protocol_version_names_the_versions_there_are(client: TestClient) -> None:
    response = client.post("/pathways", json={**OPEN, "protocol_version": 99},
                           headers=THERAPIST)

    assert fields(response, 422) == ["body.protocol_version"]
    assert response.json()["detail"] == ("body.protocol_version: protocol ipt has no version 99"
                                         " (versions: 1)")


def test_an_unknown_protocol_names_the_protocols_there_are(client: TestClient) -> None:
    response = client.post("/pathways", json={**OPEN, "protocol": "cbt"}, headers=THERAPIST)

    assert fields(response, 422) == ["body.protocol"]
    assert "unknown protocol 'cbt'" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("DELETE", "/pathways", "GET, HEAD, POST"),
    ("PUT", "/pathways/{id}", "GET, HEAD"),
    ("GET", "/pathways/{id}/close", "POST"),
    ("PATCH", "/pathways/{id}/history", "GET, HEAD"),
    ("POST", "/health", "GET, HEAD"),
])
def test_a_method_not_allowed_lists_every_allowed_method(api: Api, method: str, path: str,
                                                         allowed: str) -> None:
    response = api.client.request(method, path.format(id=api.id), headers=THERAPIST)

    body = problem(response, 405)
    assert response.headers["Allow"] == allowed
    assert body["type"].endswith(":method-not-allowed")
    assert allowed in body["detail"]


def test_an_unknown_route_is_a_problem(client: TestClient) -> None:
    body = problem(client.get("/no/such/route"), 404)

    assert body["type"].endswith(":not-found")


def test_an_internal_error_promises_no_retry_and_gives_the_correlation_id(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with make_client(tmp_path, raise_server_exceptions=False) as client:
        def broken(*_: Any, **__: Any) -> Any:
            raise RuntimeError

        monkeypatch.setattr(client.app.state.container.pathways,  # type: ignore[attr-defined]
                            "open_pathway", broken)
        response = client.post("/pathways", json=OPEN,
                               headers={**THERAPIST, "X-Correlation-Id": "corr-500"})

    body = problem(response, 500)
    assert body["correlation_id"] == "corr-500" == response.headers["X-Correlation-Id"]
    assert "corr-500" in body["detail"]
    assert "safe" not in body["detail"].lower()
    assert "retry" not in body["detail"].lower()


def test_refusals_outside_any_route_have_the_documented_problem_shape(api: Api) -> None:
    too_large = raw_post(api.client, f"/pathways/{api.id}/close",
                         json.dumps({**BODIES["close"], "padding": "x" * 70_000}))
    not_json = api.client.post(f"/pathways/{api.id}/close", content=b"reason=discharged",
                               headers={**THERAPIST, "Content-Type": "text/plain"})
    answers = {404: api.client.get("/no/such/route"), 405: api.client.delete("/pathways"),
               413: too_large, 415: not_json}

    for status, response in answers.items():
        body = problem(response, status)
        assert Problem.model_validate(body).status == status
        assert body["instance"] == response.request.url.path
