"""Fixtures: a seeded and sealed store on SQLite and on PostgreSQL, with its attacker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.composition import bootstrap
from services.demo.seed import seed_demo
from services.settings import load_settings
from tests.integrity.support import Attacker

PATHWAYS = 6


@pytest.fixture(params=["sqlite", "postgres"])
def empty_attacker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Attacker]:
    """An attacker with raw SQL on a store with nothing recorded yet, on SQLite and on
    PostgreSQL; its container is closed after the test."""
    if request.param == "sqlite":
        settings = load_settings(data_dir=tmp_path)
        target = str(tmp_path / "Pathways.sqlite3")
    else:
        target = request.getfixturevalue("fresh_postgres_dsn")
        settings = load_settings(database_url=target, data_dir=tmp_path)
    container = bootstrap(settings)
    try:
        yield Attacker(container, request.param, target, container.integrity.store.tables)
    finally:
        container.close()


@pytest.fixture
def attacker(empty_attacker: Attacker) -> Attacker:
    """The demo's pathways recorded and sealed, and an attacker with raw SQL on them."""
    seed_demo(empty_attacker.container.pathways, count=PATHWAYS, seed=7)
    empty_attacker.container.integrity.seal()
    return empty_attacker
