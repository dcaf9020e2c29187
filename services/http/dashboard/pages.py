"""The dashboard's pages: ``/ops/dashboard`` (the panels) and ``/ops/dashboard/rules``.

The page is a shell the script fills from the JSON endpoints; its filter form also works as
a plain GET form, so a filtered page has an address to bookmark or send.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from domain.protocols import ACUTE_PROTOCOLS, CURRENT_VERSION, MAINTENANCE_PROTOCOLS
from services.composition import Container
from services.http.auth.granted import Granted
from services.http.dashboard.assets import PLOTLY, asset_url
from services.http.dashboard.choices import therapists
from services.http.dashboard.filters import Filters, parse, within_caseload
from services.http.dashboard.panels import PANELS
from services.http.dashboard.rules import RULES
from services.http.dashboard.urls import PREFIX
from services.http.headers import granted_of
from services.http.problems import BadRequestField

router = APIRouter(prefix=PREFIX)
KINDS = {"H": "hard: the command is refused", "S": "soft: accepted with a reason, recorded as a"
         " deviation", "C": "the number comes from the protocol table",
         "C/H": "hard, with the number from the protocol table",
         "C/S": "soft, with the number from the protocol table"}
SECURITY_HEADERS = {
    # Plotly sets inline styles on the elements it draws; nothing else is inline.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'"
    " 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none';"
    " base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("services.http.dashboard", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)


def _version() -> str:
    try:
        return version("carepath")
    except PackageNotFoundError:
        return "0.0.0"


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    page = _templates().get_template(name).render(
        version=_version(), css_url=asset_url("dashboard.css"), **context)
    return HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)


def protocol_choices() -> list[tuple[str, str]]:
    titles = {key[0]: p.title for key, p in ACUTE_PROTOCOLS.items()}
    titles |= {key[0]: "Maintenance IPT" for key in MAINTENANCE_PROTOCOLS}
    return [(protocol, titles.get(protocol, protocol)) for protocol in CURRENT_VERSION]


def showing(chosen: Filters) -> str:
    """The filters in words, for everyone (not only for those who can see the form)."""
    dates = ("all dates" if not (chosen.since or chosen.until) else
             f"from {chosen.since or 'the start'} to {chosen.until or 'today'}")
    whom = (f"therapist {chosen.therapist}" if chosen.therapist else
            f"your caseload ({', '.join(chosen.team)})" if chosen.team else "all therapists")
    return (f"Showing {whom},"
            f" {f'protocol {chosen.protocol}' if chosen.protocol else 'all protocols'}, {dates}.")


@router.get("", include_in_schema=False, response_class=HTMLResponse)
def dashboard(request: Request) -> HTMLResponse:
    """Sync: the therapist choices come from the read store (a worker thread, not the loop)."""
    query = request.query_params
    error, status = None, 200
    try:
        chosen = parse(query.get("therapist"), query.get("protocol"), query.get("since"),
                       query.get("until"))
    except BadRequestField as refused:
        chosen, error, status = Filters(), f"{refused.field}: {refused.reason}.", 400
    granted = granted_of(request)
    chosen = within_caseload(chosen, granted)
    caseload = (granted.principal.caseload if granted.principal is not None
                and granted.scope == "caseload" else None)
    container: Container = request.app.state.container
    return render(
        "dashboard.html", status, page="dashboard", filters=chosen, error=error,
        showing=showing(chosen), therapists=therapists(container, chosen.therapist, caseload),
        protocols=protocol_choices(), panels=PANELS, panel_ids=[p.id for p in PANELS],
        plotly_url=asset_url(PLOTLY), js_url=asset_url("dashboard.js"), who=who(granted))


@router.get("/rules", include_in_schema=False, response_class=HTMLResponse)
async def rules(request: Request) -> HTMLResponse:
    return render("rules.html", page="rules", rules=RULES, kinds=KINDS,
                  who=who(granted_of(request)))


def who(granted: Granted) -> str | None:
    """The signed-in reader, as the page's header shows them."""
    principal = granted.principal
    return None if principal is None else f"{principal.subject} ({principal.role})"
