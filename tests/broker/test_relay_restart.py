"""The relay killed with SIGKILL in the middle of a burst: a second copy, waiting on the lock,
takes over; killed in turn, the first is restarted and finishes. A consumer that dedupes by
id sees every event once, in log order; NATS and Redis hold no duplicate at all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from projections.log import OrderedLog
from services.broker.names import Names
from services.broker.runtime import relay_name
from services.broker.status import RelayStatus, relay_status
from services.composition import Container, bootstrap
from services.demo.seed import seed_demo
from services.settings import load_settings
from tests.broker.consumers import (
    RabbitTap,
    Received,
    nats_all,
    nats_forget,
    redis_all,
    redis_forget,
)
from tests.broker.support import URLS, expected_ids, new_names, reachable, run, wait_until

CAREPATH = Path(sys.executable).parent / "carepath"


class Relays:
    """``carepath relay run`` processes over one data directory."""

    def __init__(self, data_dir: Path, url: str, names: Names) -> None:
        self.env = {**os.environ, "CAREPATH_DATA_DIR": str(data_dir),
                    "CAREPATH_BROKER_URL": url, "CAREPATH_BROKER_PREFIX": names.prefix}
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            [str(CAREPATH), "relay", "run"], env=self.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        self.running.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.terminate()
                process.wait(15)


@pytest.fixture
def relays(tmp_path: Path) -> Iterator[Relays]:
    made: list[Relays] = []

    def make(url: str, names: Names) -> Relays:
        made.append(Relays(tmp_path / "data", url, names))
        return made[-1]

    yield make  # type: ignore[misc]
    for each in made:
        each.stop_all()


def status_of(container: Container, names: Names) -> RelayStatus:
    return relay_status(container.read_store, OrderedLog(container.pathways),
                        relay_name(names), None)


def led_by(container: Container, names: Names, process: subprocess.Popen[bytes]) -> bool:
    worker = status_of(container, names).worker
    return worker is not None and worker.endswith(f":{process.pid}")


def published_beyond(container: Container, names: Names, position: int) -> bool:
    return (status_of(container, names).position or 0) > position


@pytest.mark.parametrize("family", ["nats", "rabbit", "redis"])
def test_a_relay_killed_mid_burst_and_restarted_publishes_no_gap_and_no_duplicate(
        family: str, tmp_path: Path, relays: object) -> None:
    url = URLS[family]
    reachable(url)
    names = new_names()
    container = bootstrap(load_settings(data_dir=tmp_path / "data", broker_url=url,
                                        broker_prefix=names.prefix))
    tap = RabbitTap(url, names) if family == "rabbit" else None
    if tap is not None:
        run(tap.open())
    group: Relays = relays(url, names)  # type: ignore[operator]
    burst = threading.Thread(target=seed_demo, args=(container.pathways,),
                             kwargs={"count": 90, "seed": 8})
    try:
        first = group.start()
        burst.start()
        wait_until(lambda: led_by(container, names, first), 30, "the first relay leads")
        second = group.start()  # waits on the lock
        wait_until(lambda: published_beyond(container, names, 300), 60, "a first part")
        group.kill(first)
        reached = status_of(container, names).position or 0
        wait_until(lambda: led_by(container, names, second), 30, "the second takes over")
        wait_until(lambda: published_beyond(container, names, reached + 200), 60, "more")
        group.kill(second)
        burst.join(120)
        group.start()  # the first one, restarted
        head = OrderedLog(container.pathways).head()
        wait_until(lambda: status_of(container, names).position == head, 60, "the head")
        expected = expected_ids(container)
        received = held(family, url, names, tap)
    finally:
        group.stop_all()
        forget(family, url, names, tap)
        container.close()
    ids = [orjson.loads(message.body)["id"] for message in received]
    seen: set[str] = set()
    deduped = [i for i in ids if not (i in seen or seen.add(i))]  # type: ignore[func-returns-value]
    assert deduped == expected  # no gap, no duplicate, in log order
    if family in ("nats", "redis"):
        assert ids == expected  # the broker holds each event once


def held(family: str, url: str, names: Names, tap: RabbitTap | None) -> list[Received]:
    if family == "nats":
        return list(run(nats_all(url, names)))
    if tap is not None:
        return list(run(tap.drain()))
    return list(run(redis_all(url, names)))


def forget(family: str, url: str, names: Names, tap: RabbitTap | None) -> None:
    if family == "nats":
        run(nats_forget(url, names))
    elif tap is not None:
        run(tap.close())
    else:
        run(redis_forget(url, names))
