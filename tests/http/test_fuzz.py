"""Property: no request body, path or query a client can send makes the API answer 5xx.

``CAREPATH_FUZZ_EXAMPLES`` raises the number of examples for a longer hunt (default 150).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.http.support import Api, TestClient, make_client, raw_post, valid_bodies
from tests.journeys import PHQ9_MODERATE

BODIES = valid_bodies()
ROUTES = sorted(BODIES)
EXAMPLES = int(os.environ.get("CAREPATH_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

edge_values: st.SearchStrategy[Any] = st.sampled_from([
    0, -1, 1, 2, 9, 13, 2**31, 2**63, -(2**63), 10**30, 1e308, -0.0, 0.5, "", " ", "\x00",
    "2026-01-05T09:00:00Z", "2026-01-05T09:00:00", "2031-01-01T00:00:00Z", "1970-01-01",
    "2026-02-30", "phq9", "grief", "ipaf", "routine", "urgent", "client", True, False, None,
    [], {}, [0] * 9, [3] * 9, ["treatment"] * 5,
])
scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
           | edge_values)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=15,
)


@st.composite
def near_valid(draw: st.DrawFn, path: str) -> dict[str, Any]:
    """A valid body with a few fields replaced, dropped or added: it reaches the domain."""
    body = dict(BODIES[path])
    for key in draw(st.lists(st.sampled_from(sorted(body)), unique=True, max_size=3)):
        if draw(st.booleans()):
            body[key] = draw(json_values)
        else:
            body.pop(key)
    if draw(st.integers(0, 4)) == 0:
        body[draw(st.text(max_size=10))] = draw(json_values)
    return body


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, Any]:
    path = draw(st.sampled_from(ROUTES))
    return path, draw(near_valid(path) | json_values)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """The application and one pathway in the middle phase, where most rules apply."""
    with make_client(tmp_path_factory.mktemp("fuzz")) as client:
        api = Api(client).assessed_initial().sign()
        api.ok("measures", instrument="phq9", items=list(PHQ9_MODERATE))
        api.session(number=3, focus_addressed="role_dispute")
        yield client, api.id


def assert_no_server_error(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"


@FUZZ
@given(request=requests(), fresh=st.booleans())
def test_no_command_body_gives_a_server_error(fuzzed: tuple[TestClient, str],
                                              request: tuple[str, Any], fresh: bool) -> None:
    client, middle = fuzzed
    pathway_id = Api(client).id if fresh else middle
    path, body = request

    response = raw_post(client, f"/pathways/{pathway_id}/{path}", json.dumps(body))

    assert_no_server_error(response)


@settings(FUZZ, max_examples=max(EXAMPLES // 3, 1))
@given(body=json_values)
def test_no_open_body_gives_a_server_error(fuzzed: tuple[TestClient, str], body: Any) -> None:
    client, _ = fuzzed

    assert_no_server_error(raw_post(client, "/pathways", json.dumps(body)))


@settings(FUZZ, max_examples=max(EXAMPLES // 4, 1))
@given(segment=st.text(min_size=1, max_size=60),
       query=st.dictionaries(st.sampled_from(["version", "after", "limit", "start"]),
                             st.text(max_size=12) | st.integers().map(str), max_size=3))
def test_no_path_or_query_gives_a_server_error(fuzzed: tuple[TestClient, str], segment: str,
                                               query: dict[str, str]) -> None:
    client, middle = fuzzed
    for url in (f"/pathways/{quote(segment, safe='')}", f"/pathways/{middle}",
                f"/pathways/{middle}/history", "/pathways"):
        assert_no_server_error(client.get(url, params=query))
