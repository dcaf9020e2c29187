"""Who may read the audit endpoints: the one place the auditor role will be checked.

Every ``/audit`` route depends on :func:`audit_reader`. Until authentication lands (issue 8,
section 5) it lets every caller through, as every other read does today; then it takes the
caller from the bearer token, requires the ``auditor`` role and hands the reader to the access
log, which records each history, as-of and export read through ``services.audit``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.audit.trail import AuditTrail
from services.composition import Container


async def audit_reader() -> None:
    """The access check of every audit route (today: everyone may read)."""


async def trail(request: Request) -> AuditTrail:
    container: Container = request.app.state.container
    return container.audit


TrailDep = Annotated[AuditTrail, Depends(trail)]
