"""An unreachable or stuck event store becomes one error, ``StoreUnavailable``, raised at once.

Every read and write of a pathway passes through the application recorder, so the recorder is
where connection failures, pool waits and statement or lock timeouts are translated; the HTTP
edge answers the translated error with 503 and ``Retry-After``. Integrity errors (a lost race)
and programming errors pass through untouched: they are not outages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.sqlite import SQLiteApplicationRecorder

from services.errors import StoreUnavailable

log = logging.getLogger("carepath.store")
F = TypeVar("F", bound=Callable[..., Any])
_OUTAGES = (OperationalError, InterfaceError)
TRANSLATED_METHODS = ("insert_events", "select_events", "select_notifications",
                      "max_notification_id")
"""The recorder methods the write application, the queries and the readiness check call."""


def translating_outages(method: F) -> F:
    """Run ``method`` once; an outage-like failure is raised as ``StoreUnavailable``."""

    @wraps(method)
    def translated(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except StoreUnavailable:
            raise
        except _OUTAGES as error:
            reason = _first_line(error)
            log.warning("event store unavailable in %s: %s", method.__name__, reason)
            raise StoreUnavailable(reason) from error

    return cast("F", translated)


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]


class AvailableSQLiteRecorder(SQLiteApplicationRecorder):
    """The embedded store's recorder: a locked, read-only or vanished file is an outage."""


for _name in TRANSLATED_METHODS:
    setattr(AvailableSQLiteRecorder, _name,
            translating_outages(getattr(SQLiteApplicationRecorder, _name)))
