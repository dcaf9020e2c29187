"""The audit page in a real headless Chromium, against ``carepath serve --demo``: an auditor
opens a pathway, reads its timeline, and steps through its versions with the slider, the
buttons, the timeline's links or the keyboard alone; what each version shows is the state the
as-of endpoint gives and what the server renders without a script. No serious or critical
axe-core violation; screenshots in ``tests/browser/screenshots``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import scan
from tests.browser.conftest import Server

pytestmark = pytest.mark.slow
WAIT_MS = 30_000


@pytest.fixture(autouse=True)
def signed_in_as_auditor(page: Page, server: Server) -> None:
    server.sign_in(page, "auditor", "auditor-browser", purpose="browser audit")


def a_long_pathway(server: Server) -> tuple[str, int]:
    """A demo pathway with at least 25 events: its id and latest version."""
    listed = server.get("/pathways", limit="100").json()["items"]
    chosen = next(item for item in listed if item["version"] >= 25)
    return str(chosen["id"]), int(chosen["version"])


def open_pathway(page: Page, server: Server, pathway: str, version: int | None = None) -> None:
    query = f"?pathway={pathway}" + (f"&version={version}" if version else "")
    page.goto(f"{server.base}/audit{query}")
    page.wait_for_function("() => document.body.dataset.stepsLoaded === 'true'",
                           timeout=WAIT_MS)


def shown_version(page: Page) -> int:
    return int(page.evaluate("() => document.body.dataset.version"))


def shown_state(page: Page) -> dict[str, str]:
    rows: dict[str, str] = page.eval_on_selector_all(
        "#state tbody tr", "rows => Object.fromEntries(rows.map("
        "r => [...r.cells].map(c => c.textContent.trim())))")
    return rows


def shown_changes(page: Page) -> list[str]:
    items: list[str] = page.eval_on_selector_all(
        "#changes li", "items => items.map(i => i.textContent.replace(/\\s+/g, ' ').trim())")
    return items


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def test_the_index_lists_pathways_and_opens_one_with_its_whole_timeline(
        page: Page, server: Server, screenshots: Path) -> None:
    page.goto(f"{server.base}/audit")
    expect(page.locator("h1")).to_have_text("Audit a pathway")
    page.screenshot(path=screenshots / "audit-index.png", full_page=True)
    first = page.locator("#pathways tbody th a").first
    pathway = first.inner_text()

    first.click()
    page.wait_for_function("() => document.body.dataset.stepsLoaded === 'true'",
                           timeout=WAIT_MS)

    history = server.get(f"/audit/pathways/{pathway}/history").json()
    rows = page.locator("#timeline tbody tr")
    expect(rows).to_have_count(len(history["events"]))
    assert shown_version(page) == history["latest_version"]
    first_row = rows.first.locator("td")
    assert first_row.nth(0).inner_text() == history["events"][0]["type"]


def test_the_slider_steps_through_versions_showing_the_state_as_of_each(
        page: Page, server: Server, screenshots: Path) -> None:
    pathway, latest = a_long_pathway(server)
    open_pathway(page, server, pathway)
    assert shown_version(page) == latest

    page.focus("#version")
    page.keyboard.press("Home")
    for _ in range(4):
        page.keyboard.press("ArrowRight")

    assert shown_version(page) == 5
    as_of = server.get(f"/audit/pathways/{pathway}/as-of", version="5").json()
    assert shown_state(page) == {name: as_text(value) for name, value in as_of["state"].items()}
    step = server.get(f"/audit/pathways/{pathway}/steps", after="4", limit="1").json()
    event = step["steps"][0]["event"]
    expect(page.locator("#step-summary")).to_contain_text(f"Version 5 of {latest}")
    valuetext = page.get_attribute("#version", "aria-valuetext") or ""
    assert valuetext.startswith(f"Version 5 of {latest}: {event['type']}")
    expect(page.locator("#timeline tr[aria-current='true']")).to_have_id("v5")
    assert page.url.endswith("version=5")
    page.screenshot(path=screenshots / "audit-pathway.png", full_page=True)


def test_buttons_and_timeline_links_step_too(page: Page, server: Server) -> None:
    pathway, _ = a_long_pathway(server)
    open_pathway(page, server, pathway, version=10)

    page.click("#step-next")
    assert shown_version(page) == 11
    page.click("#step-prev")
    page.click("#step-prev")
    assert shown_version(page) == 9
    page.click("#timeline a[data-version='3']")
    assert shown_version(page) == 3
    expect(page.locator("#timeline tr[aria-current='true']")).to_have_id("v3")
    assert page.evaluate("document.activeElement.id") == "version"
    expect(page.locator("#step-summary")).to_contain_text("Version 3 of")


def test_stepping_shows_what_the_server_renders_without_a_script(
        page: Page, browser: Browser, server: Server) -> None:
    pathway, _ = a_long_pathway(server)
    open_pathway(page, server, pathway, version=1)
    page.focus("#version")
    for _ in range(11):
        page.keyboard.press("ArrowRight")
    assert shown_version(page) == 12
    stepped = (shown_changes(page), shown_state(page))

    context = browser.new_context(java_script_enabled=False)
    try:
        plain = context.new_page()
        server.sign_in(plain, "auditor", "auditor-browser", purpose="browser audit")
        plain.goto(f"{server.base}/audit?pathway={pathway}&version=12")
        rendered = (shown_changes(plain), shown_state(plain))
        assert plain.is_visible("#step-show")
        assert plain.is_hidden("#step-next")
    finally:
        context.close()
    assert stepped == rendered


@pytest.mark.parametrize("name", ["index", "pathway", "unknown"])
def test_axe_core_finds_no_serious_or_critical_violation(page: Page, server: Server,
                                                        screenshots: Path, name: str) -> None:
    if name == "index":
        page.goto(f"{server.base}/audit")
    elif name == "pathway":
        pathway, _ = a_long_pathway(server)
        open_pathway(page, server, pathway, version=6)
    else:
        page.goto(f"{server.base}/audit?pathway=00000000-0000-0000-0000-000000000000")
        expect(page.locator("[role='alert']")).to_contain_text("names no pathway")
    found = scan(page, screenshots / f"axe-audit-{name}.json")
    assert not found.blocking(), "\n".join(found.blocking())
    assert found.passes > 0


def test_the_keyboard_alone_reaches_the_stepper_and_every_version(
        page: Page, server: Server, screenshots: Path) -> None:
    pathway, latest = a_long_pathway(server)
    open_pathway(page, server, pathway, version=5)  # both step buttons enabled
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")

    reached = []
    for _ in range(latest + 20):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(
            "() => { const e = document.activeElement;"
            " return {id: e.id, version: e.dataset ? e.dataset.version || '' : '',"
            " tag: e.tagName, outline: getComputedStyle(e).outlineStyle}; }"))
    ids = {r["id"] for r in reached}
    assert {"version", "step-prev", "step-next"} <= ids, reached
    assert {r["version"] for r in reached} >= {str(v) for v in range(1, latest + 1)}
    unmarked = [r for r in reached if r["outline"] == "none" and r["tag"] != "BODY"]
    assert not unmarked, f"focus is not visible on {unmarked}"
    page.focus("#version")
    page.screenshot(path=screenshots / "audit-keyboard-focus.png")


def test_the_page_loads_nothing_from_elsewhere(page: Page, server: Server) -> None:
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(server.base) else None)
    pathway, _ = a_long_pathway(server)
    open_pathway(page, server, pathway)
    assert outside == []
    assert "default-src 'self'" in server.get("/audit").headers["Content-Security-Policy"]


def test_the_state_on_a_clinical_date_is_the_as_of_endpoints(page: Page, server: Server,
                                                             screenshots: Path) -> None:
    pathway, _ = a_long_pathway(server)
    events = server.get(f"/audit/pathways/{pathway}/history").json()["events"]
    day = events[len(events) // 2]["occurred_at"][:10]
    open_pathway(page, server, pathway)

    page.select_option("#as-of-axis", "clinical")
    page.fill("#as-of-at", day)
    page.focus("#as-of-at")
    page.keyboard.press("Enter")
    page.wait_for_selector("#as-of-state")

    expected = server.get(f"/audit/pathways/{pathway}/as-of", occurred_at=day).json()
    rows: dict[str, str] = page.eval_on_selector_all(
        "#as-of-state tbody tr", "rows => Object.fromEntries(rows.map("
        "r => [...r.cells].map(c => c.textContent.trim())))")
    assert rows == {name: as_text(value) for name, value in expected["state"].items()}
    expect(page.locator("#as-of-summary")).to_contain_text(
        f"version {expected['version']} of {expected['latest_version']}")
    found = scan(page, screenshots / "axe-audit-as-of.json")
    assert not found.blocking(), "\n".join(found.blocking())
    page.locator("#as-of").screenshot(path=screenshots / "audit-as-of.png")


def test_the_index_asks_for_the_purpose_and_each_read_is_in_the_access_log(
        browser: Browser, server: Server) -> None:
    pathway, _ = a_long_pathway(server)
    context = browser.new_context()
    page = context.new_page()
    try:
        server.sign_in(page, "auditor", "auditor-purpose")  # no purpose stated yet
        page.goto(f"{server.base}/audit?pathway={pathway}")
        expect(page.get_by_role("alert")).to_contain_text("State the purpose")
        expect(page.get_by_label("Purpose of this review")).to_have_attribute(
            "aria-invalid", "true")
        page.get_by_label("Purpose of this review").fill("complaint 4411")
        page.get_by_label("Purpose of this review").press("Enter")
        page.wait_for_function("() => document.body.dataset.stepsLoaded === 'true'",
                               timeout=WAIT_MS)
        expect(page.locator("#purpose-shown")).to_contain_text("complaint 4411")
    finally:
        context.close()
    entries = server.get("/access-log", pathway_id=pathway, actor="auditor-purpose").json()
    assert {entry["purpose"] for entry in entries["entries"]} == {"complaint 4411"}
    assert {entry["action"] for entry in entries["entries"]} == {"read-history"}


def a_demo_group(server: Server) -> tuple[str, dict[str, Any]]:
    """A demo group with an absence recorded: its id and the session with the absence."""
    for listed in server.get("/groups", limit="100").json()["items"]:
        history = server.get(f"/audit/groups/{listed['id']}/history").json()["events"]
        for event in history:
            if event["type"] == "GroupSessionHeld" and not all(
                    a["present"] for a in event["data"]["attendance"]):
                return str(listed["id"]), event
    raise AssertionError("the demo has no group session with an absent member")


def test_a_members_group_session_opens_the_groups_page_and_back(
        page: Page, server: Server, screenshots: Path) -> None:
    group, session = a_demo_group(server)
    number = session["data"]["number"]
    absent = next(a for a in session["data"]["attendance"] if not a["present"])
    open_pathway(page, server, absent["pathway_id"])

    link = page.locator("#timeline a.group-session", has_text=f"group session {number}")
    expect(link).to_have_count(1)
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/audit?group={group}#session-{number}")

    expect(page.locator("h1")).to_have_text(f"Group {group}")
    expect(page.locator(f"#session-{number}")).to_be_in_viewport()
    history = server.get(f"/audit/groups/{group}/history").json()
    expect(page.locator("#timeline tbody tr")).to_have_count(len(history["events"]))
    row = page.locator(f"#v{session['version']}")
    reason = (absent["absence"] or "no_show").replace("_", " ")
    expect(row).to_contain_text(f"absent ({reason})")
    page.screenshot(path=screenshots / "audit-group.png", full_page=True)
    found = scan(page, screenshots / "axe-audit-group.json")
    assert not found.blocking(), "\n".join(found.blocking())
    assert found.passes > 0

    row.get_by_role("link", name=absent["pathway_id"][:8]).click()
    page.wait_for_function("() => document.body.dataset.stepsLoaded === 'true'",
                           timeout=WAIT_MS)
    expect(page.locator("h1")).to_contain_text(absent["pathway_id"])


def test_the_groups_state_after_a_version_is_the_as_of_endpoints(
        page: Page, server: Server) -> None:
    group, session = a_demo_group(server)
    page.goto(f"{server.base}/audit?group={group}")

    page.get_by_label("Version (1 to").fill(str(session["version"]))
    page.get_by_label("Version (1 to").press("Enter")
    page.wait_for_url(f"**version={session['version']}#version-panel")

    expected = server.get(f"/audit/groups/{group}/as-of", version=str(session["version"]))
    rows: dict[str, str] = page.eval_on_selector_all(
        "#state tbody tr", "rows => Object.fromEntries(rows.map("
        "r => [...r.cells].map(c => c.textContent.trim())))")
    assert rows == {name: as_text(value) for name, value in expected.json()["state"].items()}
    expect(page.locator("#version-summary")).to_contain_text(
        f"Version {session['version']} of")
    expect(page.locator("#timeline tr[aria-current='true']")).to_have_id(
        f"v{session['version']}")
