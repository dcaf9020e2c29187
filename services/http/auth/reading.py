"""Who reads a record, and why: the reader of a logged read, and the trail that records it.

A read of a history, an as-of or an export is recorded in the access log (who, when, which
pathway, what was asked, and the stated ``purpose``) before it is answered. An auditor or an
admin states the purpose of each read (``?purpose=``, or once on the audit page, which keeps it
in a cookie for the pages' own reads); a therapist's or a supervisor's read of their own
caseload is for treatment unless they say otherwise.
"""

from __future__ import annotations

from typing import Annotated, Final
from uuid import UUID

from fastapi import Depends, Query, Request

from services.access.log.entries import Reader
from services.access.policy import DEFAULT_PURPOSE, PURPOSE_REQUIRED
from services.audit.trail import AuditTrail
from services.composition import Container
from services.http.headers import principal_of
from services.http.problems import BadRequestField

PURPOSE_COOKIE: Final = "carepath_purpose"
MAX_PURPOSE: Final = 200
_PRINTABLE = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
PurposeQuery = Annotated[str | None, Query(
    min_length=3, max_length=MAX_PURPOSE, pattern=_PRINTABLE,
    description="Why this record is read (`payer audit 2026-Q1`, `complaint 4411`): kept in the"
                " access log with who read it and when. Required from an auditor or an admin;"
                " a clinician's read of their own caseload is `treatment` unless they say so.")]


def purpose_of(request: Request, stated: str | None) -> str | None:
    """The stated purpose: the parameter, else (on the pages) the one stated on the audit
    page, kept in its cookie."""
    if stated is not None:
        return stated.strip()
    kept = request.cookies.get(PURPOSE_COOKIE, "").strip()
    return kept if 3 <= len(kept) <= MAX_PURPOSE and kept.isprintable() else None  # noqa: PLR2004


def reader_of(request: Request, stated: str | None) -> Reader:
    """The reader of a logged read, or a 422 naming ``purpose`` when it must be stated."""
    principal = principal_of(request)
    purpose = purpose_of(request, stated)
    if purpose is None:
        if principal.role in PURPOSE_REQUIRED:
            raise BadRequestField("query.purpose", f"an {principal.role} states why this record"
                                  " is read (3-200 characters): it is kept in the access log",
                                  status=422)
        purpose = DEFAULT_PURPOSE
    return Reader(actor_id=principal.subject, actor_role=principal.role, purpose=purpose,
                  channel="http", token_id=principal.token_id)


async def reader(request: Request, purpose: PurposeQuery = None) -> Reader:
    return reader_of(request, purpose)


ReaderDep = Annotated[Reader, Depends(reader)]


def asked(request: Request) -> str:
    """The request, as the access log keeps it: method, path and query."""
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.method} {request.url.path}{query}"


def record(request: Request, reader: Reader, action: str, pathway_id: UUID | None) -> None:
    """Record one read before it is answered (blocking: call it from a worker thread)."""
    container: Container = request.app.state.container
    container.access_log.record(reader, action, pathway_id, asked(request))


def logged_trail(request: Request, reader: Reader) -> AuditTrail:
    """The audit trail, recording each read it serves as this request's."""
    container: Container = request.app.state.container
    detail = asked(request)

    def recorded(action: str, pathway_id: UUID) -> None:
        container.access_log.record(reader, action, pathway_id, detail)

    return container.audit.reading(recorded)
