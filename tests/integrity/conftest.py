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
def attacker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Attacker]:
    if request.param == "sqlite":
        settings = load_settings(data_dir=tmp_path)
        target = str(tmp_path / "Pathways.sqlite3")
    else:
        target = request.getfixturevalue("fresh_postgres_dsn")
        settings = load_settings(database_url=target, data_dir=tmp_path)
    container = bootstrap(settings)
    try:
        seed_demo(container.pathways, count=PATHWAYS, seed=7)
        container.integrity.seal()
        yield Attacker(container, request.param, target, container.integrity.store.tables)
    finally:
        container.close()
