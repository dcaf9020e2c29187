"""Why an as-of read has no state to show: the pathway (or group) was not yet recorded, or not
yet open (formed)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from services.errors import PathwayNotFound, ServiceError


class NothingRecordedYet(PathwayNotFound):
    """As the record stood at ``at``, the pathway (``noun``: or the group) did not exist yet."""

    def __init__(self, pathway_id: UUID, at: datetime, first_recorded_at: datetime,
                 noun: str = "pathway") -> None:
        ServiceError.__init__(self, f"{noun} {pathway_id} had nothing recorded at"
                              f" {at.isoformat()}: its {_OPENING[noun]} was recorded at"
                              f" {first_recorded_at.isoformat()}")
        self.pathway_id = pathway_id
        self.noun = noun
        self.at = at
        self.first_recorded_at = first_recorded_at


class NotOpenYet(PathwayNotFound):
    """At clinical time ``at`` the pathway had not been opened, or the group formed (as far as
    the record knew)."""

    def __init__(self, pathway_id: UUID, at: datetime, opened_at: datetime,
                 noun: str = "pathway") -> None:
        ServiceError.__init__(self, f"{noun} {pathway_id} was not open at {at.isoformat()}"
                              f" (clinical time): it was {_OPENED[noun]} at"
                              f" {opened_at.isoformat()}")
        self.pathway_id = pathway_id
        self.noun = noun
        self.at = at
        self.opened_at = opened_at


_OPENING = {"pathway": "opening", "group": "formation"}
_OPENED = {"pathway": "opened", "group": "formed"}


class InvalidInstant(ServiceError):
    """A time given to an as-of read or an export that is not a date or an aware date-time."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
