"""The dashboard's routes without a browser: pages, assets, panel JSON, filters, live stream.

The browser tests (tests/browser) drive the page itself; these pin what the server answers.
"""

from __future__ import annotations

import asyncio
import re
import tomllib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from projections.log import OrderedLog
from projections.registry import all_projections
from services.cli.serve import banner
from services.composition import Container
from services.http.dashboard import live
from services.http.dashboard.panels import PANELS
from services.http.dashboard.panels import safety as safety_panel
from services.http.dashboard.rules import BY_ID
from services.settings import load_settings
from tests.http.support import ADMIN, OPEN, OPS, THERAPIST, TestClient, at, make_client
from tests.journeys import START
from tests.tokens import bearer

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "services" / "http" / "dashboard"
CLIENT_REF = "client-only-the-record-knows"


def caught_up(client: TestClient) -> None:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    head = OrderedLog(container.pathways).head()
    for projection in all_projections():
        assert container.wait_for(projection.name, head, timeout=20), projection.name


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Two pathways (one with an urgent flag), every read model caught up with them."""
    with make_client(tmp_path_factory.mktemp("data"), headers=OPS) as client:
        for number, therapist in enumerate(("t-1", "t-2")):
            opened = client.post("/pathways", headers=ADMIN, json={
                **OPEN, "client_ref": CLIENT_REF, "therapist_id": therapist})
            assert opened.status_code == 201, opened.text
            if number == 0:
                flagged = client.post(f"{opened.headers['Location']}/safety-flags",
                                      headers=THERAPIST,
                                      json={"occurred_at": at(START + timedelta(hours=1)),
                                            "tier": "urgent"})
                assert flagged.status_code == 201, flagged.text
        caught_up(client)
        yield client


def test_the_page_lists_every_panel_with_its_filters_and_no_outside_source(
        dashboard: TestClient) -> None:
    page = dashboard.get("/ops/dashboard")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.text
    for panel in PANELS:
        assert f'id="panel-{panel.id}"' in html
    for control in ("f-therapist", "f-protocol", "f-since", "f-until"):
        assert f'<label for="{control}">' in html
    assert '<option value="t-2">t-2</option>' in html  # the therapists come from the read model
    assert 'class="skip-link" href="#main"' in html
    assert not re.search(r"""(src|href)="(https?:)?//""", html), "something loads from elsewhere"


def test_plotly_and_the_pages_own_files_are_served_by_the_service(
        dashboard: TestClient) -> None:
    plotly = dashboard.get("/ops/dashboard/static/plotly.min.js")
    assert plotly.status_code == 200
    assert plotly.headers["content-type"].startswith("text/javascript")
    assert b"plotly" in plotly.content[:2000].lower()
    for name in ("dashboard.js", "dashboard.css"):
        assert dashboard.get(f"/ops/dashboard/static/{name}").status_code == 200
    missing = dashboard.get("/ops/dashboard/static/..%2Fpages.py")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("panel", [panel.id for panel in PANELS])
def test_every_panel_answers_its_numbers_with_a_table_for_each_chart(
        dashboard: TestClient, panel: str) -> None:
    answer = dashboard.get(f"/ops/dashboard/{panel}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["ready"] is True
    assert body["position"] > 0
    assert body["summary"]
    assert body["tables"], "a chart without its table"
    for table in body["tables"]:
        assert all(len(row) == len(table["columns"]) for row in table["rows"]), table["caption"]
    if body["chart"] is not None:
        assert all(len(s["values"]) == len(body["chart"]["categories"])
                   for s in body["chart"]["series"])
    assert CLIENT_REF not in answer.text


def test_the_safety_panel_lists_the_urgent_flag_and_filters_by_therapist(
        dashboard: TestClient) -> None:
    flags = dashboard.get("/ops/dashboard/safety").json()["tables"][0]["rows"]
    assert [(row[1], row[6]) for row in flags] == [("Urgent", "t-1")]
    assert dashboard.get("/ops/dashboard/safety", params={"therapist": "t-2"}
                         ).json()["tables"][0]["rows"] == []


def test_the_safety_panel_counts_every_open_flag_when_it_lists_only_the_first(
        dashboard: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety_panel, "LISTED", 0)
    body = dashboard.get("/ops/dashboard/safety").json()
    assert body["tables"][0]["rows"] == []
    assert body["tables"][0]["caption"].startswith("Open safety flags, the 0 most pressing of 1")
    assert body["summary"].startswith("1 open flag: 1 urgent, 0 routine.")
    assert sum(sum(series["values"]) for series in body["chart"]["series"]) == 1


def test_the_fidelity_panel_says_what_structural_fidelity_is(dashboard: TestClient) -> None:
    body = dashboard.get("/ops/dashboard/fidelity").json()
    assert body["note"] == "Structural fidelity: read from the record, not observed in the room."


@pytest.mark.parametrize(("query", "field"), [
    ({"protocol": "homeopathy"}, "query.protocol"),
    ({"since": "01/02/2026"}, "query.since"),
    ({"since": "2026-03-02", "until": "2026-03-01"}, "query.until"),
    ({"therapist": "t\u00e9"}, "query.therapist"),
])
def test_a_malformed_filter_is_refused_by_name(dashboard: TestClient, query: dict[str, str],
                                              field: str) -> None:
    answer = dashboard.get("/ops/dashboard/funnel", params=query)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in answer.json()["errors"]] == [field]
    page = dashboard.get("/ops/dashboard", params=query)
    assert page.status_code == 400
    assert 'role="alert"' in page.text
    assert field in page.text


def test_blank_filters_mean_no_filter(dashboard: TestClient) -> None:
    blank = dashboard.get("/ops/dashboard/funnel",
                          params={"therapist": "", "protocol": "", "since": "", "until": ""})
    assert blank.status_code == 200
    assert blank.json()["tables"] == dashboard.get("/ops/dashboard/funnel").json()["tables"]


def test_a_read_model_not_built_yet_answers_not_ready_instead_of_zeros(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", projections_in_process=False)
    from services.composition import bootstrap  # noqa: PLC0415
    from services.http.app import create_app  # noqa: PLC0415

    with TestClient(create_app(bootstrap(settings)), headers=OPS) as client:
        body = client.get("/ops/dashboard/caseload").json()
        assert body["ready"] is False
        assert body["tables"] == []
        assert client.get("/ops/dashboard").status_code == 200


def test_the_rules_page_has_every_rule_the_domain_decides(dashboard: TestClient) -> None:
    named = set()
    for source in (ROOT / "domain").rglob("*.py"):
        named |= set(re.findall(r'"(IPT-\d\d)"', source.read_text()))
    assert named <= set(BY_ID)
    page = dashboard.get("/ops/dashboard/rules").text
    for rule in BY_ID:
        assert f'id="{rule}"' in page


class FakeWatch:
    def __init__(self, answers: list[dict[str, int]]) -> None:
        self.answers = answers

    async def current(self) -> dict[str, int]:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def test_the_live_stream_sends_the_positions_then_only_their_changes() -> None:
    watch: Any = FakeWatch([{"funnel": 1}, {"funnel": 1}, {"funnel": 3}, {"funnel": 3}])

    async def first_messages() -> list[str]:
        return [message async for message in live.stream(watch, seconds=0.2, poll=0.01)]

    messages = asyncio.run(first_messages())
    assert messages[0] == f"retry: {live.RETRY_MILLISECONDS}\n\n"
    positions = [m for m in messages if m.startswith("event: positions")]
    assert positions == ['event: positions\ndata: {"positions":{"funnel":1}}\n\n',
                         'event: positions\ndata: {"positions":{"funnel":3}}\n\n']


def test_the_serve_banner_prints_the_dashboard_address() -> None:
    text = banner(load_settings(host="127.0.0.1", port=8123))
    assert "dashboard: http://127.0.0.1:8123/ops/dashboard" in text


def test_the_wheel_ships_every_template_and_static_file() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["services.http.dashboard"]
    shipped = {path for pattern in patterns for path in PACKAGE.glob(pattern)}
    needed = {path for folder in ("templates", "static") for path in (PACKAGE / folder).iterdir()
              if path.is_file()}
    assert needed
    assert needed <= shipped


def test_the_numbers_are_those_of_the_readers_caseload(dashboard: TestClient) -> None:
    def opened(headers: dict[str, str], **params: str) -> str:
        answer = dashboard.get("/ops/dashboard/funnel", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        summary: str = answer.json()["summary"]
        return summary.split(" opened", maxsplit=1)[0]

    supervisor = bearer("supervisor", "s-1", therapists=["t-1", "t-3"])
    assert opened(OPS) == "Of 2 pathways"  # ops: every therapist's
    assert opened(bearer("therapist", "t-2")) == "Of 1 pathway"  # their own
    assert opened(supervisor) == "Of 1 pathway"  # t-1's and t-3's, not t-2's
    assert opened(supervisor, therapist="t-1") == "Of 1 pathway"
    refused = dashboard.get("/ops/dashboard/funnel", params={"therapist": "t-2"},
                            headers=supervisor)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith(":outside-caseload")
    page = dashboard.get("/ops/dashboard", headers=supervisor).text
    assert "Showing your caseload (s-1, t-1, t-3)" in page
    assert '<option value="t-2">' not in page
