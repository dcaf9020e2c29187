"""The audit edge under ``/audit``: JSON endpoints (history, as-of, steps, exports) and the
audit page; who may read them is the policy table's (the guard, ``services.http.auth``), and
each read is recorded in the access log through the trail they read with."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from services.audit.errors import InvalidInstant, NothingRecordedYet, NotOpenYet
from services.http.audit import exports, group_routes, page, routes
from services.http.problems import problem

PREFIX = "/audit"
TAG = {"name": "audit", "description": "For auditors: a pathway's full history, its state as"
       " of a version or a time on either axis, a step-through, exports; a group's history"
       " and its state as of a version or a time."}

router = APIRouter(prefix=PREFIX, tags=["audit"])
router.include_router(routes.router)
router.include_router(exports.router)
router.include_router(group_routes.router)


def _not_recorded(request: Request, exc: NothingRecordedYet) -> JSONResponse:
    return problem(request, 404, "not-recorded-yet", "Nothing recorded yet",
                   f"The record held nothing of this {exc.noun} at {exc.at.isoformat()}: its"
                   f" {'formation' if exc.noun == 'group' else 'opening'} was recorded at"
                   f" {exc.first_recorded_at.isoformat()}.",
                   first_recorded_at=exc.first_recorded_at.isoformat())


def _not_open(request: Request, exc: NotOpenYet) -> JSONResponse:
    return problem(request, 404, "not-open-yet", "Not open at that time",
                   f"The {exc.noun} was {'formed' if exc.noun == 'group' else 'opened'} at"
                   f" {exc.opened_at.isoformat()} (clinical time), after {exc.at.isoformat()}.",
                   opened_at=exc.opened_at.isoformat())


def _invalid_instant(request: Request, exc: InvalidInstant) -> JSONResponse:
    return problem(request, 422, "invalid-request", "The request is not valid",
                   f"{exc.field}: {exc.reason}",
                   errors=[{"field": exc.field, "reason": exc.reason}])


def install(app: FastAPI) -> None:
    """The audit routes, the page, and the answers for their own refusals."""
    app.include_router(router)
    app.include_router(page.router)  # outside the OpenAPI document
    app.add_exception_handler(NothingRecordedYet, _not_recorded)  # type: ignore[arg-type]
    app.add_exception_handler(NotOpenYet, _not_open)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidInstant, _invalid_instant)  # type: ignore[arg-type]
