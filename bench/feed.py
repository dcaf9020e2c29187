"""The HTTP event feed paging through a long log, against a raw keyset scan of the same table.

Issue 7's bar: ``GET /events`` pages at >= 0.25x the rate of a raw keyset scan of the events
table with the same page size, measured in the same run, on SQLite (the embedded default) and
on PostgreSQL. The log is ``bench.eventlog``'s (demo pathways decided by the domain, bulk
copied). The feed is a real ``carepath serve`` (its own process, one worker, no read-model
workers) paged by a keep-alive ``http.client`` from the first position to the head, each page
of ``page`` envelopes read whole and counted; the raw scan fetches the columns the recorder
reads (``WHERE position > :last ORDER BY position LIMIT page``) and does nothing with them.
Scan and feed alternate when repeated; the ratio uses the medians.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.api import free_port
from bench.carepath import as_url
from bench.database import fresh_database
from bench.eventlog import copies, fill_postgres, fill_sqlite, templates
from bench.keyset import Say, median_rate, quiet, scan_postgres, scan_sqlite, timed
from bench.tokens import headers_with, new_secret
from services.composition import bootstrap
from services.settings import load_settings

BAR = 0.25
PAGE = 1000
START_TIMEOUT = 300.0
"""The server adopts the bulk-copied log into its hash tree as it starts."""


@dataclass(frozen=True)
class FeedResult:
    store: str
    events: int
    page: int
    scan_seconds: list[float]
    feed_seconds: list[float]

    @property
    def scan_rate(self) -> float:
        return median_rate(self.events, self.scan_seconds)

    @property
    def feed_rate(self) -> float:
        return median_rate(self.events, self.feed_seconds)

    @property
    def ratio(self) -> float:
        return self.feed_rate / self.scan_rate

    def meets_bar(self) -> bool:
        return self.ratio >= BAR

    def render(self) -> list[str]:
        verdict = "meets" if self.meets_bar() else "BELOW"
        return [f"feed ({self.store}): GET /events pages {self.events:,} events at"
                f" {self.feed_rate:,.0f} events/s ({self.page} a page, a real server); raw"
                f" keyset scan {self.scan_rate:,.0f} events/s; ratio {self.ratio:.3f}"
                f" ({verdict} bar >= {BAR})"]


def run_feed(server_dsn: str, *, events: int, page: int = PAGE, repeat: int = 3,
             say: Say | None = None) -> list[FeedResult]:
    """The measurement on the embedded SQLite store and on a fresh PostgreSQL database."""
    say = say or quiet
    rows = templates()
    results = []
    with tempfile.TemporaryDirectory(prefix="carepath-bench-") as data_dir:
        path = Path(data_dir) / "Pathways.sqlite3"
        bootstrap(load_settings(data_dir=Path(data_dir))).close()  # the tables
        say(f"feed (sqlite): writing a log of {events:,} events ...")
        count = fill_sqlite(str(path), copies(rows, events), say=say)
        with _server({"CAREPATH_DATA_DIR": data_dir}, say) as port:
            results.append(_measure("sqlite", count, page=page, repeat=repeat, port=port,
                                    scan=lambda: scan_sqlite(str(path), page), say=say))
    with fresh_database(server_dsn) as dsn, \
            tempfile.TemporaryDirectory(prefix="carepath-bench-") as data_dir:
        url = as_url(dsn)
        bootstrap(load_settings(database_url=url, data_dir=Path(data_dir))).close()
        say(f"feed (postgresql): copying a log of {events:,} events ...")
        count = fill_postgres(dsn, copies(rows, events), say=say)
        with _server({"CAREPATH_DATABASE_URL": url, "CAREPATH_DATA_DIR": data_dir},
                     say) as port:
            results.append(_measure("postgresql", count, page=page, repeat=repeat, port=port,
                                    scan=lambda: scan_postgres(dsn, page), say=say))
    return results


def feed_sections(args: Any, lines: list[str], sections: dict[str, Any], say: Say) -> bool:
    """Issue 7's feed line: GET /events against a raw keyset scan (bar), SQLite and PostgreSQL."""
    if "feed" not in args.sections:
        return True
    met = True
    say(f"feed: GET /events through {args.feed_events:,} events, SQLite and PostgreSQL ...")
    for result in run_feed(args.dsn, events=args.feed_events, repeat=args.feed_repeat,
                           say=say):
        lines.extend(result.render())
        sections[f"feed_{result.store}"] = {
            "events": result.events, "page": result.page, "scan_rate": result.scan_rate,
            "feed_rate": result.feed_rate, "ratio": result.ratio, "bar": BAR}
        met = met and result.meets_bar()
    return met


def _measure(store: str, count: int, *, page: int, repeat: int, port: int,
             scan: Callable[[], int], say: Say) -> FeedResult:
    scans: list[float] = []
    feeds: list[float] = []
    scan()
    _page_through(port, page)  # warm: both read from the page cache
    for n in range(repeat):
        scans.append(timed(scan, count, "the scan"))
        feeds.append(timed(lambda: _page_through(port, page), count, "the feed"))
        say(f"feed ({store}) #{n + 1}: raw scan {count / scans[-1]:,.0f} events/s,"
            f" feed {count / feeds[-1]:,.0f} events/s")
    return FeedResult(store, count, page, scans, feeds)


_SECRET = new_secret()
"""The servers this section starts check tokens with it; its requests are the platform's."""
_HEADERS = headers_with(_SECRET, "platform", "bench-feed")


def _page_through(port: int, page: int) -> int:
    """Every event from position 0 to the head, a page at a time over one connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    after, count = 0, 0
    try:
        while True:
            connection.request("GET", f"/events?after={after}&limit={page}", headers=_HEADERS)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:  # noqa: PLR2004
                msg = f"GET /events answered {response.status}: {body[:300]!r}"
                raise RuntimeError(msg)
            served = body.count(b'"specversion":')
            if not served:
                return count
            count += served
            after = int(body[body.rindex(b'"next_after":') + 13:].split(b",", 1)[0])
    finally:
        connection.close()


@contextmanager
def _server(env: dict[str, str], say: Say) -> Iterator[int]:
    """``carepath serve`` in a child process on a free port, without read-model workers."""
    port = free_port()
    code = "import sys; from services.cli import main; sys.exit(main(sys.argv[1:]))"
    environment = os.environ | env | {"CAREPATH_PROJECTIONS_IN_PROCESS": "false",
                                      "CAREPATH_AUTH_SECRET": _SECRET}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-c", code, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=environment, stdout=subprocess.DEVNULL, stderr=log)
        try:
            say("feed: starting carepath serve (it adopts the copied log into its hash tree)")
            _wait_ready(process, port, log)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(process: subprocess.Popen[bytes], port: int, log: object) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)  # type: ignore[attr-defined]
            error = log.read().decode(errors="replace")  # type: ignore[attr-defined]
            msg = f"carepath serve exited with {process.returncode}: {error[-2000:]}"
            raise RuntimeError(msg)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:  # noqa: PLR2004
                return
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    msg = f"carepath serve did not answer within {START_TIMEOUT} s"
    raise RuntimeError(msg)
