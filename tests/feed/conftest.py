"""A store with the demo caseload for the feed's tests (SQLite, the embedded default)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.composition import Container, bootstrap
from services.demo import seed_demo
from services.http import create_app
from services.settings import load_settings
from tests.http.support import PLATFORM

DEMO_PATHWAYS = 12


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    seeded = bootstrap(load_settings(data_dir=tmp_path_factory.mktemp("feed")))
    seed_demo(seeded.pathways, count=DEMO_PATHWAYS)
    yield seeded
    seeded.close()


@pytest.fixture(scope="module")
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), headers=PLATFORM) as test_client:
        yield test_client


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Container]:
    """An empty store of the test's own."""
    empty = bootstrap(load_settings(data_dir=tmp_path / "data"))
    yield empty
    empty.close()
