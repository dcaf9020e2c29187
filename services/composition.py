"""The one composition root: settings -> stores -> applications (-> HTTP app, in http/).

Nothing else builds infrastructure; tests call ``bootstrap`` with their own settings or clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.application import Pathways
from services.queries import PathwayQueries
from services.settings import Settings, load_settings
from services.store.environment import eventsourcing_env

log = logging.getLogger("carepath")
PLAINTEXT_WARNING = (
    "CAREPATH_ALLOW_PLAINTEXT_STORAGE=true: production events, PHI included, are stored"
    " unencrypted; set CAREPATH_CIPHER_KEY to encrypt them")


@dataclass
class Container:
    settings: Settings
    pathways: Pathways
    queries: PathwayQueries

    @property
    def storage(self) -> str:
        """A description for logs and the health check, with no secret in it."""
        if self.settings.database_url is None:
            return f"sqlite ({self.settings.data_dir})"
        return "postgresql"

    def close(self) -> None:
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
    return Container(settings=settings, pathways=pathways, queries=PathwayQueries(pathways))
