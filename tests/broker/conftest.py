"""A store holding every event type (a pathway's and a group's), seeded once per module (the
relay tests only read it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.composition import bootstrap
from services.settings import load_settings
from tests.broker.support import every_event_type
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
