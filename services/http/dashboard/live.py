"""``GET /ops/dashboard/events``: Server-Sent Events telling open pages that numbers moved on.

Each stream sends the read models' live positions whenever they change; the page then
re-reads its panels (no reload). However many pages are open, a process reads the tracking
table at most once per poll interval (one small query), through a shared watch. A stream ends
after a minute and the browser reconnects by itself (``retry``), so a dashboard left open on
a screen holds a server that is shutting down for a minute at most.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from projections.store import ReadStore
from services.composition import Container
from services.http.dashboard.reading import live_positions
from services.http.dashboard.urls import PREFIX

log = logging.getLogger("carepath.dashboard")
router = APIRouter(prefix=PREFIX)

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
STREAM_SECONDS = 60.0
RETRY_MILLISECONDS = 1_000


@dataclass
class PositionWatch:
    """The latest positions, read again only when older than ``interval`` seconds."""

    store: ReadStore
    interval: float = POLL_SECONDS
    _value: dict[str, int] = field(default_factory=dict)
    _read_at: float = float("-inf")
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def current(self) -> dict[str, int]:
        async with self._lock:
            if time.monotonic() - self._read_at >= self.interval:
                try:
                    self._value = await run_in_threadpool(live_positions, self.store)
                except Exception as error:  # noqa: BLE001 - the stream outlives an outage
                    log.warning("dashboard: read models unreadable: %s", error)
                self._read_at = time.monotonic()
            return self._value


def watch_of(request: Request) -> PositionWatch:
    state = request.app.state
    watch: PositionWatch | None = getattr(state, "dashboard_watch", None)
    if watch is None:
        container: Container = state.container
        watch = PositionWatch(container.read_store)
        state.dashboard_watch = watch
    return watch


def message(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def stream(watch: PositionWatch, *, seconds: float = STREAM_SECONDS,
                 poll: float = POLL_SECONDS) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    last: dict[str, int] | None = None
    started = quiet_since = time.monotonic()
    while time.monotonic() - started < seconds:
        positions = await watch.current()
        if positions != last:
            yield message("positions", {"positions": positions})
            last, quiet_since = positions, time.monotonic()
        elif time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
            yield ": still here\n\n"
            quiet_since = time.monotonic()
        await asyncio.sleep(poll)


@router.get("/events", include_in_schema=False)
async def events(request: Request) -> StreamingResponse:
    """The read models' positions now, then each time they change (text/event-stream)."""
    return StreamingResponse(stream(watch_of(request)), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
