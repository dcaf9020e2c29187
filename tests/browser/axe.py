"""An axe-core scan of the page in the browser, with the axe-core that axe-playwright-python
bundles (read from the installed package: nothing is fetched)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

BLOCKING = frozenset({"serious", "critical"})


@cache
def axe_script() -> str:
    spec = find_spec("axe_playwright_python")
    assert spec is not None, "axe-playwright-python is not installed"
    assert spec.submodule_search_locations
    return (Path(next(iter(spec.submodule_search_locations))) / "axe.min.js").read_text()


@dataclass(frozen=True)
class Scan:
    violations: list[dict[str, Any]]
    passes: int
    version: str

    def by_impact(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for violation in self.violations:
            found.setdefault(str(violation.get("impact")), []).append(str(violation["id"]))
        return found

    def blocking(self) -> list[str]:
        return [f"{v['id']} ({v['impact']}): {v['help']} at"
                f" {[node['target'] for node in v['nodes']][:5]}"
                for v in self.violations if v.get("impact") in BLOCKING]


def scan(page: Page, report: Path | None = None) -> Scan:
    """Run axe-core on the whole page (WCAG 2.x A/AA and best practices)."""
    page.evaluate(axe_script())
    results: dict[str, Any] = page.evaluate(
        "axe.run(document, {resultTypes: ['violations', 'passes']})")
    found = Scan(violations=results["violations"], passes=len(results["passes"]),
                 version=str(results["testEngine"]["version"]))
    if report is not None:
        report.write_text(json.dumps({"url": page.url, "axe": found.version,
                                      "rules_passed": found.passes,
                                      "violations": found.violations}, indent=2))
    return found
