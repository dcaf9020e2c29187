"""Every refusal as RFC 9457 ``application/problem+json``: type, title, status, detail, instance.

Clinical refusals keep their rule id (``IPT-xx``) as an extension member, because rule ids are
a public contract; field errors are listed as ``errors: [{field, reason}]`` with paths such as
``body.items[3]`` or ``header.X-Actor-Id``. Submitted values are never echoed back: they may
be PHI, huge, or not representable in JSON (NaN).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from domain.errors import InvalidCommand, ReasonRequired, RuleViolation
from services.errors import (
    ConcurrencyConflict,
    IdempotencyKeyReused,
    PathwayNotFound,
    ReadModelBehind,
    StoreUnavailable,
    VersionMismatch,
    VersionNotFound,
)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:carepath:problem:"
MAX_LISTED_ERRORS = 50
REASON_HINT = ("This command accepts a `reason`: send it again with one to record each rule"
               " above as a deviation.")

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


def _errors(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"field": field, "reason": reason} for field, reason in pairs][:MAX_LISTED_ERRORS]


# ----- handlers ----------------------------------------------------------------------------

def _reason_required(request: Request, exc: ReasonRequired) -> JSONResponse:
    deviations = [{"rule": rule, "sentence": sentence} for rule, sentence in exc.deviations]
    return problem(request, 422, "reason-required", "A soft rule needs a reason", exc.sentence,
                   rule=exc.rule, deviations=deviations, hint=REASON_HINT)


def _rule_violation(request: Request, exc: RuleViolation) -> JSONResponse:
    return problem(request, 422, "rule-violation", "The command breaks a clinical rule",
                   exc.sentence, rule=exc.rule)


def _invalid_command(request: Request, exc: InvalidCommand) -> JSONResponse:
    field = exc.field if exc.field == "body" else f"body.{exc.field}"
    return problem(request, 422, "invalid-command", "A value is out of its domain",
                   f"{field}: {exc.reason}", errors=_errors([(field, exc.reason)]))


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


def _not_found(request: Request, exc: PathwayNotFound) -> JSONResponse:
    return problem(request, 404, "pathway-not-found", "No such pathway",
                   f"There is no pathway {str(exc.pathway_id)[:100]!r}.")


def _version_not_found(request: Request, exc: VersionNotFound) -> JSONResponse:
    return problem(request, 404, "version-not-found", "No such version",
                   f"The pathway has no version {exc.version}: the latest is {exc.latest}.",
                   latest=exc.latest)


def _version_mismatch(request: Request, exc: VersionMismatch) -> JSONResponse:
    return problem(request, 412, "version-mismatch", "The pathway has changed", str(exc),
                   headers={"ETag": f'"{exc.actual}"'}, expected=exc.expected, actual=exc.actual)


def _conflict(request: Request, exc: ConcurrencyConflict) -> JSONResponse:
    return problem(request, 409, "concurrency-conflict", "Concurrent changes", str(exc),
                   attempts=exc.attempts)


def _key_reused(request: Request, exc: IdempotencyKeyReused) -> JSONResponse:
    return problem(request, 422, "idempotency-key-reused",
                   "The idempotency key belongs to another request",
                   "This Idempotency-Key was already used for a different request; use a new"
                   " key for a new request, and the same key only to retry the same one.")


def _behind(request: Request, exc: ReadModelBehind) -> JSONResponse:
    return problem(request, 503, "read-model-behind", "The read model has not caught up yet",
                   f"The {exc.read_model} read model has applied the log up to position"
                   f" {exc.reached}, not yet {exc.position}; try again in {exc.retry_after} s.",
                   headers={"Retry-After": str(exc.retry_after)}, reached=exc.reached)


def _unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
    log.warning("503 on %s %s: %s", request.method, request.url.path, exc.reason)
    return problem(request, 503, "store-unavailable", "The event store is unavailable",
                   f"The pathways cannot be read or written now; try again in"
                   f" {exc.retry_after} s. Retrying a command with the same Idempotency-Key is"
                   " safe: it is recorded at most once.",
                   headers={"Retry-After": str(exc.retry_after)})


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
    (ReasonRequired, _reason_required),
    (RuleViolation, _rule_violation),
    (InvalidCommand, _invalid_command),
    (RequestValidationError, _request_validation),
    (BadRequestField, _bad_field),
    (VersionNotFound, _version_not_found),
    (PathwayNotFound, _not_found),
    (VersionMismatch, _version_mismatch),
    (ConcurrencyConflict, _conflict),
    (IdempotencyKeyReused, _key_reused),
    (StoreUnavailable, _unavailable),
    (ReadModelBehind, _behind),
    (HTTPException, _http),
    (Exception, _unexpected),
)


def install(app: FastAPI) -> None:
    for exc_class, handler in _HANDLERS:
        app.add_exception_handler(exc_class, handler)
