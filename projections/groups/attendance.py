"""Attendance and members' outcomes from the ``groups`` read model: per session, per session
number, per member (present, absent, held out under IPT-17), and each member's pathway.

A member's phase, sessions left and outcome are the ``pathways`` read model's (the pathway
fold is the domain's own, so the phase is derived once): these queries join its ``pathways``
table when the transaction names one (``tx.with_tables`` of both read models' live tables),
and leave those columns empty otherwise. The two read models follow the log each at its own
pace, so a member's pathway may be a batch ahead of or behind the group's rows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from domain.vocabulary import SAFETY_HOLD
from projections.groups.view import groups_where
from projections.rows import Where
from projections.store import Tx

Leaders = str | Collection[str] | None
"""Groups led by one therapist, by any of several (a caseload), or every group (None)."""


@dataclass(frozen=True)
class SessionRow:
    group_id: UUID
    number: int
    held_at: datetime
    minutes: int
    present: int
    absent: int
    """Safety holds included."""
    safety_holds: int
    ending_discussed: bool


@dataclass(frozen=True)
class NumberRow:
    """Every filtered group's session of one number, added up."""

    number: int
    sessions: int
    present: int
    absent: int
    """Absent for any reason but a safety hold."""
    safety_holds: int


@dataclass(frozen=True)
class AttendanceRow:
    group_id: UUID
    number: int
    pathway_id: UUID
    held_at: datetime
    present: bool
    absence: str | None
    """``no_show``, ``late_cancellation``, ``cancelled_by_therapist`` or ``safety_hold``."""


@dataclass(frozen=True)
class MemberRow:
    group_id: UUID
    pathway_id: UUID
    enrolled_after_session: int
    left_reason: str | None
    """None: a member now."""
    present: int
    absent: int
    """Safety holds included."""
    safety_holds: int
    therapist: str | None
    """The member's pathway, from the ``pathways`` read model (None: not read, or not there
    yet)."""
    phase: str | None
    sessions_held: int | None
    sessions_left: int | None
    outcome: str | None


def _groups(where: Where, leaders: Leaders, protocol: str | None, status: str | None,
            group_id: UUID | None) -> Where:
    """The filters on the groups (alias ``g``)."""
    chosen = {"leader": leaders} if isinstance(leaders, str) else {"leaders": leaders}
    where.parts.extend(groups_where(**chosen, status=status, protocol=protocol,
                                    params=where.params))
    return where.equal("g.id", None if group_id is None else str(group_id))


RUNNING_FIRST = "CASE WHEN g.status = 'running' THEN 0 ELSE 1 END"
"""Running groups before closed ones (then in the order they were formed)."""


def sessions(tx: Tx, *, leaders: Leaders = None, protocol: str | None = None,
             status: str | None = None, group_id: UUID | None = None,
             since: date | datetime | None = None, until: date | datetime | None = None,
             limit: int = 100) -> tuple[list[SessionRow], int]:
    """The filtered groups' sessions held in ``[since, until)``, running groups' first, then
    the latest first (the first ``limit``), and how many there are."""
    where = _groups(Where(), leaders, protocol, status, group_id).within("s.held_at", since,
                                                                         until)
    tables = "{sessions} s JOIN {groups} g ON g.id = s.group_id"
    total = tx.scalar(f"SELECT COUNT(*) FROM {tables}{where.sql}", where.params)
    rows = tx.all(
        "SELECT s.group_id, s.number, s.held_at, s.minutes, s.present, s.absent,"
        f" s.safety_holds, s.ending_discussed FROM {tables}{where.sql}"
        f" ORDER BY {RUNNING_FIRST}, s.held_at DESC, g.formed_position, s.number LIMIT :limit",
        {**where.params, "limit": limit})
    return [SessionRow(UUID(r[0]), int(r[1]), datetime.fromisoformat(r[2]), int(r[3]),
                       int(r[4]), int(r[5]), int(r[6]), bool(r[7])) for r in rows], int(total or 0)


def by_number(tx: Tx, *, leaders: Leaders = None, protocol: str | None = None,
              status: str | None = None, since: date | datetime | None = None,
              until: date | datetime | None = None) -> list[NumberRow]:
    """Attendance added up over the filtered groups by session number (1, 2, ...)."""
    where = _groups(Where(), leaders, protocol, status, None).within("s.held_at", since, until)
    rows = tx.all(
        "SELECT s.number, COUNT(*), SUM(s.present), SUM(s.absent - s.safety_holds),"
        " SUM(s.safety_holds) FROM {sessions} s JOIN {groups} g ON g.id = s.group_id"
        f"{where.sql} GROUP BY s.number ORDER BY s.number", where.params)
    return [NumberRow(*(int(value) for value in row)) for row in rows]


def attendance(tx: Tx, group_id: UUID) -> list[AttendanceRow]:
    """Who attended each of the group's sessions, by session, then member."""
    rows = tx.all("SELECT group_id, number, pathway_id, held_at, present, absence"
                  " FROM {attendance} WHERE group_id = :id ORDER BY number, pathway_id",
                  {"id": str(group_id)})
    return [AttendanceRow(UUID(r[0]), int(r[1]), UUID(r[2]), datetime.fromisoformat(r[3]),
                          bool(r[4]), r[5]) for r in rows]


def members(tx: Tx, *, leaders: Leaders = None, protocol: str | None = None,
            status: str | None = None, group_id: UUID | None = None,
            since: date | datetime | None = None, until: date | datetime | None = None,
            limit: int = 100) -> tuple[list[MemberRow], int]:
    """The filtered groups' members ever enrolled (running groups first, by group, then
    enrolment), each with their attendance at sessions held in ``[since, until)`` and their
    pathway; the first ``limit`` and how many there are."""
    where = _groups(Where(), leaders, protocol, status, group_id)
    counted = Where(params=where.params).within("a.held_at", since, until)
    where.params["safety_hold"] = SAFETY_HOLD
    joined = "pathways" in tx.tables
    pathway = ("p.therapist, p.phase, p.sessions_held, p.sessions_left, p.outcome" if joined
               else "NULL, NULL, NULL, NULL, NULL")
    tables = "{members} m JOIN {groups} g ON g.id = m.group_id"
    total = tx.scalar(f"SELECT COUNT(*) FROM {tables}{where.sql}", where.params)
    rows = tx.all(
        "SELECT m.group_id, m.pathway_id, m.enrolled_after_session, m.left_reason,"
        " COALESCE(a.present, 0), COALESCE(a.absent, 0), COALESCE(a.holds, 0),"
        f" {pathway} FROM {tables}"
        " LEFT JOIN (SELECT a.group_id, a.pathway_id, SUM(a.present) AS present,"
        " SUM(1 - a.present) AS absent, SUM(CASE WHEN a.absence = :safety_hold THEN 1"
        f" ELSE 0 END) AS holds FROM {{attendance}} a{counted.sql}"
        " GROUP BY a.group_id, a.pathway_id) a"
        " ON a.group_id = m.group_id AND a.pathway_id = m.pathway_id"
        + (" LEFT JOIN {pathways} p ON p.id = m.pathway_id" if joined else "")
        + f"{where.sql} ORDER BY {RUNNING_FIRST}, g.formed_position, m.enrolled_position"
        " LIMIT :limit",
        {**where.params, "limit": limit})
    return [MemberRow(
        group_id=UUID(r[0]), pathway_id=UUID(r[1]), enrolled_after_session=int(r[2]),
        left_reason=r[3], present=int(r[4]), absent=int(r[5]), safety_holds=int(r[6]),
        therapist=r[7], phase=r[8], sessions_held=None if r[9] is None else int(r[9]),
        sessions_left=None if r[10] is None else int(r[10]), outcome=r[11])
        for r in rows], int(total or 0)

