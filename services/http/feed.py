"""The HTTP event feed: every stored event as its CloudEvents envelope, by log position.

``GET /events`` pages through the ordered log (``after``, ``limit``, ``type``) and names the
next page in its body (``next_after``) and in a ``Link`` header; ``GET /events/stream`` sends
the same envelopes as Server-Sent Events, each with ``id:`` = its log position, resuming after
``Last-Event-ID`` on a reconnect. The position is the one cursor of the broker stream, this
feed and its stream (``services.feed.pages`` says how it moves). For the platform role (and the
admin): the access route table says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import Field

from services.errors import StoreUnavailable
from services.feed.pages import DEFAULT_LIMIT, MAX_LIMIT, EventFeed, Page, UnknownEventType
from services.feed.rows import encode
from services.feed.signal import POLL_SECONDS, LogSignal
from services.http.problems import BadRequestField
from services.http.views import PROBLEM, View
from services.integration import event_types

MAX_POSITION = 2**62
KEEP_ALIVE_SECONDS = 15.0
"""An idle stream sends a comment this often, so proxies and clients know it is alive."""
RECONNECT_MS = 2000
OUTAGE_PAUSE_SECONDS = 1.0
router = APIRouter(prefix="/events", tags=["events"],
                   responses={422: PROBLEM, 503: PROBLEM})


class EnvelopeView(View):
    """A CloudEvent 1.0 (structured JSON): see the README, "Events for platform teams"."""

    specversion: str = Field(examples=["1.0"])
    id: str = Field(description="`<subject>:<aggregateversion>`, stable: dedupe on it.")
    source: str
    type: str = Field(examples=["org.carepath.pathway.SessionHeld.v1"])
    subject: str = Field(description="The aggregate's id (a pathway's).")
    time: str = Field(description="Clinical time: when it happened.")
    recordedtime: str = Field(description="When carepath recorded it.")
    datacontenttype: str
    dataschema: str = Field(description="The JSON Schema of `data`, served by carepath.")
    aggregateversion: int
    position: int = Field(description="Its position in the ordered log: the cursor.")
    correlationid: str
    schemaversion: int
    data: dict[str, Any] = Field(description="The integration event: codes, ids, numbers.")


class EventPage(View):
    events: list[EnvelopeView]
    next_after: int = Field(description="Ask `after` this next: nothing before it is missed.")
    head: int = Field(description="The log's last position when the page was read.")


After = Annotated[int, Query(ge=0, le=MAX_POSITION, description=(
    "Serve the events after this log position (0: from the start)."))]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many events.")]
Types = Annotated[list[str] | None, Query(alias="type", description=(
    "Only events of these CloudEvents types (repeat the parameter for several)."),
    json_schema_extra={"items": {"type": "string", "enum": event_types()}})]
LastEventId = Annotated[str | None, Header(alias="Last-Event-ID", description=(
    "The `id` of the last event received: the stream resumes after it (wins over `after`)."))]


def feed_of(request: Request) -> EventFeed:
    found: EventFeed = request.app.state.event_feed
    return found


def _page(feed: EventFeed, after: int, limit: int, types: list[str]) -> Page:
    try:
        return feed.page(after, limit, types)
    except UnknownEventType as unknown:
        raise BadRequestField("query.type", f"{unknown.event_type[:120]!r} is not an event type"
                              " carepath publishes (see the README or /openapi.json)",
                              status=422) from None


@router.get("", summary="Page through every event", response_model=EventPage, responses={
    200: {"headers": {"Link": {"description": 'The next page: `<...>; rel="next"`.',
                               "schema": {"type": "string"}}}}})
def events(request: Request, after: After = 0, limit: Limit = DEFAULT_LIMIT,
           types: Types = None) -> Response:
    """The events after a log position, oldest first, as CloudEvents; `next_after` (and the
    `Link` header) names the next page. An empty page with `next_after` equal to `head` means
    caught up: ask again later, or use the stream."""
    page = _page(feed_of(request), after, limit, types or [])
    body = encode({"events": page.events, "next_after": page.next_after, "head": page.head})
    query = urlencode([("after", page.next_after), ("limit", limit),
                       *(("type", kind) for kind in types or ())])
    return Response(body, media_type="application/json",
                    headers={"Link": f'<{request.url.path}?{query}>; rel="next"'})


@router.get("/stream", summary="Stream every event (Server-Sent Events)", responses={
    200: {"content": {"text/event-stream": {"schema": {"type": "string"}}},
          "description": "`id:` = the event's log position, `data:` = its CloudEvent (JSON);"
                         " comment lines keep an idle stream alive."}})
async def stream(request: Request, after: After = 0, limit: Limit = DEFAULT_LIMIT,
                 types: Types = None, last_event_id: LastEventId = None) -> StreamingResponse:
    """The events after a log position, then each new one as it is stored. Reconnect with
    `Last-Event-ID` (browsers' EventSource does) to resume without a gap or a repeat."""
    start = after if last_event_id is None else _position(last_event_id)
    feed, signal = feed_of(request), request.app.state.event_signal
    seen = signal.saves
    first = await run_in_threadpool(_page, feed, start, limit, types or [])  # 503 here
    return StreamingResponse(
        _events(request, first, feed=feed, signal=signal, seen=seen, limit=limit,
                types=types or []),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _position(text: str) -> int:
    if not text.isdigit() or int(text) > MAX_POSITION:
        raise BadRequestField("header.Last-Event-ID", "must be an event's id from this stream"
                              " (a log position, a whole number)", status=422)
    return int(text)


async def _events(request: Request, page: Page, *, feed: EventFeed, signal: LogSignal,
                  seen: int, limit: int, types: list[str]) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    yield b"retry: %d\n\n" % RECONNECT_MS
    quiet_since = loop.time()
    while True:
        if page.events:
            yield b"".join(b"id: %d\ndata: %s\n\n" % (position, encode(envelope))
                           for position, envelope in zip(page.positions, page.events,
                                                         strict=True))
            quiet_since = loop.time()
        cursor = page.next_after
        if not page.full:
            await signal.wait(seen, POLL_SECONDS)
        if loop.time() - quiet_since >= KEEP_ALIVE_SECONDS:
            yield b": keep-alive\n\n"
            quiet_since = loop.time()
        if await request.is_disconnected():
            return
        seen = signal.saves
        try:
            page = await run_in_threadpool(feed.page, cursor, limit, types)
        except StoreUnavailable:  # keep the stream: EventSource gives up on a 503
            yield b": the event store is unavailable; retrying\n\n"
            page = Page([], [], cursor, cursor, full=False)
            await asyncio.sleep(OUTAGE_PAUSE_SECONDS)


def install(app: FastAPI, feed: EventFeed, signal: LogSignal) -> None:
    """Serve the feed of ``feed``; streams wake on ``signal`` (which saves must notify)."""
    app.state.event_feed = feed
    app.state.event_signal = signal
    app.include_router(router)
    # Matched first: a page is cheap per event, and matching a path against every route
    # before it cost a millisecond a request (the feed's paths overlap no other route).
    app.router.routes.insert(0, app.router.routes.pop())
