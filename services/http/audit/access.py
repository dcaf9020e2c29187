"""The audit routes' dependencies: the trail they read through.

Who may read them is decided before any route runs, by the guard (``services.http.auth``),
from the policy table: the ``/audit`` routes are the auditor's and the admin's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.audit.trail import AuditTrail
from services.http.auth.reading import ReaderDep, logged_trail


async def trail(request: Request, reader: ReaderDep) -> AuditTrail:
    """The audit trail recording each read in the access log, as this reader's."""
    return logged_trail(request, reader)


TrailDep = Annotated[AuditTrail, Depends(trail)]
