"""The HTTP path against the in-process call, on PostgreSQL (issue 5's two HTTP bars).

The bench starts a real server (``carepath serve``, its own process, on a free 127.0.0.1 port)
on a fresh database, prepopulated like the carepath workload, and sends the same middle-phase
commands, one keep-alive client per writer thread. The client shares this machine's cores with
the server, so the default is the standard library's ``http.client`` (~0.1 ms of CPU a request);
``client="httpx"`` measures with httpx instead (~1 ms a request here, which then shows up in
both bars although the server never spends it). The in-process runs call
``Pathways.execute`` from the same number of threads on a database of their own. Bars:
HTTP p50 <= in-process p50 + 0.7 ms (one writer); with 8 writers on 8+ pathways, HTTP
throughput >= 0.8x in-process.

The server runs without the read models' workers (``CAREPATH_PROJECTIONS_IN_PROCESS=false``,
as when ``carepath projections run`` is a process of its own): the in-process writers project
nothing either, and a follower folding every command into each read model in the server's
processes is not the HTTP path. ``projections_in_server=True`` measures with them.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import httpx

from bench.carepath import CarepathWorkload, as_url
from bench.database import fresh_database
from bench.runner import RunResult, run_workload
from bench.tokens import headers_with, new_secret
from services.commands import ROUTES

P50_BAR_MS = 0.7
THROUGHPUT_BAR = 0.8
_PATHS = {route.command: route.path for route in ROUTES}
_SECRET = new_secret()
"""The servers this benchmark starts check tokens with it; its clients sign with it."""
_HEADERS = headers_with(_SECRET, "therapist", "t-bench")
_START_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """``carepath serve`` in a child process; stopped (and waited for) on exit."""

    database_url: str
    workers: int = 1
    pool_size: int = 8
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log: Any = None
    """The server's stderr, a temporary file: a pipe nobody reads could fill and stall it."""
    code: str = "import sys; from services.cli import main; sys.exit(main(sys.argv[1:]))"
    projections_in_server: bool = False
    """Whether the server's processes also run the read models' workers (``serve``'s default)."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        env = os.environ | {"CAREPATH_DATABASE_URL": self.database_url,
                            "CAREPATH_AUTH_SECRET": _SECRET,
                            "CAREPATH_POOL_SIZE": str(self.pool_size),
                            "CAREPATH_PROJECTIONS_IN_PROCESS": str(self.projections_in_server
                                                                   ).lower()}
        argv = [sys.executable, "-c", self.code, "serve", "--host", "127.0.0.1",
                "--port", str(self.port), "--data-dir", tempfile.gettempdir()]
        if self.workers > 1:
            argv += ["--workers", str(self.workers)]
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            argv, env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)  # never leave a server behind
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                self.log.seek(0)
                err = self.log.read().decode(errors="replace")
                msg = f"server exited with {self.process.returncode}: {err[-2000:]}"
                raise RuntimeError(msg)
            try:
                httpx.get(f"{self.base_url}/health", timeout=1.0)
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            return
        msg = f"server on port {self.port} did not answer within {_START_TIMEOUT} s"
        raise RuntimeError(msg)

    def __exit__(self, *_: object) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.log is not None:
            self.log.close()


Client = Literal["stdlib", "httpx"]


class Poster(Protocol):
    def post(self, path: str, body: bytes, key: str) -> tuple[int, str]: ...

    def close(self) -> None: ...


class StdlibPoster:
    """One keep-alive connection of ``http.client``."""

    def __init__(self, port: int) -> None:
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, path: str, body: bytes, key: str) -> tuple[int, str]:
        headers = {**_HEADERS, "Content-Type": "application/json", "Idempotency-Key": key}
        self._connection.request("POST", path, body=body, headers=headers)
        answer = self._connection.getresponse()
        text = answer.read().decode()
        return answer.status, text

    def close(self) -> None:
        self._connection.close()


class HttpxPoster:
    def __init__(self, base_url: str) -> None:
        self._client = httpx.Client(base_url=base_url, headers=_HEADERS, timeout=30.0)

    def post(self, path: str, body: bytes, key: str) -> tuple[int, str]:
        answer = self._client.post(path, content=body, headers={
            "Content-Type": "application/json", "Idempotency-Key": key})
        return answer.status_code, answer.text

    def close(self) -> None:
        self._client.close()


@dataclass
class HttpWorkload(CarepathWorkload):
    """The carepath workload's pathways and steps, each op one POST to a real server."""

    workers: int = 1
    client: Client = "stdlib"
    projections_in_server: bool = False
    _server: Server | None = None
    _clients: dict[int, Poster] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def setup(self) -> None:
        super().setup()  # prepopulate through the application layer, then hand over
        if self.pathways is not None:
            self.pathways.close()
            self.pathways = None
        self._server = Server(as_url(self.dsn), workers=self.workers, pool_size=self.writers,
                              projections_in_server=self.projections_in_server)
        self._server.__enter__()

    def _client(self, writer: int) -> Poster:
        with self._lock:
            client = self._clients.get(writer)
            if client is None and self._server is not None:
                client = (StdlibPoster(self._server.port) if self.client == "stdlib"
                          else HttpxPoster(self._server.base_url))
                self._clients[writer] = client
        if client is None:
            msg = "setup() was not run"
            raise RuntimeError(msg)
        return client

    def op(self, writer: int, i: int) -> int | None:
        pathway_index, step = i % len(self.ids), i // len(self.ids)
        command = self._steps[step]
        body: dict[str, Any] = command.model_dump(mode="json")
        status, text = self._client(writer).post(
            f"/pathways/{self.ids[pathway_index]}/{_PATHS[type(command)]}",
            json.dumps(body).encode(), f"bench:{pathway_index}:m{step}")
        if status != httpx.codes.CREATED:
            msg = f"{status}: {text[:300]}"
            raise RuntimeError(msg)
        return None

    def teardown(self) -> None:
        for client in self._clients.values():
            client.close()
        if self._server is not None:
            self._server.__exit__(None, None, None)
        super().teardown()


@dataclass(frozen=True)
class HttpResult:
    """Runs of each kind, one per round: (in-process, HTTP) x (one writer, ``writers``)."""

    single: tuple[list[RunResult], list[RunResult]]
    concurrent: tuple[list[RunResult], list[RunResult]]
    workers: int
    client: Client = "stdlib"
    projections_in_server: bool = False

    @staticmethod
    def _median(runs: list[RunResult], attribute: str) -> float:
        return float(statistics.median(getattr(run, attribute) for run in runs))

    @property
    def p50_ms(self) -> tuple[float, float]:
        return (self._median(self.single[0], "p50_ms"), self._median(self.single[1], "p50_ms"))

    @property
    def ops_per_s(self) -> tuple[float, float]:
        return (self._median(self.concurrent[0], "ops_per_s"),
                self._median(self.concurrent[1], "ops_per_s"))

    @property
    def p50_overhead_ms(self) -> float:
        inproc, over_http = self.p50_ms
        return over_http - inproc

    @property
    def throughput_ratio(self) -> float:
        inproc, over_http = self.ops_per_s
        return over_http / inproc if inproc else 0.0

    def meets_bars(self) -> bool:
        return (self.p50_overhead_ms <= P50_BAR_MS
                and self.throughput_ratio >= THROUGHPUT_BAR)

    def render(self) -> list[str]:
        (p50_in, p50_http), (tp_in, tp_http) = self.p50_ms, self.ops_per_s
        rounds = len(self.single[0])
        of = f"median of {rounds} rounds, " if rounds > 1 else ""
        p50_ok = "meets" if self.p50_overhead_ms <= P50_BAR_MS else "ABOVE"
        tp_ok = "meets" if self.throughput_ratio >= THROUGHPUT_BAR else "BELOW"
        runs = [*self.single[0], *self.single[1], *self.concurrent[0], *self.concurrent[1]]
        errors = sum(run.errors for run in runs)
        writers = self.concurrent[0][0].writers
        projecting = "read models in the server" if self.projections_in_server else (
            "read models projected elsewhere")
        return [
            f"http (postgresql, {of}{self.workers} server worker(s), {self.client} client,"
            f" {projecting}):"
            f" command p50 {p50_http:.2f} ms vs in-process {p50_in:.2f} ms:"
            f" +{self.p50_overhead_ms:.2f} ms ({p50_ok} bar <= +{P50_BAR_MS} ms)",
            f"http (postgresql): {writers} clients {tp_http:.0f} ops/s vs {writers} in-process"
            f" writers {tp_in:.0f} ops/s: ratio {self.throughput_ratio:.2f}"
            f" ({tp_ok} bar >= {THROUGHPUT_BAR})" + (f"; {errors} errors" if errors else ""),
        ]


def measure_http(server_dsn: str, *, single_ops: int = 300, concurrent_ops: int = 800,
                 writers: int = 8, workers: int = 1, client: Client = "stdlib",
                 rounds: int = 2, progress: bool = False,
                 projections_in_server: bool = False) -> HttpResult:
    """``rounds`` x four runs, interleaved, each on a fresh database: in-process and HTTP, with
    one writer and with ``writers``."""

    def run(http: bool, count: int, ops: int) -> RunResult:
        with fresh_database(server_dsn) as dsn:
            workload = (HttpWorkload(dsn=dsn, writers=count, ops=ops, workers=workers,
                                     client=client, projections_in_server=projections_in_server)
                        if http
                        else CarepathWorkload(dsn=dsn, writers=count, ops=ops))
            label = "http" if http else "in-process"
            return run_workload(workload, writers=count, ops=ops, label=label,
                                progress=progress)

    single: tuple[list[RunResult], list[RunResult]] = ([], [])
    concurrent: tuple[list[RunResult], list[RunResult]] = ([], [])
    for _ in range(rounds):
        for kind, over_http in enumerate((False, True)):
            single[kind].append(run(over_http, 1, single_ops))
            concurrent[kind].append(run(over_http, writers, concurrent_ops))
    return HttpResult(single, concurrent, workers, client, projections_in_server)
