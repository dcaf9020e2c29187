"""A real server for stream tests, an SSE reader, and a store with events to read."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from services.composition import Container
from services.http import create_app
from tests.http.support import OPEN, THERAPIST
from tests.journeys import PHQ9_MODERATE, START
from tests.servers import uvicorn_thread


@contextmanager
def served(container: Container) -> Iterator[str]:
    """``carepath serve``'s application under uvicorn in a thread; yields its base URL."""
    with uvicorn_thread(create_app(container), lifespan="off") as url:
        yield url


@dataclass
class Sse:
    """Server-Sent Events as a client sees them: events (id, data) and comment lines."""

    response: httpx.Response
    events: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    retry: int | None = None
    _lines: Iterator[str] | None = None

    def read_until(self, done: Any, timeout: float = 10.0) -> Sse:
        """Read lines until ``done(self)``; fail after ``timeout`` seconds."""
        lines = self._lines = self._lines or self.response.iter_lines()
        deadline = time.monotonic() + timeout
        event_id, data = None, []
        while not done(self):
            assert time.monotonic() < deadline, f"stream: {len(self.events)} events, no more"
            line = next(lines)
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
            elif line.startswith("retry:"):
                self.retry = int(line.removeprefix("retry:"))
            elif line.startswith("id:"):
                event_id = int(line.removeprefix("id:"))
            elif line.startswith("data:"):
                data.append(line.removeprefix("data:").strip())
            elif not line and data:
                assert event_id is not None, "every event has an id"
                self.events.append((event_id, orjson.loads("\n".join(data))))
                event_id, data = None, []
        return self

    def count(self, n: int, timeout: float = 10.0) -> Sse:
        return self.read_until(lambda sse: len(sse.events) >= n, timeout)


def open_pathway(client: Any, key: str) -> str:
    answer = client.post("/pathways", json=OPEN, headers={**THERAPIST, "Idempotency-Key": key})
    assert answer.status_code == 201, answer.text
    pathway_id: str = answer.json()["pathway_id"]
    return pathway_id


def measure(client: Any, pathway_id: str, key: str) -> None:
    body = {"occurred_at": START.isoformat(), "instrument": "phq9", "items": list(PHQ9_MODERATE)}
    answer = client.post(f"/pathways/{pathway_id}/measures", json=body,
                         headers={**THERAPIST, "Idempotency-Key": key})
    assert answer.status_code == 201, answer.text
