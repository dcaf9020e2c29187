"""The one composition root: settings -> stores -> applications (-> HTTP app, in http/).

Nothing else builds infrastructure; tests call ``bootstrap`` with their own settings or clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from projections.store import PostgresReadStore, ReadStore, SQLiteReadStore
from services.application import Pathways
from services.queries import PathwayQueries
from services.settings import Settings, load_settings
from services.store.environment import eventsourcing_env, read_store_conninfo

log = logging.getLogger("carepath")
PLAINTEXT_WARNING = (
    "CAREPATH_ALLOW_PLAINTEXT_STORAGE=true: production events, PHI included, are stored"
    " unencrypted; set CAREPATH_CIPHER_KEY to encrypt them")


@dataclass
class Container:
    settings: Settings
    pathways: Pathways
    queries: PathwayQueries
    read_store: ReadStore

    @property
    def storage(self) -> str:
        """A description for logs and the health check, with no secret in it."""
        if self.settings.database_url is None:
            return f"sqlite ({self.settings.data_dir})"
        return "postgresql"

    def close(self) -> None:
        self.read_store.close()
        self.pathways.close()


def bootstrap(settings: Settings | None = None, *,
              clock: Callable[[], datetime] | None = None) -> Container:
    settings = settings or load_settings()
    if settings.stores_plaintext:  # refused at validation unless explicitly accepted
        log.warning(PLAINTEXT_WARNING)
    pathways = Pathways(
        env=eventsourcing_env(settings, Pathways.name),
        clock=clock or (lambda: datetime.now(UTC)),
        conflict_retries=settings.conflict_retries,
        conflict_wait=settings.conflict_wait_seconds,
        clock_skew=timedelta(seconds=settings.clock_skew_seconds),
    )
    return Container(settings=settings, pathways=pathways, queries=PathwayQueries(pathways),
                     read_store=open_read_store(settings))


READ_MODELS_FILE = "ReadModels.sqlite3"


def open_read_store(settings: Settings) -> ReadStore:
    """The read models' database: a SQLite file beside the events, or the same PostgreSQL."""
    conninfo = read_store_conninfo(settings)
    if conninfo is None:
        return SQLiteReadStore(settings.data_dir / READ_MODELS_FILE,
                               busy_timeout_seconds=settings.database_timeout_seconds)
    return PostgresReadStore(conninfo, pool_size=settings.pool_size,
                             timeout_seconds=settings.database_timeout_seconds)
