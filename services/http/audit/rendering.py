"""The audit pages' templates (Jinja, autoescaped) and how a page is answered: with the
dashboard's security headers."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from services.audit.formatting import rules, value, when
from services.http.dashboard.pages import SECURITY_HEADERS


@cache
def _templates() -> Environment:
    environment = Environment(loader=PackageLoader("services.http.audit", "templates"),
                              autoescape=select_autoescape(["html"]), trim_blocks=True,
                              lstrip_blocks=True)
    environment.filters.update(when=when, rules=rules, value=value)
    return environment


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    page = _templates().get_template(name).render(**context)
    return HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)
