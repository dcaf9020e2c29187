"""The ``groups`` read model: its tables, and the list ``GET /groups`` and the dashboard page.

One row per group (``groups``), its leaders (``leaders``: a group is in each leader's
caseload), its members ever enrolled (``members``), its sessions (``sessions``) and who
attended each (``attendance``: present, or absent and why, ``safety_hold`` included). Members'
outcomes are the ``pathways`` read model's rows of their pathways (``projections.groups.members``).
Query functions take a ``Tx`` scoped to the live generation's tables (``tx.with_tables``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import orjson

from projections.rows import parse_time
from projections.store import Row, Tx

NAME = "groups"
RUNNING, CLOSED = "running", "closed"

GROUP_COLUMNS = (
    "id", "formed_position", "protocol", "protocol_version", "leaders", "sessions_planned",
    "session_minutes", "capacity", "start_date", "formed_at", "status", "closed_outcome",
    "closed_reason", "closed_at", "members_current", "members_left", "sessions_held",
    "last_session_at", "ending_discussed_at", "version", "last_recorded_at",
)
LEADER_COLUMNS = ("group_id", "leader", "formed_position")
MEMBER_COLUMNS = ("member_key", "group_id", "pathway_id", "enrolled_position", "enrolled_at",
                  "enrolled_after_session", "left_reason", "left_at")
SESSION_COLUMNS = ("group_id", "number", "held_at", "minutes", "channel", "present", "absent",
                   "safety_holds", "ending_discussed")
ATTENDANCE_COLUMNS = ("group_id", "number", "pathway_id", "held_at", "present", "absence")

TABLES = {
    "groups": """CREATE TABLE IF NOT EXISTS {groups} (
        id TEXT PRIMARY KEY, formed_position BIGINT NOT NULL UNIQUE, protocol TEXT NOT NULL,
        protocol_version INTEGER NOT NULL, leaders TEXT NOT NULL,
        sessions_planned INTEGER NOT NULL, session_minutes INTEGER NOT NULL,
        capacity INTEGER NOT NULL, start_date TEXT NOT NULL, formed_at TEXT NOT NULL,
        status TEXT NOT NULL, closed_outcome TEXT, closed_reason TEXT, closed_at TEXT,
        members_current INTEGER NOT NULL, members_left INTEGER NOT NULL,
        sessions_held INTEGER NOT NULL, last_session_at TEXT, ending_discussed_at INTEGER,
        version INTEGER NOT NULL, last_recorded_at TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS {groups}_status ON {groups} (status, formed_position)""",
    "leaders": """CREATE TABLE IF NOT EXISTS {leaders} (
        group_id TEXT NOT NULL, leader TEXT NOT NULL, formed_position BIGINT NOT NULL,
        PRIMARY KEY (group_id, leader));
        CREATE INDEX IF NOT EXISTS {leaders}_leader ON {leaders} (leader, formed_position)""",
    "members": """CREATE TABLE IF NOT EXISTS {members} (
        member_key TEXT PRIMARY KEY, group_id TEXT NOT NULL, pathway_id TEXT NOT NULL,
        enrolled_position BIGINT NOT NULL, enrolled_at TEXT NOT NULL,
        enrolled_after_session INTEGER NOT NULL, left_reason TEXT, left_at TEXT);
        CREATE INDEX IF NOT EXISTS {members}_group ON {members} (group_id, enrolled_position)""",
    "sessions": """CREATE TABLE IF NOT EXISTS {sessions} (
        group_id TEXT NOT NULL, number INTEGER NOT NULL, held_at TEXT NOT NULL,
        minutes INTEGER NOT NULL, channel TEXT NOT NULL, present INTEGER NOT NULL,
        absent INTEGER NOT NULL, safety_holds INTEGER NOT NULL,
        ending_discussed INTEGER NOT NULL, PRIMARY KEY (group_id, number));
        CREATE INDEX IF NOT EXISTS {sessions}_held ON {sessions} (held_at)""",
    "attendance": """CREATE TABLE IF NOT EXISTS {attendance} (
        group_id TEXT NOT NULL, number INTEGER NOT NULL, pathway_id TEXT NOT NULL,
        held_at TEXT NOT NULL, present INTEGER NOT NULL, absence TEXT,
        PRIMARY KEY (group_id, number, pathway_id))""",
}
MAX_LIMIT = 500


def member_key(group_id: str, pathway_id: str) -> str:
    """One member of one group (a pathway enrolled in two groups has a row in each)."""
    return f"{group_id}/{pathway_id}"


def leaders_text(leaders: Collection[str]) -> str:
    return orjson.dumps(list(leaders)).decode()


@dataclass(frozen=True)
class GroupRow:
    """One group as the read model shows it (times are clinical unless named recorded)."""

    id: UUID
    formed_position: int
    """Where ``GroupFormed`` sits in the log: the list's order and its cursor."""
    protocol: str
    protocol_version: int
    leaders: tuple[str, ...]
    sessions_planned: int
    session_minutes: int
    capacity: int
    start_date: date
    formed_at: datetime
    status: str
    """``running`` until ``GroupClosed``, then ``closed``."""
    closed_outcome: str | None
    closed_reason: str | None
    closed_at: datetime | None
    members_current: int
    members_left: int
    sessions_held: int
    last_session_at: datetime | None
    ending_discussed_at: int | None
    version: int
    last_recorded_at: datetime


@dataclass(frozen=True)
class GroupPage:
    items: list[GroupRow]
    next_after: int | None
    """Pass as ``after`` for the next page; None when this page is the last."""


def _row(row: Row) -> GroupRow:
    v = dict(zip(GROUP_COLUMNS, row, strict=True))
    return GroupRow(
        id=UUID(v["id"]), formed_position=int(v["formed_position"]), protocol=v["protocol"],
        protocol_version=int(v["protocol_version"]),
        leaders=tuple(orjson.loads(v["leaders"])),
        sessions_planned=int(v["sessions_planned"]),
        session_minutes=int(v["session_minutes"]), capacity=int(v["capacity"]),
        start_date=date.fromisoformat(v["start_date"]),
        formed_at=datetime.fromisoformat(v["formed_at"]), status=v["status"],
        closed_outcome=v["closed_outcome"], closed_reason=v["closed_reason"],
        closed_at=parse_time(v["closed_at"]), members_current=int(v["members_current"]),
        members_left=int(v["members_left"]), sessions_held=int(v["sessions_held"]),
        last_session_at=parse_time(v["last_session_at"]),
        ending_discussed_at=v["ending_discussed_at"], version=int(v["version"]),
        last_recorded_at=datetime.fromisoformat(v["last_recorded_at"]))


def led_by(leaders: str | Collection[str] | None, params: dict[str, object], *,
           name: str = "leader", alias: str = "g") -> str | None:
    """The condition "one of the group's leaders is ``leaders``" (one, or any of several: a
    caller's caseload), its parameters (``name_0``, ...) added to ``params``; None: no
    condition. ``alias`` is the groups table's in the query."""
    if leaders is None:
        return None
    chosen = [leaders] if isinstance(leaders, str) else sorted(leaders)
    if not chosen:
        return "1 = 0"
    names = [f"{name}_{n}" for n in range(len(chosen))]
    params.update(zip(names, chosen, strict=True))
    listed = ", ".join(f":{each}" for each in names)
    return (f"EXISTS (SELECT 1 FROM {{leaders}} {name} WHERE {name}.group_id = {alias}.id"
            f" AND {name}.leader IN ({listed}))")


def groups_where(*, leader: str | None = None, leaders: Collection[str] | None = None,
                 status: str | None = None, protocol: str | None = None,
                 params: dict[str, object]) -> list[str]:
    """The conditions on the groups (alias ``g``) for the filters given, their parameters
    added to ``params`` (``leader``: led by this therapist; ``leaders``: by any of them)."""
    where = []
    for column, value in (("status", status), ("protocol", protocol)):
        if value is not None:
            where.append(f"g.{column} = :g_{column}")
            params[f"g_{column}"] = value
    for chosen, name in ((leader, "leader"), (leaders, "caseload")):
        condition = led_by(chosen, params, name=name)
        if condition is not None:
            where.append(condition)
    return where


def list_groups(tx: Tx, *, leader: str | None = None, status: str | None = None,
                protocol: str | None = None, after: int = 0, limit: int = 50,
                leaders: Collection[str] | None = None) -> GroupPage:
    """Groups in the order they were formed, after the cursor ``after``, filtered (see
    ``groups_where``; ``leaders`` is e.g. a caller's caseload).

    Keyset paging as for pathways: a group formed meanwhile appears at the end, never twice.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    params: dict[str, object] = {"after": after, "limit": limit + 1}
    where = ["g.formed_position > :after", *groups_where(
        leader=leader, leaders=leaders, status=status, protocol=protocol, params=params)]
    columns = ", ".join(f"g.{column}" for column in GROUP_COLUMNS)
    rows = tx.all(f"SELECT {columns} FROM {{groups}} g WHERE {' AND '.join(where)}"
                  " ORDER BY g.formed_position LIMIT :limit", params)
    items = [_row(row) for row in rows[:limit]]
    return GroupPage(items=items,
                     next_after=items[-1].formed_position if len(rows) > limit else None)


def group_row(tx: Tx, group_id: UUID) -> GroupRow | None:
    """One group's row, or None if the read model has not seen it (yet)."""
    row = tx.one(f"SELECT {', '.join(GROUP_COLUMNS)} FROM {{groups}} WHERE id = :id",
                 {"id": str(group_id)})
    return None if row is None else _row(row)


def group_counts(tx: Tx, *, leader: str | None = None, protocol: str | None = None,
                 leaders: Collection[str] | None = None) -> dict[str, tuple[int, int]]:
    """By status (``running``, ``closed``): how many groups, and how many members they have
    now, of the groups filtered as the list filters them."""
    params: dict[str, object] = {}
    where = ["1 = 1", *groups_where(leader=leader, leaders=leaders, protocol=protocol,
                                    params=params)]
    rows = tx.all("SELECT g.status, COUNT(*), SUM(g.members_current) FROM {groups} g"
                  f" WHERE {' AND '.join(where)} GROUP BY g.status", params)
    return {str(status): (int(count), int(members or 0)) for status, count, members in rows}
