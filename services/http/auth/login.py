"""The pages' sign-in: ``/login`` asks for a bearer token and keeps it in a cookie.

A browser cannot add an ``Authorization`` header to a page it navigates to, nor to a
Server-Sent Events stream, so the login form takes the token once (pasted: the demo prints
one per role, ``carepath issue-token`` makes others), checks it like any request's, and sets
it as an HttpOnly, SameSite=Strict cookie that lives as long as the token. The guard reads the
cookie on GET and HEAD only: a command still needs the header, so no other site can make a
signed-in browser send one. ``POST /logout`` drops the cookie.
"""

from __future__ import annotations

import time
from typing import Final
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.access.gate import Gate
from services.access.tokens import MAX_TOKEN_BYTES, TokenRefused
from services.http.auth.guard import COOKIE
from services.http.dashboard.pages import render

router = APIRouter()
HOME: Final = "/ops/dashboard"
REASONS: Final = {
    "missing": "Sign in with a bearer token to open that page.",
    "expired": "Your token has expired: paste a new one.",
}


def safe_next(target: str | None) -> str:
    """Only a path on this site (never ``//elsewhere`` or a full URL): no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return HOME
    return target


@router.get("/login", include_in_schema=False, response_class=HTMLResponse)
async def login_page(request: Request) -> HTMLResponse:
    query = request.query_params
    reason = query.get("reason", "")
    message = REASONS.get(reason) or ("That token was refused: paste a valid one."
                                      if reason else None)
    return render("login.html", page="login", next=safe_next(query.get("next")),
                  error=message)


@router.post("/login", include_in_schema=False, response_model=None)
async def sign_in(request: Request) -> Response:
    """Check the token; on success set the cookie and go where the reader was going."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=4)
    token = (form.get("token") or [""])[0].strip()
    target = safe_next((form.get("next") or [""])[0])
    gate: Gate = request.app.state.container.gate
    try:
        principal = gate.authenticate(token)
    except TokenRefused as refused:
        return render("login.html", 401, page="login", next=target,
                      error=f"{refused.detail} Paste a valid token.")
    answer = RedirectResponse(target, status_code=303)
    lifetime = max(1, min(int(principal.expires_at - time.time()), 7 * 24 * 3600))
    secure = (request.url.scheme == "https"
              or request.app.state.container.settings.environment == "production")
    answer.set_cookie(COOKIE, token[:MAX_TOKEN_BYTES], max_age=lifetime, path="/",
                      httponly=True, samesite="strict", secure=secure)
    return answer


@router.post("/logout", include_in_schema=False, response_model=None)
async def sign_out() -> Response:
    answer = RedirectResponse("/login", status_code=303)
    answer.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return answer
