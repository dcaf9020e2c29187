"""The clinic dashboard in a real headless Chromium, against ``carepath serve --demo``.

Each test opens the page as a clinic manager would: the demo caseload's numbers in every
panel, filters that change every panel, a safety flag recorded through the API showing up
without a reload, no serious or critical axe-core violation on any page, and every control
and panel reachable with the keyboard alone. Screenshots land in ``tests/browser/screenshots``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import scan
from tests.browser.conftest import Server
from tests.browser.groups import SeededGroup, seed_group

pytestmark = pytest.mark.slow

WAIT_MS = 30_000
FILTER_CONTROLS = ("f-therapist", "f-protocol", "f-since", "f-until")


@pytest.fixture(scope="module", autouse=True)
def group(server: Server) -> SeededGroup:
    """A running group recorded through the API (tests/browser/groups.py), so the Groups
    panel has a group, attendance and members to show (and a filter to change them)."""
    return seed_group(server)


@pytest.fixture(autouse=True)
def signed_in_as_ops(page: Page, server: Server) -> None:
    """The dashboard's reader: ops, who sees every therapist's codes and counts."""
    server.sign_in(page, "ops", "ops-browser")


def open_dashboard(page: Page, server: Server, query: str = "") -> list[str]:
    """Open the page and wait until every panel shows a built read model; its panel ids."""
    page.goto(f"{server.base}/ops/dashboard{query}")
    # Functions, not expressions: the page's Content-Security-Policy forbids eval.
    page.wait_for_function("() => Number(document.body.dataset.refreshes || 0) >= 1",
                           timeout=WAIT_MS)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.panel')].every(p => p.dataset.ready === 'true')",
        timeout=WAIT_MS)
    ids: list[str] = page.eval_on_selector("#panels", "el => el.dataset.panels.split(' ')")
    assert ids, "the page shows no panel"
    return ids


def tables_text(page: Page, panel: str) -> list[list[list[str]]]:
    """Every table of a panel as rows of cell texts (the header row first)."""
    tables: list[list[list[str]]] = page.eval_on_selector(
        f"#panel-{panel}",
        "p => [...p.querySelectorAll('table')].map(t => [...t.rows].map("
        "r => [...r.cells].map(c => c.textContent.trim())))")
    return tables


def panel_json(server: Server, panel: str, **filters: str) -> dict[str, Any]:
    answer = server.get(f"/ops/dashboard/{panel}", **filters)
    assert answer.status_code == httpx.codes.OK, answer.text
    body: dict[str, Any] = answer.json()
    return body


def as_text(value: Any) -> str:
    if isinstance(value, dict):
        return str(value["text"])
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # as JavaScript writes a number
    return "\u2013" if value is None else str(value)  # the page's dash for "none"


def expected_tables(body: dict[str, Any]) -> list[list[list[str]]]:
    """A panel's JSON tables as the page must show them (header row, then the rows)."""
    shown = []
    for table in body["tables"]:
        rows = [[as_text(v) for v in row] for row in table["rows"]]
        if not rows:
            rows = [["None for these filters."]]
        shown.append([list(table["columns"]), *rows])
    return shown


AGE = re.compile(r"\b\d+ (d|h|min)\b")
"""An age the server words from its clock (``23 h 42 min``): a minute may tick between the
page's request and the test's."""


def any_age(text: str) -> re.Pattern[str]:
    """``text`` as a pattern in which each age may be any number of its units."""
    pattern, at = [], 0
    for found in AGE.finditer(text):
        pattern += [re.escape(text[at:found.start()]), rf"\d+ {found.group(1)}"]
        at = found.end()
    return re.compile("^" + "".join([*pattern, re.escape(text[at:])]) + "$")


def ageless(tables: list[list[list[str]]]) -> list[list[list[str]]]:
    return [[[AGE.sub(r"<n> \1", cell) for cell in row] for row in table] for table in tables]


def test_the_page_shows_the_demo_caseload_in_every_panel_with_a_chart_and_its_table(
        page: Page, server: Server, screenshots: Path) -> None:
    panels = open_dashboard(page, server)
    for panel in panels:
        body = panel_json(server, panel)
        assert body["ready"], panel
        section = page.locator(f"#panel-{panel}")
        expect(section.locator(".panel-summary")).to_have_text(any_age(body["summary"]))
        if body["chart"] is not None:
            chart = section.locator(".chart")
            expect(chart.locator(".main-svg").first).to_be_attached()
            traces = chart.evaluate("el => el.data ? el.data.length : 0")
            assert traces >= 1, f"{panel}: no trace drawn"
            drawn = chart.evaluate(
                "el => el.querySelectorAll('.trace, .point, .bars path').length")
            assert drawn > 0, f"{panel}: the chart has no marks"
            # The chart is an image with a name, described by the panel's sentence.
            assert chart.get_attribute("role") == "img"
            assert chart.get_attribute("aria-label")
            assert chart.get_attribute("aria-describedby") == f"panel-{panel}-summary"
        assert ageless(tables_text(page, panel)) == ageless(expected_tables(body)), panel
        assert any(table["rows"] for table in body["tables"]), f"{panel}: no numbers"
    page.screenshot(path=screenshots / "dashboard.png", full_page=True)


def test_the_groups_panel_shows_each_group_its_attendance_and_its_members_outcomes(
        page: Page, server: Server, group: SeededGroup, screenshots: Path) -> None:
    open_dashboard(page, server)
    section = page.locator("#panel-groups")
    expect(section.get_by_role("heading", level=2, name="Groups", exact=True)).to_be_visible()
    body = panel_json(server, "groups")
    assert tables_text(page, "groups") == expected_tables(body)
    code = group.id[:8]
    groups, sessions, members = tables_text(page, "groups")
    assert [f"Group {code}", "running", "t-group", "6", "0", "3 of 8"] == next(
        row for row in groups if row[0] == f"Group {code}")[:6]
    assert [f"Group {code}, session 3", "5", "0", "1"] == [
        next(row for row in sessions if row[0] == f"Group {code}, session 3")[i]
        for i in (0, 2, 3, 4)]
    held_out = next(row for row in members if row[0] == group.members[2][:8])
    assert held_out[1:6] == [f"Group {code}", "member", "2", "0", "1"]
    absent_once = next(row for row in members if row[0] == group.members[1][:8])
    assert absent_once[3:8] == ["2", "1", "0", "Middle", "5"]
    # Tables a screen reader can walk: a caption, column headers, each row named by its first.
    captions = section.locator("table caption")
    expect(captions).to_have_count(3)
    assert section.locator("thead th[scope='col']").count() == sum(
        len(table["columns"]) for table in body["tables"])
    assert section.locator("tbody th[scope='row']").count() == sum(
        len(table["rows"]) for table in body["tables"])
    summary = section.locator("details > summary")
    summary.focus()
    page.keyboard.press("Enter")  # the keyboard closes (and opens) the tables
    expect(section.locator("details")).not_to_have_attribute("open", "")
    page.keyboard.press("Enter")
    expect(section.locator("details")).to_have_attribute("open", "")
    section.screenshot(path=screenshots / "dashboard-groups.png")


def test_the_page_names_no_client(page: Page, server: Server) -> None:
    open_dashboard(page, server)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    text = page.inner_text("body")
    assert "client-" not in text
    assert "client_ref" not in page.content()


def test_a_filter_changes_what_every_panel_shows(page: Page, server: Server,
                                                  screenshots: Path) -> None:
    panels = open_dashboard(page, server)
    before = {panel: tables_text(page, panel) for panel in panels}
    refreshes = int(page.eval_on_selector("body", "b => b.dataset.refreshes"))
    page.select_option("#f-protocol", "ipt-a")
    page.wait_for_function("n => Number(document.body.dataset.refreshes) > n", arg=refreshes,
                           timeout=WAIT_MS)
    assert "protocol=ipt-a" in page.url
    expect(page.locator("#showing")).to_contain_text("protocol ipt-a")
    for panel in panels:
        after = tables_text(page, panel)
        assert after == expected_tables(panel_json(server, panel, protocol="ipt-a")), panel
        assert after != before[panel], f"{panel}: the filter changed nothing"
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.screenshot(path=screenshots / "dashboard-filtered-ipt-a.png", full_page=True)


def test_a_filtered_address_opens_with_its_filters_applied(page: Page, server: Server) -> None:
    panels = open_dashboard(page, server, "?protocol=dit")
    expect(page.locator("#f-protocol")).to_have_value("dit")
    for panel in panels:
        assert tables_text(page, panel) == expected_tables(
            panel_json(server, panel, protocol="dit")), panel


def _record_flag_through_the_api(server: Server) -> str:
    """Open a pathway for a therapist of its own and raise an urgent flag on it."""
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    with httpx.Client(base_url=server.base, headers=server.headers("therapist", "t-browser"),
                      timeout=10) as client:
        opened = client.post("/pathways", json={
            "occurred_at": at.isoformat(), "client_ref": "client-browser", "client_age": 40,
            "therapist_id": "t-browser", "protocol": "ipt",
            "referral_date": at.date().isoformat()})
        assert opened.status_code == httpx.codes.CREATED, opened.text
        location = opened.headers["Location"]
        flagged = client.post(f"{location}/safety-flags", json={
            "occurred_at": (at + timedelta(minutes=30)).isoformat(), "tier": "urgent"})
        assert flagged.status_code == httpx.codes.CREATED, flagged.text
    return location.rsplit("/", 1)[-1]


def test_a_safety_flag_recorded_through_the_api_appears_without_a_reload(
        page: Page, server: Server, screenshots: Path) -> None:
    panels = open_dashboard(page, server)
    expect(page.locator("#connection")).to_have_text("Live updates: on", timeout=WAIT_MS)
    page.evaluate("window.stillTheSamePage = true")
    _record_flag_through_the_api(server)

    caseload = page.locator("#panel-caseload table", has_text="Overdue items")
    expect(caseload.locator("tr", has_text="t-browser")).to_have_count(1, timeout=WAIT_MS)
    row = caseload.locator("tr", has_text="t-browser").evaluate(
        "tr => [...tr.cells].map(c => c.textContent.trim())")
    assert row == ["t-browser", "0", "0", "1"]
    if "safety" in panels:
        safety = page.locator("#panel-safety table").first
        expect(safety.locator("tr", has_text="t-browser")).to_have_count(1, timeout=WAIT_MS)
    assert page.evaluate("window.stillTheSamePage === true"), "the page was reloaded"
    expect(page.locator("#live-status")).to_contain_text("updated", timeout=WAIT_MS)
    page.screenshot(path=screenshots / "dashboard-after-live-update.png", full_page=True)


PAGES = {"dashboard": "", "rules": "/rules", "refused-filter": "?protocol=homeopathy"}
SHOTS = {"dashboard": "dashboard-all-tables", "rules": "rules",
         "refused-filter": "dashboard-refused-filter"}


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_core_finds_no_serious_or_critical_violation(page: Page, server: Server,
                                                        screenshots: Path, name: str) -> None:
    path = f"/ops/dashboard{PAGES[name]}"
    if name != "rules":
        open_dashboard(page, server, PAGES[name])
        # Scan the tables too, not only the charts: open every "numbers" disclosure.
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    else:
        page.goto(f"{server.base}{path}")
    page.screenshot(path=screenshots / f"{SHOTS[name]}.png", full_page=True)
    found = scan(page, screenshots / f"axe-{name}.json")
    assert not found.blocking(), "\n".join(found.blocking())
    assert found.passes > 0


def _tab_through(page: Page, presses: int) -> list[dict[str, str]]:
    reached = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(
            "() => { const e = document.activeElement; const s = e.closest('section');"
            " return {id: e.id, tag: e.tagName, text: (e.textContent || '').trim().slice(0, 40),"
            " panel: s ? s.dataset.panel || '' : '',"
            " outline: getComputedStyle(e).outlineStyle}; }"))
    return reached


def test_the_keyboard_alone_reaches_the_filters_and_every_panel(
        page: Page, server: Server, screenshots: Path) -> None:
    panels = open_dashboard(page, server)
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.className")
    assert first == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    reached = _tab_through(page, 60)
    ids = {r["id"] for r in reached}
    assert set(FILTER_CONTROLS) <= ids, reached
    assert {r["panel"] for r in reached} >= set(panels), reached
    # Past the last control the browser's own UI takes focus (the body, here): not the page's.
    unmarked = [r for r in reached if r["outline"] == "none" and r["tag"] != "BODY"]
    assert not unmarked, f"focus is not visible on {unmarked}"

    page.focus("#f-protocol")
    page.screenshot(path=screenshots / "dashboard-keyboard-focus.png")


def test_a_deviation_links_to_its_rule_sentence(page: Page, server: Server) -> None:
    panels = open_dashboard(page, server)
    assert "fidelity" in panels
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    link = page.locator("#panel-fidelity a[href^='/ops/dashboard/rules#IPT-']").first
    rule = (link.get_attribute("href") or "").rsplit("#", 1)[-1]
    link.click()
    page.wait_for_url(f"**/ops/dashboard/rules#{rule}")
    expect(page.locator(f"tr[id='{rule}'] th")).to_have_text(rule)


def test_the_scripts_and_styles_come_from_the_service_itself(page: Page,
                                                              server: Server) -> None:
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(server.base) else None)
    open_dashboard(page, server)
    assert outside == []
    policy = server.get("/ops/dashboard").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy


def test_the_page_asks_for_a_token_and_signs_in_with_the_keyboard_alone(
        browser: Browser, server: Server, screenshots: Path) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"{server.base}/ops/dashboard?protocol=dit")
        page.wait_for_url("**/login?**")
        expect(page.get_by_label("Bearer token")).to_be_focused()
        found = scan(page, screenshots / "axe-login.json")
        assert not found.blocking(), "\n".join(found.blocking())
        page.keyboard.type("not-a-token")
        page.keyboard.press("Enter")
        expect(page.get_by_role("alert")).to_contain_text("not a well-formed")
        expect(page.get_by_label("Bearer token")).to_have_attribute("aria-invalid", "true")
        page.get_by_label("Bearer token").fill(server.token("therapist", "t-amara"))
        page.keyboard.press("Enter")
        page.wait_for_url("**/ops/dashboard?protocol=dit")
        expect(page.locator("#f-therapist")).to_have_value("t-amara")  # their own caseload
        expect(page.locator(".signed-in")).to_contain_text("t-amara (therapist)")
        page.screenshot(path=screenshots / "dashboard-signed-in-therapist.png")
        page.get_by_role("button", name="Sign out").press("Enter")
        page.wait_for_url("**/login")
    finally:
        context.close()
