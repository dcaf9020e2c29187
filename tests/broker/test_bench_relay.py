"""Smoke run of the benchmark's relay section with tiny numbers: both lines, their bars, and
no stream left behind."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import nats
import pytest

from bench import main
from tests.broker.support import NATS_URL, reachable


async def bench_streams() -> set[str]:
    connection = await nats.connect(NATS_URL)
    try:
        names = [info.config.name or "" for info in await connection.jetstream().streams_info()]
        return {name for name in names
                if name.startswith(("BENCHRAW", "BENCHRELAY", "BENCHLATENCY"))}
    finally:
        await connection.close()


def test_the_relay_section_prints_throughput_and_latency_with_their_bars(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reachable(NATS_URL)
    before = asyncio.run(bench_streams())
    out = tmp_path / "bench.json"
    main(["--sections", "relay", "--relay-pathways", "10", "--relay-rounds", "1",
          "--relay-rate", "20", "--relay-seconds", "1", "--quiet", "--json", str(out)])
    text = capsys.readouterr().out
    assert "raw pipelined JetStream publish" in text
    assert "bar >= 0.5" in text
    assert "command accepted -> consumer received" in text
    sections = json.loads(out.read_text())["sections"]
    assert sections["relay_throughput"]["ratio"] > 0
    assert sections["relay_latency"]["commands"] == 20
    assert asyncio.run(bench_streams()) == before
