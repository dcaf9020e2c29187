"""The documents as pages: ``/docs`` (Swagger UI) over the OpenAPI document, ``/asyncapi``
over the AsyncAPI document, every file served by the service itself.

Swagger UI runs from the vendored copy (``assets``); the AsyncAPI page is rendered
whole by the server (``asyncapi_view``), no script at all: it reads with the keyboard and a
screen reader like the other pages, and there is no "try it out" that could publish to the
real broker. Each page's Content-Security-Policy allows nothing from elsewhere.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from services.http.broker import broker_edge
from services.http.dashboard.assets import asset_url as dashboard_asset
from services.http.docs.assets import asset_url
from services.http.docs.asyncapi_view import reference

router = APIRouter()
_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache"}
VIEWER_HEADERS = {
    # Swagger UI sets inline styles and draws icons as data: images; scripts, the document and
    # everything else come from this service alone.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'"
    " 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none';"
    " base-uri 'none'; form-action 'self'",
    **_HEADERS}
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self';"
    " frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    **_HEADERS}


@cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("services.http.docs", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)


def render(name: str, headers: dict[str, str], **context: Any) -> HTMLResponse:
    page = _templates().get_template(name).render(asset=asset_url, **context)
    return HTMLResponse(page, headers=headers)


def _openapi_url(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}{request.app.openapi_url}"


@router.get("/docs", include_in_schema=False)
def swagger_ui(request: Request) -> HTMLResponse:
    return render("swagger.html", VIEWER_HEADERS, title=request.app.title,
                  openapi_url=_openapi_url(request))


@router.get("/asyncapi", include_in_schema=False)
def asyncapi(request: Request) -> HTMLResponse:
    """The AsyncAPI document of the broker this service is configured with, as a page."""
    document = broker_edge(request).specification(request.app.version).to_jsonable()
    return render("asyncapi.html", PAGE_HEADERS, ref=reference(document),
                  dashboard_css=dashboard_asset("dashboard.css"))
