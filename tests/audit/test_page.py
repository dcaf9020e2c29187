"""The audit page without a browser: served locally with its assets and security headers, the
selected version rendered by the server (so it works without a script), and an id that names
no pathway answered with a 404 page saying so."""

from __future__ import annotations

import re
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from services.http import create_app
from tests.audit.clinic import Clinic
from tests.tokens import bearer


@pytest.fixture
def http(clinic: Clinic) -> TestClient:
    # The purpose the index's form states, kept by the page for its next reads.
    return TestClient(create_app(clinic.container), headers=bearer("auditor", "a-1"),
                      cookies={"carepath_purpose": "a payer audit"})


def test_a_pathway_page_renders_its_timeline_and_the_chosen_version(
        http: TestClient, back_dated: UUID) -> None:
    answer = http.get("/audit", params={"pathway": str(back_dated), "version": "4"})

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert len(re.findall(r'<tr id="v\d+"', page)) == 5
    assert '<tr id="v4" aria-current="true">' in page
    assert "Version 4 of 5: DiagnosisRecorded, occurred 2026-03-05 12:00Z, recorded" in page
    assert "<code>diagnosis</code>" in page
    assert "changed from null to F32.1" in page
    assert '<span class="tag">back-dated</span>' in page
    assert 'value="4"' in page


def test_a_version_beyond_the_pathway_shows_its_latest(http: TestClient,
                                                       back_dated: UUID) -> None:
    page = http.get("/audit", params={"pathway": str(back_dated), "version": "99"}).text

    assert "Version 5 of 5" in page


@pytest.mark.parametrize(("pathway", "said"), [
    ("00000000-0000-0000-0000-000000000000", "names no pathway"),
    ("not-a-uuid", "is not a pathway id"),
])
def test_an_id_that_names_no_pathway_is_a_404_page_saying_so(http: TestClient, pathway: str,
                                                            said: str) -> None:
    answer = http.get("/audit", params={"pathway": pathway})

    assert answer.status_code == 404
    assert said in answer.text
    assert 'role="alert"' in answer.text


def test_the_page_and_its_assets_come_from_the_service_with_its_policy(
        http: TestClient, back_dated: UUID) -> None:
    page = http.get("/audit", params={"pathway": str(back_dated)})
    assets = re.findall(r'(?:src|href)="(/audit/static/[^"]+)"', page.text)

    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert sorted(assets) == ["/audit/static/audit.css", "/audit/static/audit.js",
                              "/audit/static/dashboard.css"]
    for asset in assets:
        assert http.get(asset).status_code == 200
    assert http.get("/audit/static/other.js").status_code == 404
    assert not re.search(r'(?:src|href)="https?://', page.text)


def test_the_index_offers_an_id_form_even_before_the_read_model_exists(
        http: TestClient) -> None:
    page = http.get("/audit").text

    assert '<label for="pathway">Pathway id</label>' in page
    assert "No pathway is listed yet" in page


def test_the_state_on_a_date_shows_both_axes_apart_where_an_entry_was_back_dated(
        http: TestClient, back_dated: UUID) -> None:
    ask = {"pathway": str(back_dated), "at": "2026-03-10"}

    clinical = http.get("/audit", params={**ask, "axis": "clinical"}).text
    recorded = http.get("/audit", params={**ask, "axis": "recorded"}).text
    known_earlier = http.get("/audit", params={**ask, "axis": "clinical",
                                               "known": "2026-03-15"}).text

    assert "As the\n    clinic understood it at 2026-03-10 23:59Z (known now)" in clinical
    assert _as_of_field(clinical, "diagnosis") == "F32.1"
    assert "As the record stood at 2026-03-10 23:59Z" in recorded
    assert _as_of_field(recorded, "diagnosis") == "null"
    assert "(known by 2026-03-15 23:59Z)" in known_earlier
    assert _as_of_field(known_earlier, "diagnosis") == "null"


def test_a_date_before_the_pathway_says_why_there_is_no_state(http: TestClient,
                                                               back_dated: UUID) -> None:
    answer = http.get("/audit", params={"pathway": str(back_dated), "at": "2026-03-01",
                                        "axis": "recorded"})

    assert answer.status_code == 200
    assert "No state to show" in answer.text
    assert "had nothing recorded" in answer.text
    assert 'id="as-of-state"' not in answer.text


def test_a_date_that_is_not_one_is_refused_on_the_page(http: TestClient,
                                                       back_dated: UUID) -> None:
    answer = http.get("/audit", params={"pathway": str(back_dated), "at": "yesterday"})

    assert answer.status_code == 400
    assert "On: must be an ISO 8601 date" in answer.text
    assert 'role="alert"' in answer.text


def _as_of_field(page: str, name: str) -> str:
    table = page[page.index('id="as-of-state"'):]
    found = re.search(rf'<th scope="row">{name}</th><td><code>([^<]*)</code>', table)
    assert found, name
    return found[1]
