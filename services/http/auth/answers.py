"""The guard's own refusals: a route missing from the route table, and a page opened without a
usable token (sent to the login page). A request without a usable token (401) or refused by
the policy (403) is answered as every edge answers it, from ``services.problems``.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from services.http.auth.guard import LoginRequired, NoPolicy
from services.http.problems import problem


def no_policy(request: Request, refused: NoPolicy) -> JSONResponse:
    return problem(request, 403, "no-policy", "This endpoint has no access policy",
                   f"Refused to everyone: {refused}. This is a fault in the service.")


def to_login(request: Request, refused: LoginRequired) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    reason = refused.refused.slug.removeprefix("token-")
    return RedirectResponse(f"/login?next={quote(target, safe='')}&reason={reason}",
                            status_code=303, headers={"Cache-Control": "no-store"})


def install(app: FastAPI) -> None:
    app.add_exception_handler(NoPolicy, no_policy)  # type: ignore[arg-type]
    app.add_exception_handler(LoginRequired, to_login)  # type: ignore[arg-type]
