"""The one translation of carepath's settings into eventsourcing's ``env=`` dictionary.

Every application (the write side now; projections and the relay later) is built with
:func:`eventsourcing_env`, so storage, pooling, timeouts and encryption are decided in one place.
"""

from __future__ import annotations

import math
import re

from services.settings import ConfigurationError, Settings, postgres_params
from services.store.postgres import LIBPQ_CONNECT_TIMEOUT, OPERATION_TIMEOUT

MAPPER_TOPIC = "services.store.mapper:CanonicalMapper"
CIPHER_TOPIC = "eventsourcing.cryptography:AESCipher"
# The recorders extend the tamper-evidence tree in each save's transaction (services.integrity).
POSTGRES_FACTORY_TOPIC = "services.integrity.recorders:ChainedPostgresFactory"
SQLITE_RECORDER_TOPIC = "services.integrity.recorders:ChainedSQLiteRecorder"
_APP_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,40}$")


def eventsourcing_env(settings: Settings, app_name: str) -> dict[str, str]:
    """The ``env=`` dict for an eventsourcing ``Application`` named ``app_name``.

    Keys are unprefixed; the caller passes the dict as ``Application(env=...)``, which takes
    precedence over unprefixed OS variables (``<APPNAME>_<KEY>`` OS variables still win, as
    the library designs). Creates ``data_dir`` when the embedded SQLite store is used.
    """
    if not _APP_NAME.match(app_name):
        msg = f"application name {app_name!r} must match {_APP_NAME.pattern}"
        raise ConfigurationError(msg)
    env = {"MAPPER_TOPIC": MAPPER_TOPIC}
    if settings.database_url is None:
        env |= _sqlite_env(settings, app_name)
    else:
        env |= _postgres_env(settings, postgres_params(settings.database_url.get_secret_value()))
    if settings.cipher_key is not None:
        env["CIPHER_TOPIC"] = CIPHER_TOPIC
        env["CIPHER_KEY"] = settings.cipher_key.get_secret_value()
    return env


def _lock_wait(settings: Settings) -> int:
    """SQLite's busy timeout: the lock timeout, but never beyond the database timeout."""
    bound = max(1, math.ceil(settings.database_timeout_seconds))
    return min(settings.lock_timeout_seconds, bound)


def _sqlite_env(settings: Settings, app_name: str) -> dict[str, str]:
    """One file per application: eventsourcing's SQLite table names are not per app.

    A locked, read-only or missing file is reported as ``StoreUnavailable`` by the recorder.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(settings.data_dir / f"{app_name}.sqlite3"),
        "SQLITE_LOCK_TIMEOUT": str(_lock_wait(settings)),
        "APPLICATION_RECORDER_TOPIC": SQLITE_RECORDER_TOPIC,
        "CREATE_TABLE": "y" if settings.create_event_tables else "n",
    }


def _postgres_env(settings: Settings, params: dict[str, str]) -> dict[str, str]:
    """PostgreSQL store settings; overflow equals the pool size so load can at most double it.

    ``CAREPATH_DATABASE_TIMEOUT_SECONDS`` bounds the pool wait, each statement, libpq's connect
    (unless the URL sets ``connect_timeout``) and an idle transaction (see ``store.postgres``).
    """
    timeout = settings.database_timeout_seconds
    whole_seconds = str(max(1, math.ceil(timeout)))
    env = {
        "PERSISTENCE_MODULE": POSTGRES_FACTORY_TOPIC,
        "POSTGRES_DBNAME": params["dbname"],
        "POSTGRES_HOST": params["host"],
        "POSTGRES_PORT": params.get("port", "5432"),
        "POSTGRES_USER": params["user"],
        "POSTGRES_PASSWORD": params.get("password", ""),
        "POSTGRES_LOCK_TIMEOUT": str(settings.lock_timeout_seconds),
        "POSTGRES_POOL_SIZE": str(settings.pool_size),
        "POSTGRES_MAX_OVERFLOW": str(settings.pool_size),
        # The library's name for the pool wait; the factory then sets it to the exact float.
        "POSTGRES_CONNECT_TIMEOUT": whole_seconds,
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": whole_seconds,
        "POSTGRES_PRE_PING": "y",
        OPERATION_TIMEOUT: str(timeout),
        LIBPQ_CONNECT_TIMEOUT: params.get("connect_timeout", whole_seconds),
        # 9.5.6's database functions write to the wrong table when apps share a schema.
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        # "n" where a deployment's owner role created the tables (carepath store init) and
        # the service's role may only insert and read them.
        "CREATE_TABLE": "y" if settings.create_event_tables else "n",
    }
    return env


def read_store_conninfo(settings: Settings) -> str | None:
    """The libpq connection string of the read models' database (None: the embedded SQLite)."""
    if settings.database_url is None:
        return None
    return settings.database_url.get_secret_value()
