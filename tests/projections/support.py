"""The known caseload on SQLite and on PostgreSQL, once per test module, and ways to read a
projection's tables back (scoped queries, whole tables to compare two generations).

The PostgreSQL database is the module's own, so the log holds the caseload and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from projections.catch_up import catch_up, tables_of
from projections.live import live_generation
from projections.log import OrderedLog
from projections.projection import Projection
from projections.store import PostgresReadStore, ReadStore, SQLiteReadStore, Tx
from services.composition import Container, bootstrap
from services.settings import load_settings
from tests.postgres import throwaway_database
from tests.projections.caseload import Caseload, write_caseload


@dataclass
class Known:
    container: Container
    store: ReadStore
    log: OrderedLog
    caseload: Caseload


def known_caseload(request: pytest.FixtureRequest,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[Known]:
    """The body of a module-scoped fixture parametrised with ``sqlite`` and ``postgres``."""
    path = tmp_path_factory.mktemp(f"caseload-{request.param}")
    with _stores(request, path) as (container, store):
        caseload = write_caseload(container.pathways)
        yield Known(container, store, OrderedLog(container.pathways), caseload)


@contextmanager
def stores(request: pytest.FixtureRequest, path: Any) -> Iterator[Known]:
    """An empty log and read store of the fixture's kind, for a test module's own caseload."""
    with _stores(request, path) as (container, store):
        yield Known(container, store, OrderedLog(container.pathways), Caseload({}, {}))


@contextmanager
def _stores(request: pytest.FixtureRequest, path: Any
            ) -> Iterator[tuple[Container, ReadStore]]:
    if request.param == "postgres":
        with throwaway_database(request.getfixturevalue("postgres_dsn"), "carepath_rm_") as dsn, \
                log_and_read_store(path, dsn) as stores:
            yield stores
        return
    with log_and_read_store(path) as stores:
        yield stores


@contextmanager
def log_and_read_store(path: Path, dsn: str | None = None, *,
                       clock: Callable[[], datetime] | None = None
                       ) -> Iterator[tuple[Container, ReadStore]]:
    """A container whose log is in PostgreSQL database ``dsn`` (or, without one, SQLite files
    in ``path``), and the read store beside it; both closed afterwards."""
    if dsn is None:
        container = bootstrap(load_settings(data_dir=path), clock=clock)
        store: ReadStore = SQLiteReadStore(path / "ReadModels.sqlite3")
    else:
        container = bootstrap(load_settings(data_dir=path, database_url=dsn), clock=clock)
        store = PostgresReadStore(dsn)
    try:
        yield container, store
    finally:
        store.close()
        container.close()


def caught_up(known: Known, projection: Projection, generation: int = 1, *,
              batch: int = 2_000) -> None:
    catch_up(known.store, known.log, projection, generation, batch=batch)


@contextmanager
def scoped(known: Known, projection: Projection, generation: int = 1) -> Iterator[Tx]:
    """A transaction whose ``{table}`` names are the generation's tables (as views take)."""
    with known.store.transaction() as tx:
        yield tx.with_tables(tables_of(projection, generation))


def table_rows(known: Known, projection: Projection, generation: int
               ) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of one generation, sorted: two folds compare equal."""
    with scoped(known, projection, generation) as tx:
        return {table: sorted(tx.all(f"SELECT * FROM {{{table}}}"), key=repr)
                for table in projection.tables}


def rebuilt_as_caught_up_alone(known: Known, projections: Sequence[Projection]) -> None:
    """Each projection's live generation is a rebuild (past 1) whose rows are generation 1's,
    each projection caught up alone."""
    for projection in projections:
        generation = live_generation(known.store, projection.name, fresh=True)
        assert generation is not None
        assert generation > 1
        assert table_rows(known, projection, generation) == table_rows(known, projection, 1), (
            projection.name)
