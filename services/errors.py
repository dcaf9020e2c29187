"""Refusals that come from the application layer rather than the clinical rules."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import OperationalError

RETRY_AFTER_SECONDS = 2
"""What a 503 advises: the store's pool reconnects within about a second of its return."""
READ_MODELS = "read models' store"
"""``StoreUnavailable.store`` of the read models' database (``projections.store``)."""


class ServiceError(Exception):
    """Base of the application layer's refusals."""


class PathwayNotFound(ServiceError):
    def __init__(self, pathway_id: UUID | str) -> None:
        super().__init__(f"no pathway {pathway_id}")
        self.pathway_id = pathway_id


class VersionNotFound(PathwayNotFound):
    """An as-of query asked for a version the pathway has not reached."""

    def __init__(self, pathway_id: UUID | str, version: int, latest: int) -> None:
        ServiceError.__init__(self, f"pathway {pathway_id} has no version {version}"
                              f" (latest is {latest})")
        self.pathway_id = pathway_id
        self.version = version
        self.latest = latest


class GroupNotFound(ServiceError):
    def __init__(self, group_id: UUID | str) -> None:
        super().__init__(f"no group {group_id}")
        self.group_id = group_id


class GroupVersionNotFound(GroupNotFound):
    """An as-of query asked for a version the group has not reached."""

    def __init__(self, group_id: UUID | str, version: int, latest: int) -> None:
        ServiceError.__init__(self, f"group {group_id} has no version {version}"
                              f" (latest is {latest})")
        self.group_id = group_id
        self.version = version
        self.latest = latest


class VersionMismatch(ServiceError):
    """The caller's If-Match version is not the pathway's (or group's) current version."""

    def __init__(self, expected: int, actual: int, aggregate: str = "pathway") -> None:
        super().__init__(f"expected version {expected}, the {aggregate} is at version {actual}")
        self.expected = expected
        self.actual = actual


class ConcurrencyConflict(ServiceError):
    """Other writers kept winning: the command was re-decided and still could not be saved."""

    def __init__(self, attempts: int) -> None:
        super().__init__(f"the pathway changed concurrently {attempts} times; try again")
        self.attempts = attempts


class IdempotencyKeyReused(ServiceError):
    """The same key came with a different request: a client bug, never a retry."""

    def __init__(self, key: str) -> None:
        super().__init__(f"idempotency key {key!r} was already used for a different request")
        self.key = key


class StoreUnavailable(ServiceError, OperationalError):
    """The event store could not be reached, or did not answer within the bounded wait.

    Also an eventsourcing ``OperationalError``, so code that already handles an unreachable
    store (the CLI, start-up) keeps doing so. A command that ends with this error may, rarely,
    have been recorded (the commit's acknowledgement was lost): a retry with the same
    idempotency key answers it without recording twice.
    """

    def __init__(self, reason: str, *, retry_after: int = RETRY_AFTER_SECONDS,
                 store: str = "event store") -> None:
        super().__init__(f"the {store} is unavailable: {reason}")
        self.reason = reason
        self.retry_after = retry_after
        self.store = store
        """Which store: the event store, or the read models (a file of their own on SQLite)."""


class ReadModelBehind(ServiceError):
    """A read-model query asked for a log position the read model has not reached in time."""

    def __init__(self, read_model: str, position: int, reached: int, *,
                 retry_after: int = 1) -> None:
        super().__init__(f"read model {read_model} has reached log position {reached},"
                         f" not yet {position}")
        self.read_model = read_model
        self.position = position
        self.reached = reached
        self.retry_after = retry_after
