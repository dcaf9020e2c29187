"""A request body limit that answers with a problem document like every other refusal.

Why not FastAPI's ``max_body_size``: Starlette's limiter replaces the answer with a plain-text
413 whenever the declared length is too large, so clients would get two error formats.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.http.problems import PROBLEM_JSON, TYPE_PREFIX


class BodyLimitMiddleware:
    """Refuse a declared length over the limit at once; stop a longer stream as it arrives."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope)(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # Raised inside the body read: the exception handlers turn it into a problem.
                raise HTTPException(413, self._detail())
            return message

        await self.app(scope, receive_within_limit, send)

    def _detail(self) -> str:
        return f"The request body is larger than {self.max_bytes // 1024} KiB."

    def _too_large(self, scope: Scope) -> JSONResponse:
        body = {"type": TYPE_PREFIX + "content-too-large", "title": "Content too large",
                "status": 413, "detail": self._detail(), "instance": scope.get("path", "")}
        return JSONResponse(body, status_code=413, media_type=PROBLEM_JSON,
                            headers={"Connection": "close"})
