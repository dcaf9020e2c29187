"""The API's documents in a real headless Chromium, against ``carepath serve --demo``, on a
network where nothing but the server answers (as in a clinic without internet): Swagger UI
(``/docs``) and the AsyncAPI page (``/asyncapi``) render from the service alone, ask nothing
of any other host, break no Content-Security-Policy, and axe-core finds no serious or critical
violation. Screenshots land in ``tests/browser/screenshots``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page, Route, expect

from tests.browser.axe import scan
from tests.browser.conftest import Server

pytestmark = pytest.mark.slow
WAIT_MS = 30_000
LOCAL = "127.0.0.1"


@dataclass
class Offline:
    """What the page asked of other hosts (refused, as a private network would) and the
    errors it logged (a script that failed, a policy that refused something)."""

    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname == LOCAL:
            route.continue_()
            return
        self.refused.append(route.request.url)
        route.abort("internetdisconnected")

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)


@pytest.fixture
def offline(page: Page) -> Offline:
    seen = Offline()
    page.context.route("**/*", seen.route)
    page.on("console", seen.console)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    return seen


def assert_served_locally(offline: Offline) -> None:
    assert offline.refused == [], f"the page asked other hosts: {offline.refused}"
    assert offline.errors == [], f"the page logged errors: {offline.errors}"


def assert_accessible(page: Page, screenshots: Path, name: str) -> None:
    page.screenshot(path=screenshots / f"{name}.png", full_page=True)
    found = scan(page, screenshots / f"axe-{name}.json")
    assert not found.blocking(), "\n".join(found.blocking())
    assert found.passes > 0


def test_swagger_ui_shows_every_operation_from_the_service_alone(
        page: Page, server: Server, offline: Offline, screenshots: Path) -> None:
    operations = sum(len(methods) for methods in server.get("/openapi.json").json()["paths"]
                     .values())

    page.goto(f"{server.base}/docs")

    expect(page.locator(".opblock")).to_have_count(operations, timeout=WAIT_MS)
    expect(page.get_by_role("heading", level=1)).to_contain_text("carepath")
    # Scanned as a reader leaves it: an operation opened and tried out, a schema opened.
    page.locator(".opblock-summary-control").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    page.locator(".opblock-body .try-out__btn").first.click()
    expect(page.locator(".opblock-body textarea").first).to_be_visible()
    page.locator(".models .json-schema-2020-12-expand-deep-button").nth(1).click()
    assert_served_locally(offline)
    assert_accessible(page, screenshots, "docs-swagger")


def test_the_asyncapi_page_shows_every_channel_and_schema_from_the_service_alone(
        page: Page, server: Server, offline: Offline, screenshots: Path) -> None:
    document = server.get("/asyncapi.json").json()

    page.goto(f"{server.base}/asyncapi")

    expect(page.locator("h1")).to_have_text(document["info"]["title"])
    expect(page.locator("section.operation")).to_have_count(len(document["operations"]))
    addresses = page.locator("section.operation h3").all_inner_texts()
    assert sorted(addresses) == sorted(c["address"] for c in document["channels"].values())
    schemas = page.eval_on_selector_all(".schema[id]", "els => els.map(e => e.id)")
    assert len(schemas) == len(set(schemas)) == len(document["components"]["schemas"])
    broken = page.eval_on_selector_all(
        "a[href^='#']", "links => links.map(a => a.getAttribute('href').slice(1))"
        ".filter(id => !document.getElementById(id))")
    assert broken == [], f"links to nothing: {broken[:5]}"
    assert page.evaluate("document.scripts.length") == 0
    assert_served_locally(offline)
    assert_accessible(page, screenshots, "asyncapi")


def test_the_asyncapi_page_is_read_with_the_keyboard_from_a_command_to_its_body(
        page: Page, server: Server, offline: Offline, screenshots: Path) -> None:
    page.goto(f"{server.base}/asyncapi")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    command = page.locator("#receives table.index a", has_text="hold_session")
    command.focus()
    page.keyboard.press("Enter")
    section = page.locator("section.operation:target")
    expect(section.locator("h3")).to_have_text("carepath.commands.hold_session")
    payload = section.locator("details.schema > summary")
    payload.focus()
    page.keyboard.press("Enter")  # the payload's disclosure opens
    expect(section.locator("table.fields th[scope='row']", has_text="token")).to_be_visible()
    body = section.locator("table.fields a", has_text="HoldSession").first
    body.focus()
    page.keyboard.press("Enter")
    target = page.locator(":target")
    expect(target).to_have_id("schema-HoldSession")
    expect(target.locator("table.fields th[scope='row']", has_text="occurred_at")).to_be_visible()
    page.screenshot(path=screenshots / "asyncapi-keyboard.png")
    assert_served_locally(offline)
