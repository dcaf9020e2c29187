"""The one composition root: settings -> stores -> applications (-> HTTP app, in http/).

Nothing else builds infrastructure; tests call ``bootstrap`` with their own settings or clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from projections.follower import FollowerOptions, wait_for
from projections.leader import AdvisoryLeadership, FileLeadership, Leadership
from projections.log import OrderedLog
from projections.projection import Projection
from projections.registry import all_projections
from projections.store import PostgresReadStore, ReadStore, SQLiteReadStore
from projections.workers import ProjectionWorkers
from services.access.caseloads import Caseloads
from services.access.gate import Gate
from services.access.keys import token_rules
from services.access.log.log import AccessLog
from services.access.tokens import TokenVerifier
from services.application import Pathways
from services.audit.trail import AuditTrail
from services.groups import Groups
from services.integration.envelope import Envelopes, envelopes_for
from services.integrity.service import Integrity, integrity_for
from services.queries import PathwayQueries
from services.settings import ConfigurationError, Settings, load_settings
from services.store.environment import eventsourcing_env, read_store_conninfo

if TYPE_CHECKING:
    from services.broker.relay import RelayOptions
    from services.broker.runtime import BrokerRuntime

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
    integrity: Integrity
    """Tamper evidence: seals the log with signed checkpoints, verifies, exports."""
    gate: Gate
    """Who is calling (bearer tokens) and what they may do (the policy table)."""
    workers: ProjectionWorkers | None = None
    """The read models' followers, once :meth:`start_projections` has started them."""

    @cached_property
    def audit(self) -> AuditTrail:
        """Every auditor's read (history, as-of, step-through, export) goes through it;
        ``audit.reading(...)`` is the same trail recording each read in the access log."""
        return AuditTrail(self.pathways)

    @cached_property
    def access_log(self) -> AccessLog:
        """Every read of a history, an as-of or an export, append-only and hash-chained: in
        the service's PostgreSQL database, or a SQLite file of its own beside the events."""
        settings = self.settings
        if settings.database_url is None:
            store: ReadStore = SQLiteReadStore(
                settings.data_dir / ACCESS_LOG_FILE,
                busy_timeout_seconds=settings.database_timeout_seconds, name="access log")
        else:
            store = self.read_store
        return AccessLog(store, settings.checkpoint_signer, clock=self.pathways.clock,
                         create=settings.database_url is None or settings.create_event_tables,
                         enabled=settings.access_log)

    @cached_property
    def envelopes(self) -> Envelopes:
        """CloudEvents envelopes of stored events: the relay and the HTTP feed share them."""
        return envelopes_for(self.settings)

    @cached_property
    def groups(self) -> Groups:
        """Group IPT: a group's commands decide its members' pathways too, saved with them in
        one transaction of the same store."""
        return Groups(self.pathways)

    @property
    def storage(self) -> str:
        """A description for logs and the health check, with no secret in it."""
        if self.settings.database_url is None:
            return f"sqlite ({self.settings.data_dir})"
        return "postgresql"

    def start_projections(self, projections: Sequence[Projection] | None = None,
                          options: FollowerOptions | None = None) -> ProjectionWorkers:
        """Follow the log into every read model (or ``projections``), in this process."""
        if self.workers is None:
            self.workers = projection_workers(self, projections, options)
            self.workers.start()
        return self.workers

    def stop_projections(self) -> None:
        if self.workers is not None:
            self.workers.stop()
            if self.workers.wakeups.notify in self.pathways.on_saved:
                self.pathways.on_saved.remove(self.workers.wakeups.notify)
            self.workers = None

    def wait_for(self, projection: str, position: int, timeout: float) -> bool:
        """Read-your-writes: wait until read model ``projection`` has applied log
        ``position`` (a command's ``CommandResult`` position, say); False after ``timeout``."""
        if self.workers is not None:
            return self.workers.wait_for(projection, position, timeout)
        return wait_for(self.read_store, projection, position, timeout)

    def wait_for_head(self, projection: str, timeout: float) -> bool:
        """Read-your-writes without a position: wait until read model ``projection`` has
        applied every event stored when this is called (one ``max()`` on the log)."""
        return self.wait_for(projection, OrderedLog(self.pathways).head(), timeout)

    def close(self) -> None:
        self.stop_projections()
        self.integrity.close()
        access_log: AccessLog | None = self.__dict__.get("access_log")
        if access_log is not None and access_log.store is not self.read_store:
            access_log.store.close()
        self.read_store.close()
        self.pathways.close()


def bootstrap(settings: Settings | None = None, *,
              clock: Callable[[], datetime] | None = None) -> Container:
    settings = settings or load_settings()
    if settings.stores_plaintext:  # refused at validation unless explicitly accepted
        log.warning(PLAINTEXT_WARNING)
    env = eventsourcing_env(settings, Pathways.name)
    pathways = Pathways(
        env=env,
        clock=clock or (lambda: datetime.now(UTC)),
        conflict_retries=settings.conflict_retries,
        conflict_wait=settings.conflict_wait_seconds,
        clock_skew=timedelta(seconds=settings.clock_skew_seconds),
    )
    integrity = integrity_for(
        pathways.recorder, env, conninfo=read_store_conninfo(settings),
        signer=settings.checkpoint_signer, interval_seconds=settings.checkpoint_interval_seconds,
        timeout_seconds=settings.database_timeout_seconds)
    pathways.on_saved.append(integrity.saved)
    gate = Gate(TokenVerifier(token_rules(settings)), Caseloads(pathways))
    return Container(settings=settings, pathways=pathways, queries=PathwayQueries(pathways),
                     read_store=open_read_store(settings), integrity=integrity, gate=gate)


READ_MODELS_FILE = "ReadModels.sqlite3"
ACCESS_LOG_FILE = "AccessLog.sqlite3"
LOCKS_DIR = "projections"


def projection_workers(container: Container, projections: Sequence[Projection] | None = None,
                       options: FollowerOptions | None = None) -> ProjectionWorkers:
    """A follower per read model, led by one copy per projection across processes (an
    advisory lock on PostgreSQL, a file lock in the data directory on SQLite), woken by this
    process's saves and, on PostgreSQL, by NOTIFY."""
    workers = ProjectionWorkers(
        container.read_store, OrderedLog(container.pathways),
        all_projections() if projections is None else projections,
        leadership_for(container.settings),
        listen_conninfo=read_store_conninfo(container.settings), options=options)
    container.pathways.on_saved.append(workers.wakeups.notify)
    return workers


def leadership_for(settings: Settings) -> Callable[[str], Leadership]:
    """How a worker leads projection ``name``: an advisory lock, or a file lock on SQLite."""
    conninfo = read_store_conninfo(settings)
    timeout = settings.database_timeout_seconds

    def leadership(name: str) -> Leadership:
        if conninfo is None:
            return FileLeadership(settings.data_dir / LOCKS_DIR / f"{name}.lock")
        return AdvisoryLeadership(conninfo, name, timeout_seconds=timeout)

    return leadership


def open_read_store(settings: Settings, *, timeout_seconds: float | None = None) -> ReadStore:
    """The read models' database: a SQLite file beside the events, or the same PostgreSQL
    (``timeout_seconds``: a longer wait than the service's, for a rebuild's large writes)."""
    conninfo = read_store_conninfo(settings)
    timeout = timeout_seconds or settings.database_timeout_seconds
    if conninfo is None:
        return SQLiteReadStore(settings.data_dir / READ_MODELS_FILE,
                               busy_timeout_seconds=timeout)
    return PostgresReadStore(conninfo, pool_size=settings.pool_size, timeout_seconds=timeout)


def broker_runtime(container: Container, *, relay: bool, commands: bool,
                   options: RelayOptions | None = None) -> BrokerRuntime:
    """The broker edge of ``CAREPATH_BROKER_URL``: the relay (led by one copy across
    processes, by the same locks as the read models, woken by this process's saves and, on
    PostgreSQL, by NOTIFY) and the command handlers, as asked."""
    from projections.wakeup import Listener, Wakeups  # noqa: PLC0415 - only with a broker
    from services.broker.names import Names  # noqa: PLC0415
    from services.broker.runtime import BrokerRuntime  # noqa: PLC0415
    from services.feed.pages import EventFeed  # noqa: PLC0415

    settings = container.settings
    if settings.broker_url is None:
        msg = "CAREPATH_BROKER_URL: not set; the broker edge needs a broker"
        raise ConfigurationError(msg)
    runtime = BrokerRuntime(settings.broker_url.get_secret_value(),
                            Names(settings.broker_prefix),
                            timeout_seconds=settings.database_timeout_seconds)
    if commands:
        runtime.serve_commands(container.pathways, container.gate, container.groups)
    if relay:
        log_ = OrderedLog(container.pathways)
        feed = EventFeed(container.pathways, container.envelopes)  # the HTTP feed's reader
        worker = runtime.add_relay(container.read_store, log_, feed, leadership_for(settings),
                                   options)
        container.pathways.on_saved.append(worker.wake)
        conninfo, channel = read_store_conninfo(settings), log_.wake_channel
        if conninfo is not None and channel is not None:
            wakeups = Wakeups()
            wakeups.subscribe(worker.wake)
            runtime.listener = Listener(conninfo, channel, wakeups)
    return runtime
