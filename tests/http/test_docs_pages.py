"""The documents' pages (``/docs``, ``/asyncapi``) name only the service's own addresses, and
the service serves every file they load, without a token: nothing comes from a CDN, since
clinics run carepath on private networks without internet. (How they render in a browser is
``tests/browser/test_documents.py``.)"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.http.support import TestClient, make_client

LOADED = re.compile(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]*)"')
LINKED = re.compile(r'\bhref="([^"]*)"')


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A reader with no token at all."""
    with make_client(tmp_path_factory.mktemp("data"), headers={}) as anonymous:
        yield anonymous


def loaded(html: str) -> list[str]:
    return LOADED.findall(html)


def test_swagger_ui_loads_its_script_and_styles_from_the_service(client: TestClient) -> None:
    page = client.get("/docs")

    assert page.status_code == 200
    assert 'data-openapi-url="/openapi.json"' in page.text
    files = loaded(page.text)
    assert {f.split("?")[0] for f in files} == {
        "/docs/static/favicon.png", "/docs/static/swagger-ui.css", "/docs/static/docs.css",
        "/docs/static/swagger-ui-bundle.js", "/docs/static/swagger-init.js"}
    for address in files:
        served = client.get(address)
        assert served.status_code == 200, address
        assert served.content, address
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script>" not in page.text  # no inline script: the policy allows none


def test_the_vendored_files_carry_their_version_and_ours_are_revalidated(
        client: TestClient) -> None:
    bundle = next(f for f in loaded(client.get("/docs").text) if "swagger-ui-bundle" in f)

    vendored = client.get(bundle)
    own = client.get("/docs/static/swagger-init.js")

    assert "?v=" in bundle
    assert vendored.headers["content-type"].startswith("text/javascript")
    assert "max-age" in vendored.headers["Cache-Control"]
    assert own.headers["Cache-Control"] == "no-cache"
    assert "SwaggerUIBundle" in own.text


@pytest.mark.parametrize("name", ["redoc.standalone.js", "core.py", "..%2Fcore.py", "nope.css"])
def test_a_file_the_documents_do_not_have_is_not_found(client: TestClient, name: str) -> None:
    assert client.get(f"/docs/static/{name}").status_code == 404


def test_fastapis_cdn_pages_are_gone(client: TestClient) -> None:
    for path in ("/redoc", "/docs/oauth2-redirect"):
        answer = client.get(path)
        assert answer.status_code in {403, 404}, path
        assert "cdn.jsdelivr.net" not in answer.text


def test_the_asyncapi_page_is_rendered_by_the_service_without_a_script(
        client: TestClient) -> None:
    document = client.get("/asyncapi.json").json()

    page = client.get("/asyncapi")

    assert page.status_code == 200
    assert "<script" not in page.text
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    for address in loaded(page.text):
        assert address.startswith("/"), address
        assert client.get(address).status_code == 200, address
    for link in LINKED.findall(page.text):
        assert link.startswith(("/", "#")), link
    for channel in document["channels"].values():
        assert f"<code>{channel['address']}</code>" in page.text

