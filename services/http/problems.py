"""Every refusal as RFC 9457 ``application/problem+json``: type, title, status, detail, instance.

Clinical refusals keep their rule id (``IPT-xx``) as an extension member, because rule ids are
a public contract; field errors are listed as ``errors: [{field, reason}]`` with paths such as
``body.items[3]`` or ``header.Idempotency-Key``. Submitted values are never echoed back: they may
be PHI, huge, or not representable in JSON (NaN).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from services.errors import StoreUnavailable
from services.problems import KNOWN, REASON_HINT, TYPE_PREFIX, field_errors, problem_of

PROBLEM_JSON = "application/problem+json"
__all__ = ["PROBLEM_JSON", "REASON_HINT", "TYPE_PREFIX", "BadRequestField", "field_path",
           "install", "problem"]

log = logging.getLogger("carepath.http")


class BadRequestField(Exception):
    """A header or field the framework could not check by itself (e.g. If-Match syntax)."""

    def __init__(self, field: str, reason: str, status: int = 400,
                 slug: str = "invalid-request") -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.status = status
        self.slug = slug


def problem(request: Request, status: int, slug: str, title: str, detail: str, *,
            headers: Mapping[str, str] | None = None, **extensions: Any) -> JSONResponse:
    body = {"type": TYPE_PREFIX + slug, "title": title, "status": status, "detail": detail,
            "instance": request.url.path, **extensions}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def field_path(loc: Sequence[int | str]) -> str:
    """``("body", "items", 3)`` -> ``body.items[3]``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


_errors = field_errors


# ----- handlers ----------------------------------------------------------------------------

def refusal(request: Request, exc: Exception) -> JSONResponse:
    """An application-layer refusal as its problem document (the fast path answers these)."""
    return _known(request, exc)


def _known(request: Request, exc: Exception) -> JSONResponse:
    """An application-layer refusal, described once for every edge (``services.problems``)."""
    details = problem_of(exc)
    if details is None:  # registered only for the classes problem_of describes
        return _unexpected(request, exc)
    if isinstance(exc, StoreUnavailable):
        log.warning("503 on %s %s: %s", request.method, request.url.path, exc.reason)
    return JSONResponse(details.body(request.url.path), status_code=details.status,
                        media_type=PROBLEM_JSON, headers=details.headers or None)


def _request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    items = list(exc.errors())
    if any(item.get("type") == "json_invalid" for item in items):
        reason = next(str(item.get("ctx", {}).get("error", "invalid JSON")) for item in items)
        return problem(request, 400, "malformed-json", "The body is not valid JSON", reason,
                       errors=_errors([("body", reason)]))
    pairs = [(field_path(item["loc"]), str(item["msg"])) for item in items]
    detail = "; ".join(f"{field}: {reason}" for field, reason in pairs[:3])
    return problem(request, 422, "invalid-request", "The request is not valid", detail,
                   errors=_errors(pairs))


_FIELD_TITLES = {
    "not-utf8": "The body is not UTF-8",
    "malformed-json": "The body is not valid JSON",
    "duplicate-key": "A JSON member appears twice",
    "unsupported-media-type": "The body is not JSON",
}


def _bad_field(request: Request, exc: BadRequestField) -> JSONResponse:
    title = _FIELD_TITLES.get(exc.slug, "The request is not valid")
    return problem(request, exc.status, exc.slug, title, f"{exc.field}: {exc.reason}",
                   errors=_errors([(exc.field, exc.reason)]))


_HTTP_TYPES = {
    400: ("bad-request", "Bad request"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("content-too-large", "Content too large"),
}


def _allowed_methods(request: Request, fallback: str) -> str:
    """Every method the API documents at this path (the router names only one route's)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)), request.url.path):
            methods |= {method.upper() for method in operations}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods)) or fallback


def _http(request: Request, exc: HTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else "The request cannot be served."
    slug, title = _HTTP_TYPES.get(exc.status_code, ("http-error", "The request cannot be served"))
    headers = dict(exc.headers or {})
    if exc.status_code == 405:  # noqa: PLR2004 (the status is the name)
        headers["Allow"] = _allowed_methods(request, headers.get("Allow", ""))
        detail = f"{request.method} is not served here; allowed: {headers['Allow']}."
    return problem(request, exc.status_code, slug, title, detail, headers=headers)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    correlation_id = str(getattr(request.state, "correlation_id", ""))
    log.error("unexpected error on %s %s (correlation id %s)", request.method,
              request.url.path, correlation_id, exc_info=exc)
    return problem(request, 500, "internal-error", "Internal error",
                   "The server failed on this request: a fault in the service, not in the"
                   f" request. It was logged with correlation id {correlation_id}; quote it"
                   " when reporting the problem.", correlation_id=correlation_id,
                   # Why: this handler runs outside the middleware that echoes the id.
                   headers={"X-Correlation-Id": correlation_id})


_HANDLERS: tuple[tuple[type[Exception], Callable[[Request, Any], JSONResponse]], ...] = (
    *((kind, _known) for kind, _ in KNOWN),
    (RequestValidationError, _request_validation),
    (BadRequestField, _bad_field),
    (HTTPException, _http),
    (Exception, _unexpected),
)


def install(app: FastAPI) -> None:
    for exc_class, handler in _HANDLERS:
        app.add_exception_handler(exc_class, handler)
