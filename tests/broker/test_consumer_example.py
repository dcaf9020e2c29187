"""The README's consumer example (FastStream, safety flags) runs as written against the real
NATS and the relay: it prints each safety flag raised, once."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

from projections.log import OrderedLog
from services.broker.names import Names
from services.composition import Container, bootstrap
from services.settings import load_settings
from tests.broker.consumers import nats_forget
from tests.broker.support import NATS_URL, new_names, reachable, relay_to_head, run

README = Path(__file__).parents[2] / "README.md"
MARKER = "<!-- consumer-example -->"


def example() -> str:
    """The example's code, as the README shows it."""
    after = README.read_text(encoding="utf-8").split(MARKER, 1)[1]
    found = re.search(r"```python\n(.*?)```", after, re.DOTALL)
    assert found is not None, "the README has no consumer example"
    return found.group(1)


def for_this_test(code: str, names: Names) -> str:
    """The example on this test's own stream and subjects (the README names the defaults)."""
    assert "carepath.events." in code
    assert "CAREPATH_EVENTS" in code
    return (code.replace("carepath.events.", f"{names.events}.")
            .replace("CAREPATH_EVENTS", names.stream)
            .replace('durable="crisis-line"', f'durable="{names.prefix}-crisis-line"'))


async def scenario(container: Container, names: Names, lines: list[str]) -> None:
    await relay_to_head(container)
    namespace: dict[str, Any] = {"print": lambda *args: lines.append(" ".join(map(str, args)))}
    exec(compile(for_this_test(example(), names), "README-example", "exec"),  # noqa: S102
         namespace)
    broker = namespace["broker"]
    flags = sum(1 for e in OrderedLog(container.pathways).read(0, 100_000)
                if e.type == "SafetyFlagRaised")
    await broker.start()
    try:
        deadline = time.monotonic() + 30
        while len(lines) < flags and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # nothing more arrives
    finally:
        await broker.stop()
    assert len(lines) == flags > 0


def test_the_readme_consumer_example_prints_each_safety_flag_once(seeded: Path) -> None:
    reachable(NATS_URL)
    names = new_names()
    container = bootstrap(load_settings(data_dir=seeded, broker_url=NATS_URL,
                                        broker_prefix=names.prefix))
    lines: list[str] = []
    try:
        run(scenario(container, names, lines))
        pathways = {str(e.pathway_id) for e in OrderedLog(container.pathways).read(0, 100_000)
                    if e.type == "SafetyFlagRaised"}
    finally:
        run(nats_forget(NATS_URL, names))
        container.close()
    assert all(line.startswith("flag ") for line in lines)
    assert {line.split(" on pathway ")[1].split(" ")[0] for line in lines} == pathways
