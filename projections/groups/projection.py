"""Group events -> the ``groups`` read model's rows: the group, its leaders, its members, its
sessions and each member's attendance at each.

A batch reads the rows of the groups it touches and of the members it enrols, moves or
counts, once each, folds in memory as the aggregate's ``evolve`` does (``domain/group/events``),
and writes every changed row with one upsert per table. Sessions and attendance are only ever
added (a group session is recorded once).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.group import events as ge
from domain.vocabulary import NO_SHOW, SAFETY_HOLD
from projections.groups.view import (
    ATTENDANCE_COLUMNS,
    CLOSED,
    GROUP_COLUMNS,
    LEADER_COLUMNS,
    MEMBER_COLUMNS,
    NAME,
    RUNNING,
    SESSION_COLUMNS,
    TABLES,
    leaders_text,
    member_key,
)
from projections.log import LoggedEvent
from projections.projection import routed
from projections.rows import Rows, iso, rows_by_pathway, upsert
from projections.store import Tx

_UPSERT = {
    "groups": upsert("groups", GROUP_COLUMNS, ("id",)),
    "leaders": upsert("leaders", LEADER_COLUMNS, ("group_id", "leader")),
    "members": upsert("members", MEMBER_COLUMNS, ("member_key",)),
    "sessions": upsert("sessions", SESSION_COLUMNS, ("group_id", "number")),
    "attendance": upsert("attendance", ATTENDANCE_COLUMNS, ("group_id", "number", "pathway_id")),
}
_MEMBERSHIP = (ge.MemberEnrolled, ge.MemberLeft)


class GroupsProjection:
    """``groups``: one row per group, its members and sessions, behind ``GET /groups``."""

    name = NAME
    version = 1
    tables = TABLES
    handles = frozenset(ge.CATALOGUE)

    def apply(self, batch: Sequence[LoggedEvent], tx: Tx) -> None:
        batch = routed(self, batch)
        formed = {str(logged.originator_id) for logged in batch
                  if isinstance(logged.event, ge.GroupFormed)}
        groups: Rows = rows_by_pathway(tx, "groups", GROUP_COLUMNS, {
            str(logged.originator_id) for logged in batch} - formed, key="id")
        members: Rows = rows_by_pathway(tx, "members", MEMBER_COLUMNS, {
            member_key(str(logged.originator_id), str(logged.event.pathway_id))
            for logged in batch if isinstance(logged.event, _MEMBERSHIP)}, key="member_key")
        changed: dict[str, dict[Any, dict[str, Any]]] = {table: {} for table in _UPSERT}
        for logged in batch:
            group_id, event = str(logged.originator_id), logged.event
            if isinstance(event, ge.GroupFormed):
                groups[group_id] = _formed(group_id, logged.position, event)
                for leader in event.leaders:
                    changed["leaders"][group_id, leader] = {
                        "group_id": group_id, "leader": leader,
                        "formed_position": logged.position}
            group = groups[group_id]
            group["version"], group["last_recorded_at"] = logged.version, iso(event.timestamp)
            changed["groups"][group_id] = group
            if isinstance(event, ge.MemberEnrolled):
                key = member_key(group_id, str(event.pathway_id))
                _enrolled(group, members.get(key))
                members[key] = changed["members"][key] = _member(
                    key, group, logged.position, event)
            elif isinstance(event, ge.MemberLeft):
                key = member_key(group_id, str(event.pathway_id))
                member = members[key]
                member["left_reason"], member["left_at"] = event.reason, iso(event.occurred_at)
                group["members_current"] -= 1
                group["members_left"] += 1
                changed["members"][key] = member
            elif isinstance(event, ge.GroupSessionHeld):
                _held(group, event, changed)
            elif isinstance(event, ge.GroupClosed):
                group.update(status=CLOSED, closed_outcome=event.outcome,
                             closed_reason=event.reason, closed_at=iso(event.occurred_at))
        for table, statement in _UPSERT.items():
            tx.executemany(statement, list(changed[table].values()))


def _formed(group_id: str, position: int, event: ge.GroupFormed) -> dict[str, Any]:
    return {
        "id": group_id, "formed_position": position, "protocol": event.protocol_id,
        "protocol_version": event.protocol_version, "leaders": leaders_text(event.leaders),
        "sessions_planned": event.sessions, "session_minutes": event.session_minutes,
        "capacity": event.capacity, "start_date": event.start_date.isoformat(),
        "formed_at": iso(event.occurred_at), "status": RUNNING, "closed_outcome": None,
        "closed_reason": None, "closed_at": None, "members_current": 0, "members_left": 0,
        "sessions_held": 0, "last_session_at": None, "ending_discussed_at": None,
        "version": event.originator_version, "last_recorded_at": iso(event.timestamp)}


def _enrolled(group: dict[str, Any], before: dict[str, Any] | None) -> None:
    """Count the enrolment: a new member, or one who had left enrolled again."""
    if before is None or before["left_reason"] is not None:
        group["members_current"] += 1
    if before is not None and before["left_reason"] is not None:
        group["members_left"] -= 1


def _member(key: str, group: dict[str, Any], position: int, event: ge.MemberEnrolled
            ) -> dict[str, Any]:
    return {"member_key": key, "group_id": group["id"], "pathway_id": str(event.pathway_id),
            "enrolled_position": position, "enrolled_at": iso(event.occurred_at),
            "enrolled_after_session": group["sessions_held"], "left_reason": None,
            "left_at": None}


def _held(group: dict[str, Any], event: ge.GroupSessionHeld,
          changed: dict[str, dict[Any, dict[str, Any]]]) -> None:
    group_id, held_at = group["id"], iso(event.occurred_at)
    group["sessions_held"] += 1
    if group["last_session_at"] is None or held_at > group["last_session_at"]:
        group["last_session_at"] = held_at
    if event.ending_discussed and group["ending_discussed_at"] is None:
        group["ending_discussed_at"] = event.number
    absences = [record.absence or NO_SHOW for record in event.attendance if not record.present]
    changed["sessions"][group_id, event.number] = {
        "group_id": group_id, "number": event.number, "held_at": held_at,
        "minutes": event.minutes, "channel": event.channel,
        "present": len(event.attendance) - len(absences), "absent": len(absences),
        "safety_holds": absences.count(SAFETY_HOLD), "ending_discussed": int(
            event.ending_discussed)}
    for record in event.attendance:
        pathway_id = str(record.pathway_id)
        changed["attendance"][group_id, event.number, pathway_id] = {
            "group_id": group_id, "number": event.number, "pathway_id": pathway_id,
            "held_at": held_at, "present": int(record.present),
            "absence": None if record.present else (record.absence or NO_SHOW)}
