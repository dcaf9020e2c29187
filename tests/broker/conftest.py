"""A store holding every event type (a pathway's and a group's), seeded once per module (the
relay tests only read it); each broker family in turn, and a store of the test's own on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.composition import Container, bootstrap
from services.settings import load_settings
from tests.broker.support import URLS, every_event_type, new_names, reachable
from tests.group_events import every_group_event


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("seeded")
    container = bootstrap(load_settings(data_dir=data_dir))
    try:
        every_event_type(container.pathways)
        every_group_event(container)
    finally:
        container.close()
    return data_dir


@pytest.fixture(params=["nats", "rabbit", "redis"])
def family(request: pytest.FixtureRequest) -> str:
    """Each broker family the service speaks (skipped, or in CI failed, when not reachable)."""
    chosen: str = request.param
    reachable(URLS[chosen])
    return chosen


@pytest.fixture
def container(family: str, tmp_path: Path) -> Iterator[Container]:
    """An empty store whose broker is ``family``'s, under names of the test's own."""
    made = bootstrap(load_settings(data_dir=tmp_path / "data", broker_url=URLS[family],
                                   broker_prefix=new_names().prefix))
    yield made
    made.close()
