"""What every panel is filtered by: therapist, protocol and a date range, from the query string.

The page's form and every JSON endpoint read the same four parameters, so a filtered page's
address is also the address of its numbers. A caller whose scope is a caseload sees only it: a
therapist always their own numbers, a supervisor their whole caseload (the therapists their
token names, and their own) or one of its therapists; naming a therapist outside the caseload
is refused (403).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Annotated, TypedDict

from fastapi import Depends, Query

from domain.protocols import CURRENT_VERSION
from projections.rows import Who as Therapists
from services.access.policy import CASELOAD, Forbidden
from services.http.auth.granted import Granted
from services.http.headers import MAX_TOKEN, GrantedDep
from services.http.problems import BadRequestField

PROTOCOL_IDS: tuple[str, ...] = tuple(CURRENT_VERSION)
"""Every protocol a pathway can run under (the acute ones and maintenance)."""
_THERAPIST = re.compile(r"^[!-~]([ -~]*[!-~])?$")


class Who(TypedDict):
    therapist: Therapists
    protocol: str | None


class Scope(Who):
    """The filters as the read models' queries take them: ``until`` is exclusive there."""

    since: date | None
    until: date | None


@dataclass(frozen=True)
class Filters:
    therapist: str | None = None
    protocol: str | None = None
    since: date | None = None
    """First day counted (clinical date, inclusive)."""
    until: date | None = None
    """Last day counted (inclusive)."""
    team: tuple[str, ...] | None = None
    """The caseload the numbers are limited to when no one therapist is chosen (a
    supervisor's): set from the caller's token, never from the query."""

    @property
    def therapists(self) -> Therapists:
        """Whose numbers: the therapist chosen, else the caller's caseload, else everyone's."""
        return self.therapist if self.therapist is not None else self.team

    @property
    def before(self) -> date | None:
        """The day after ``until``: the end of a half-open range that includes ``until``."""
        return None if self.until is None else self.until + timedelta(days=1)

    @property
    def dated(self) -> bool:
        return self.since is not None or self.until is not None

    def who(self) -> Who:
        return Who(therapist=self.therapists, protocol=self.protocol)

    def scope(self) -> Scope:
        """For queries over half-open ranges ``[since, until)``: ``until`` becomes the next day."""
        return Scope(therapist=self.therapists, protocol=self.protocol, since=self.since,
                     until=self.before)

    def query(self) -> dict[str, str]:
        """The filters as query parameters (only those set)."""
        pairs = {"therapist": self.therapist, "protocol": self.protocol,
                 "since": self.since.isoformat() if self.since else None,
                 "until": self.until.isoformat() if self.until else None}
        return {name: value for name, value in pairs.items() if value}


def _blank_is_none(value: str | None) -> str | None:
    """A form submits an untouched control as ``name=``: that means "no filter"."""
    return value or None


TherapistQuery = Annotated[str | None, Query(max_length=MAX_TOKEN)]
ProtocolQuery = Annotated[str | None, Query(max_length=16)]
DateQuery = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD, inclusive.")]


async def filters(granted: GrantedDep, therapist: TherapistQuery = None,
                  protocol: ProtocolQuery = None, since: DateQuery = None,
                  until: DateQuery = None) -> Filters:
    """Blank values mean "no filter"; an unknown protocol or a malformed date answers 400."""
    return within_caseload(parse(therapist, protocol, since, until), granted)


def within_caseload(chosen: Filters, granted: Granted) -> Filters:
    """The filters as the caller may see them (see the module)."""
    principal = granted.principal
    if granted.scope is not CASELOAD or principal is None:
        return chosen
    caseload = principal.caseload
    if chosen.therapist is None:
        if principal.role == "therapist":
            return replace(chosen, therapist=principal.subject)
        return replace(chosen, team=tuple(sorted(caseload)))
    if chosen.therapist not in caseload:
        raise Forbidden(principal, granted.action, f"{chosen.therapist[:80]} is not in the"
                        f" caseload of {principal.subject} ({principal.role})",
                        outside_caseload=True)
    return chosen


def parse(therapist: str | None, protocol: str | None, since: str | None,
          until: str | None) -> Filters:
    if therapist is not None and len(therapist) > MAX_TOKEN:
        raise BadRequestField("query.therapist", f"must be at most {MAX_TOKEN} characters")
    chosen = Filters(therapist=_therapist(_blank_is_none(therapist)),
                     protocol=_protocol(_blank_is_none(protocol)),
                     since=_date("since", _blank_is_none(since)),
                     until=_date("until", _blank_is_none(until)))
    if chosen.since and chosen.until and chosen.since > chosen.until:
        raise BadRequestField("query.until", "must not be before since")
    return chosen


def _therapist(value: str | None) -> str | None:
    if value is not None and not _THERAPIST.fullmatch(value):
        raise BadRequestField("query.therapist", "must be printable ASCII")
    return value


def _protocol(value: str | None) -> str | None:
    if value is not None and value not in PROTOCOL_IDS:
        raise BadRequestField("query.protocol", f"must be one of {', '.join(PROTOCOL_IDS)}")
    return value


def _date(name: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequestField(f"query.{name}", "must be a date, YYYY-MM-DD") from None


FiltersDep = Annotated[Filters, Depends(filters)]
