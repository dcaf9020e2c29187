"""The write side: get -> call -> save, with idempotency and optimistic concurrency.

Business decisions live in ``domain``; this layer stamps server time, recognises retries by
their idempotency key, and re-decides a command when another writer won the race. A command
decides on a pathway checked out of this process's cache (``services.store.cache``) and
brought up to date with only the events stored after its version, so its cost does not grow
with the history. Reads of state, as-of and history live in ``services.queries``.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar, cast
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Recording

from domain.context import CLOCK_SKEW, CommandContext
from domain.errors import CommandRejected
from domain.pathway import commands as c
from domain.pathway.aggregate import Pathway
from domain.pathway.state import command_key
from services.access.policy import Action, Forbidden, authorize, scope_of
from services.access.principal import Principal
from services.backoff import ConflictBackoff
from services.errors import (
    ConcurrencyConflict,
    IdempotencyKeyReused,
    PathwayNotFound,
    VersionMismatch,
)
from services.store.cache import CheckoutCache
from services.store.positions import stored_position

_OPEN_NAMESPACE = uuid5(NAMESPACE_URL, "urn:carepath:pathway-opened")
CACHE_SIZE = 1000
"""Pathways a process keeps decided state for (a 1,000-event pathway holds ~0.4 MB)."""


@dataclass(frozen=True)
class Caller:
    """Who sends a command and how to recognise its retries (from the edge: HTTP or broker).

    An edge makes its callers from a verified token (``services.access.gate.caller_of``): the
    ``principal`` is then decided against the policy table here, for every command. A caller
    without one is code of this process (the demo seeder, the CLI, tests) and is trusted.
    """

    actor_id: str
    actor_role: str
    correlation_id: str
    idempotency_key: str
    principal: Principal | None = None


@dataclass(frozen=True)
class RecordedEvent:
    version: int
    type: str


@dataclass(frozen=True)
class CommandResult:
    pathway_id: UUID
    version: int
    events: tuple[RecordedEvent, ...]
    replayed: bool = False
    """True when this answers a retry: the events were recorded by the first attempt."""
    log_position: int = 0
    """Where the ordered log stood once the events were stored: a read model that has reached
    this position shows them (read-your-writes). A retry answers the first attempt's."""


def request_digest(command: c.Command) -> str:
    body = type(command).__name__.encode() + b":" + command.model_dump_json().encode()
    return hashlib.sha256(body).hexdigest()


class Answered(Protocol):
    """What an observer reads of a command's answer: a pathway's ``CommandResult``, or a
    group's (``services.groups.GroupResult``)."""

    @property
    def replayed(self) -> bool: ...


CommandObserver = Callable[[c.Command, Answered | None, Exception | None], None]
_Method = TypeVar("_Method", bound=Callable[..., Answered])


class _Observed(Protocol):
    on_command: list[CommandObserver]


def observed(method: _Method) -> _Method:
    """Tell ``on_command`` how a command was answered (its result, or the error raised): the
    commands of ``Pathways`` and of ``services.groups.Groups`` (which shares the list)."""

    @functools.wraps(method)
    def observing(self: _Observed, *args: Any, **kwargs: Any) -> Answered:
        if not self.on_command:
            return method(self, *args, **kwargs)
        command = next(a for a in (*args, *kwargs.values()) if isinstance(a, c.Command))
        try:
            result = method(self, *args, **kwargs)
        except Exception as error:
            for callback in self.on_command:
                callback(command, None, error)
            raise
        for callback in self.on_command:
            callback(command, result, None)
        return result

    return cast("_Method", observing)


class Pathways(Application[UUID]):
    """The carepath write application (its tables are ``pathways_*`` on PostgreSQL)."""

    name = "Pathways"

    def __init__(self, env: dict[str, str] | None = None, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 conflict_retries: int = 3, conflict_wait: float = 1.0,
                 clock_skew: timedelta = CLOCK_SKEW, cache_size: int = CACHE_SIZE) -> None:
        super().__init__(env=env)
        self.clock = clock
        self.backoff = ConflictBackoff(retries=conflict_retries, budget=conflict_wait)
        self.clock_skew = clock_skew
        self.cache: CheckoutCache[Pathway] = CheckoutCache(cache_size)
        self.on_saved: list[Callable[[int], None]] = []
        """Called after each successful save with the log position it reached (read models'
        followers in this process wake on it). Must not raise: the save has happened."""
        self.on_command: list[CommandObserver] = []
        """Called after each command with its answer, or the error it raised (metrics count
        commands by outcome and rule id). Must not raise: the command has been answered."""

    # ----- commands ------------------------------------------------------------------------

    @observed
    def open_pathway(self, command: c.OpenPathway, caller: Caller) -> CommandResult:
        """Open a pathway; its id derives from the caller and key, so a retry finds it."""
        if caller.principal is not None:  # a therapist opens pathways for their own caseload
            authorize(caller.principal, Action.COMMAND, command.therapist_id)
        pathway_id = uuid5(_OPEN_NAMESPACE, f"{caller.actor_id}\x1f{caller.idempotency_key}")
        ctx = self._context(command, caller)
        try:
            existing = self._checkout(pathway_id)
        except PathwayNotFound:
            pathway = Pathway.open(pathway_id, command, ctx)
            recorded = _pending(pathway)
            try:
                recordings = self.save(pathway)
            except IntegrityError:  # the same retry raced us and won
                existing = self._checkout(pathway_id)
            else:
                self.cache.give(pathway)
                return CommandResult(pathway_id, pathway.version, recorded,
                                     log_position=_last_position(recordings))
        try:
            return self._replay(existing, ctx)
        finally:
            self.cache.give(existing)

    @observed
    def execute(self, pathway_id: UUID, command: c.Command, caller: Caller,
                expected_version: int | None = None) -> CommandResult:
        """get -> call -> save; re-decides on a lost race unless the caller pinned a version."""
        attempts = self.backoff.retries + 1 if expected_version is None else 1
        pauses = self.backoff.pauses()
        if caller.principal is not None:  # a role that may issue no command reads nothing
            scope_of(caller.principal, Action.COMMAND)
        for attempt in range(attempts):
            if attempt:  # lost a race: let the other writers through before re-deciding
                self.backoff.sleep(next(pauses))
            pathway = self._checkout(pathway_id)
            self._authorize(caller, pathway)
            ctx = self._context(command, caller)
            if command_key(ctx.actor_id, ctx.idempotency_key) in pathway.state.commands:
                try:
                    return self._replay(pathway, ctx)
                finally:
                    self.cache.give(pathway)
            if expected_version is not None and pathway.version != expected_version:
                self.cache.give(pathway)
                raise VersionMismatch(expected_version, pathway.version)
            self._decide(pathway, command, ctx)
            recorded = _pending(pathway)
            try:
                recordings = self.save(pathway)
            except IntegrityError:  # the taken pathway is dropped: it is ahead of the store
                if expected_version is not None:
                    raise VersionMismatch(expected_version, self._latest_version(pathway_id)
                                          ) from None
                continue
            self.cache.give(pathway)
            return CommandResult(pathway_id, pathway.version, recorded,
                                 log_position=_last_position(recordings))
        raise ConcurrencyConflict(attempts)

    # ----- internals -----------------------------------------------------------------------

    def _authorize(self, caller: Caller, pathway: Pathway) -> None:
        """The policy table's decision on a command to ``pathway`` (its therapist's caseload);
        a refused pathway goes back to the cache untouched."""
        if caller.principal is None:
            return
        try:
            authorize(caller.principal, Action.COMMAND, pathway.state.therapist_id)
        except Forbidden:
            self.cache.give(pathway)
            raise

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's save (events of every aggregate given, in one transaction), collecting
        our aggregates' pending events without its two runtime protocol checks per aggregate
        (20-40 us each: a group session saves ten aggregates)."""
        processing = ProcessingEvent[UUID]()
        for obj in objs:
            if isinstance(obj, Aggregate):
                processing.events.extend(obj.collect_events())
                processing.aggregates[obj.id] = obj
            else:
                processing.collect_events(obj)
        processing.saved_kwargs.update(kwargs)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        self.notify(processing.events)  # the library's deprecated hook, as its save calls it
        return recordings

    def _notify(self, recordings: list[Any]) -> None:
        """The library's hook after a save: tell ``on_saved`` where the log now ends."""
        if recordings and self.on_saved:
            position = max(recording.notification.id for recording in recordings)
            for callback in self.on_saved:
                callback(position)

    def _checkout(self, pathway_id: UUID) -> Pathway:
        """The pathway now, for this caller alone: from the cache, brought up to date with only
        the events stored after its version (another replica may have written), or replayed.

        Whoever checks a pathway out gives it back (``self.cache.give``) only when it matches
        the store again; a pathway that is not given back is simply dropped.
        """
        pathway = self.cache.take(pathway_id)
        if pathway is None:
            return self.load(pathway_id)
        newer = self.repository.event_store.get(pathway_id, gt=pathway.version)
        fresh: Pathway = replay(pathway, newer)
        return fresh

    def _decide(self, pathway: Pathway, command: c.Command, ctx: CommandContext) -> None:
        """``pathway.handle``; a refusal that left the pathway untouched gives it back.

        The domain refuses in guards before triggering events, but a command that triggers
        several events could be refused after the first, and an event that fails to apply
        leaves the state half-changed: neither is given back.
        """
        version = pathway.version
        try:
            pathway.handle(command, ctx)
        except CommandRejected:
            if pathway.version == version and not pathway.pending_events:
                self.cache.give(pathway)
            raise

    def _latest_version(self, pathway_id: UUID) -> int:
        pathway = self._checkout(pathway_id)
        self.cache.give(pathway)
        return pathway.version

    def load(self, pathway_id: UUID, version: int | None = None) -> Pathway:
        """The pathway now, or as it stood at ``version`` (at most its latest version), replayed
        from the store: the caller owns it. Commands use the cache (``_checkout``) instead.
        """
        try:
            pathway: Any = self.repository.get(pathway_id, version=version,
                                               projector_func=replay)
        except AggregateNotFoundError:
            raise PathwayNotFound(pathway_id) from None
        if not isinstance(pathway, Pathway):  # another aggregate's id (a group's)
            raise PathwayNotFound(pathway_id)
        return pathway

    def checkout(self, pathway_id: UUID) -> Pathway:
        """The pathway now, for a command of another aggregate that decides it too (a group
        session): the caller gives it back to ``cache`` once it matches the store again."""
        return self._checkout(pathway_id)

    def context(self, command: c.Command, caller: Caller) -> CommandContext:
        """The command's context: who, when (the server's clock), and its request digest."""
        return self._context(command, caller)

    def _context(self, command: c.Command, caller: Caller) -> CommandContext:
        return CommandContext(actor_id=caller.actor_id, actor_role=caller.actor_role,
                              correlation_id=caller.correlation_id,
                              idempotency_key=caller.idempotency_key,
                              recorded_at=self.clock(), request_digest=request_digest(command),
                              clock_skew=self.clock_skew)

    def _replay(self, pathway: Pathway, ctx: CommandContext) -> CommandResult:
        record = pathway.state.commands.get(command_key(ctx.actor_id, ctx.idempotency_key))
        if record is None or record.digest != ctx.request_digest:
            raise IdempotencyKeyReused(ctx.idempotency_key)
        events = self.repository.event_store.get(
            pathway.id, gt=record.first_version - 1 or None, lte=record.last_version)
        recorded = tuple(RecordedEvent(ev.originator_version, type(ev).__name__)
                         for ev in events)
        position = stored_position(self.recorder, pathway.id, record.last_version)
        return CommandResult(pathway.id, record.last_version, recorded, replayed=True,
                             log_position=position)


def replay(pathway: Any, events: Iterable[Any]) -> Any:
    """Apply stored events in order.

    The library's default projector asserts ``isinstance(event, CanMutateProtocol)`` on every
    event: a runtime-checkable Protocol check costing 20-50 us each, the largest single cost of
    loading a pathway. Our mapper only ever yields catalogue events, so the check is skipped.
    """
    for event in events:
        pathway = event.mutate(pathway)
    return pathway


def _pending(pathway: Pathway) -> tuple[RecordedEvent, ...]:
    return tuple(RecordedEvent(ev.originator_version, type(ev).__name__)
                 for ev in pathway.pending_events)


def _last_position(recordings: Sequence[Any]) -> int:
    """The log position of the last event a save stored (its notification id)."""
    return max((recording.notification.id for recording in recordings), default=0)
