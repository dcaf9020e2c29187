"""The start of an answer, for endpoints whose body never ends (Server-Sent Events).

Starlette's test client reads a whole body before it returns, so a stream would hang it.
:func:`first_answer` calls the application as a server would, in the client's own event loop
(its portal, where the lifespan runs), keeps the status, the headers and the first piece of
the body, then hangs up, as a client that has seen enough does.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class FirstAnswer:
    status_code: int
    headers: dict[str, str]
    first_chunk: bytes


async def _call(app: Any, path: str, headers: dict[str, str]) -> FirstAnswer:
    parts = urlsplit(path)
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": parts.path,
             "raw_path": parts.path.encode(), "query_string": parts.query.encode(),
             "root_path": "", "client": ("testclient", 50000), "server": ("testserver", 80),
             "headers": [(name.lower().encode("latin-1"), value.encode("latin-1"))
                         for name, value in headers.items()]}
    hang_up, seen = asyncio.Event(), asyncio.Event()
    messages: list[dict[str, Any]] = []
    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await hang_up.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)
        if message["type"] == "http.response.body":
            seen.set()

    task = asyncio.create_task(app(scope, receive, send))
    try:
        await asyncio.wait_for(seen.wait(), WAIT_SECONDS)
    finally:
        hang_up.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = next(m for m in messages if m["type"] == "http.response.body")
    return FirstAnswer(start["status"], {k.decode("latin-1"): v.decode("latin-1")
                                         for k, v in start.get("headers", [])},
                       body.get("body", b""))


def first_answer(client: TestClient, path: str, headers: dict[str, str]) -> FirstAnswer:
    """GET ``path`` on a client entered as a context manager (its lifespan running)."""
    portal = client.portal
    assert portal is not None, "enter the client first: its portal runs the lifespan"
    found: FirstAnswer = portal.call(_call, client.app, path, headers)
    return found
