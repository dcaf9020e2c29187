"""The broker relay's speed bars (issue 7), against the machine's NATS JetStream.

``throughput``: the relay publishing a stored log of ``events`` from position 0 to the head
(reading batches from the store, enveloping, pipelined publishing with the order headers,
waiting for the acknowledgements, recording the position) beside a raw pipelined JetStream
publish (nats-py ``publish_async``, one ``Nats-Msg-Id`` header) of the same envelopes' bytes
to a stream of its own, in the same run, rounds interleaved; bar >= 0.5x raw.

``latency``: commands at a steady rate through the write application with the relay running
in-process (woken by each save), a plain NATS subscriber on every event subject; per command
from the moment its save returned (accepted) to the moment the subscriber received its last
event; bar p99 < 100 ms.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import orjson
from nats.aio.msg import Msg
from nats.js.api import StorageType, StreamConfig

from bench.stats import percentile
from domain.pathway import commands as c
from projections.log import OrderedLog
from services.application import Caller
from services.broker.connection import make_broker, outlet_for
from services.broker.messages import LogReader
from services.broker.names import Names
from services.broker.relay import Relay, RelayOptions
from services.broker.runtime import relay_name
from services.composition import Container, bootstrap, broker_runtime, leadership_for
from services.demo.bulk import seed_bulk
from services.feed.pages import EventFeed
from services.settings import load_settings

THROUGHPUT_BAR = 0.5
LATENCY_BAR_MS = 100.0
NATS_URL = "nats://127.0.0.1:4222"
Say = Callable[[str], None]


@dataclass(frozen=True)
class RelayThroughput:
    events: int
    raw_rates: list[float]
    relay_rates: list[float]

    @property
    def raw_rate(self) -> float:
        return percentile(sorted(self.raw_rates), 50)

    @property
    def relay_rate(self) -> float:
        return percentile(sorted(self.relay_rates), 50)

    @property
    def ratio(self) -> float:
        return self.relay_rate / self.raw_rate

    def meets_bar(self) -> bool:
        return self.ratio >= THROUGHPUT_BAR

    def render(self) -> str:
        verdict = "meets" if self.meets_bar() else "BELOW"
        return (f"relay (nats, sqlite): {self.events:,} events published at"
                f" {self.relay_rate:,.0f}/s beside a raw pipelined JetStream publish of the same"
                f" payloads at {self.raw_rate:,.0f}/s: ratio {self.ratio:.2f} ({verdict} bar"
                f" >= {THROUGHPUT_BAR}; medians of {len(self.raw_rates)} interleaved rounds)")


@dataclass(frozen=True)
class RelayLatency:
    rate: float
    achieved: float
    latencies_ms: list[float]

    def p(self, q: float) -> float:
        return percentile(sorted(self.latencies_ms), q)

    def meets_bar(self) -> bool:
        return self.p(99) < LATENCY_BAR_MS

    def render(self) -> str:
        verdict = "meets" if self.meets_bar() else "ABOVE"
        return (f"relay latency (nats, sqlite): {len(self.latencies_ms):,} commands at"
                f" {self.achieved:.1f}/s (asked {self.rate:g}/s); command accepted -> consumer"
                f" received p50 {self.p(50):.1f} ms, p99 {self.p(99):.1f} ms ({verdict} bar"
                f" < {LATENCY_BAR_MS:.0f} ms), max {max(self.latencies_ms):.1f} ms")


# ----- throughput ---------------------------------------------------------------------------

def run_throughput(*, pathways: int, rounds: int, url: str = NATS_URL,
                   say: Say | None = None) -> RelayThroughput:
    say = say or (lambda _text: None)
    with tempfile.TemporaryDirectory(prefix="carepath-bench-relay-") as data_dir:
        container = bootstrap(load_settings(data_dir=Path(data_dir)))
        try:
            say(f"relay: seeding {pathways:,} pathways ...")
            seed_bulk(container.pathways, count=pathways)
            log = OrderedLog(container.pathways)
            events = log.head()
            read = LogReader(EventFeed(container.pathways, container.envelopes), Names("bench"))
            payloads = [(m.subject, m.body, m.id) for m in read(0, events).messages]
            raw, relayed = [], []
            for round_ in range(1, rounds + 1):
                say(f"relay: round {round_} of {rounds}: raw publish, then the relay ...")
                raw.append(asyncio.run(_raw(url, payloads, round_)))
                relayed.append(asyncio.run(_relay(container, url, round_)))
        finally:
            container.close()
    return RelayThroughput(events, raw, relayed)


async def _raw(url: str, payloads: list[tuple[str, bytes, str]], round_: int) -> float:
    names = Names(f"benchraw{round_}-{int(time.time())}")
    connection = await nats.connect(url)
    js = connection.jetstream()
    await js.add_stream(StreamConfig(name=names.stream, subjects=[names.all_events],
                                     storage=StorageType.FILE))
    try:
        prefix = "bench.events."
        started = time.perf_counter()
        for subject, body, message_id in payloads:
            await js.publish_async(names.events + "." + subject.removeprefix(prefix), body,
                                   headers={"Nats-Msg-Id": message_id})
        await js.publish_async_completed()
        return len(payloads) / (time.perf_counter() - started)
    finally:
        await js.delete_stream(names.stream)
        await connection.close()


async def _relay(container: Container, url: str, round_: int) -> float:
    """The relay's own loop, stepped from a thread until the head is recorded."""
    names = Names(f"benchrelay{round_}-{int(time.time())}")
    broker = make_broker(url)
    await broker.start()
    relay = Relay(container.read_store, OrderedLog(container.pathways),
                  outlet_for(broker, names),
                  LogReader(EventFeed(container.pathways, container.envelopes), names),
                  leadership_for(container.settings)(relay_name(names)), name=relay_name(names),
                  options=RelayOptions(heartbeat_seconds=3600))
    relay.loop = asyncio.get_running_loop()

    def drain() -> int:
        published = 0
        while True:
            count = relay.step()
            if not count:
                return published
            published += count

    try:
        started = time.perf_counter()
        published = await asyncio.to_thread(drain)
        took = time.perf_counter() - started
    finally:
        relay.leadership.release()
        js = broker.config.connection_state.stream
        await js.delete_stream(names.stream)
        await broker.stop()
    return published / took


# ----- latency ------------------------------------------------------------------------------

def run_latency(*, rate: float, seconds: float, url: str = NATS_URL,
                say: Say | None = None) -> RelayLatency:
    say = say or (lambda _text: None)
    names = Names(f"benchlatency-{int(time.time())}")
    with tempfile.TemporaryDirectory(prefix="carepath-bench-latency-") as data_dir:
        container = bootstrap(load_settings(data_dir=Path(data_dir), broker_url=url,
                                            broker_prefix=names.prefix))
        try:
            say(f"relay latency: {rate:g} commands/s for {seconds:g}s ...")
            return asyncio.run(_latency(container, names, url, rate, seconds))
        finally:
            container.close()


async def _latency(container: Container, names: Names, url: str, rate: float,
                   seconds: float) -> RelayLatency:
    received: dict[str, float] = {}
    connection = await nats.connect(url)

    async def on_message(message: Msg) -> None:
        received[orjson.loads(message.data)["id"]] = time.perf_counter()

    await connection.subscribe(names.all_events, cb=on_message)
    runtime = broker_runtime(container, relay=True, commands=False)
    await runtime.start()
    await runtime.connected.wait()
    accepted: dict[str, float] = {}
    finished = threading.Event()
    driver = threading.Thread(target=_drive, args=(container, rate, seconds, accepted, finished))
    started = time.perf_counter()
    driver.start()
    while not finished.is_set():
        await asyncio.sleep(0.05)
    achieved = len(accepted) / (time.perf_counter() - started)
    deadline = time.perf_counter() + 10
    while not accepted.keys() <= received.keys() and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    await runtime.stop()
    await connection.close()
    js_connection = await nats.connect(url)
    await js_connection.jetstream().delete_stream(names.stream)
    await js_connection.close()
    latencies = [(received.get(key, float("inf")) - at) * 1000 for key, at in accepted.items()]
    return RelayLatency(rate, achieved, latencies)


def _drive(container: Container, rate: float, seconds: float, accepted: dict[str, float],
           finished: threading.Event) -> None:
    """Open a pathway, then record a measure on it, alternately, on a fixed schedule."""
    pathways = container.pathways
    total = round(rate * seconds)
    started = time.perf_counter()
    opened = None
    try:
        for n in range(total):
            due = started + n / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            caller = Caller(actor_id="bench", actor_role="therapist",
                            correlation_id=f"bench-{n}", idempotency_key=f"bench-{n}")
            now = datetime.now(UTC)
            if opened is None:
                result = pathways.open_pathway(c.OpenPathway(
                    occurred_at=now, client_ref=f"bench-{n}", client_age=30,
                    therapist_id="t-bench", protocol="ipt", referral_date=now.date()), caller)
                opened = result.pathway_id
            else:
                result = pathways.execute(opened, c.RecordMeasure(
                    occurred_at=now, instrument="phq9", items=(1, 1, 1, 1, 1, 1, 1, 1, 0)),
                    caller)
                opened = None
            accepted[f"{result.pathway_id}:{result.version}"] = time.perf_counter()
    finally:
        finished.set()


def relay_sections(args: Any, lines: list[str], sections: dict[str, Any], say: Say) -> bool:
    """Issue 7's lines: relay throughput against a raw publish, end-to-end latency."""
    if "relay" not in args.sections:
        return True
    say(f"relay: {args.relay_pathways:,} pathways' events, relay against raw publish ...")
    found = run_throughput(pathways=args.relay_pathways, rounds=args.relay_rounds,
                           url=args.relay_nats, say=say)
    lines.append(found.render())
    sections["relay_throughput"] = {
        "events": found.events, "raw_rates": found.raw_rates, "relay_rates": found.relay_rates,
        "ratio": found.ratio, "bar": THROUGHPUT_BAR}
    latency = run_latency(rate=args.relay_rate, seconds=args.relay_seconds,
                          url=args.relay_nats, say=say)
    lines.append(latency.render())
    sections["relay_latency"] = {"rate": latency.rate, "achieved": latency.achieved,
                                 "commands": len(latency.latencies_ms), "p50_ms": latency.p(50),
                                 "p99_ms": latency.p(99), "bar_ms": LATENCY_BAR_MS}
    return found.meets_bar() and latency.meets_bar()
