"""Groups: the groups running (and closed), attendance per session and per member (safety
holds apart), and each member's pathway: phase, sessions left, outcome.

A group is in the caseload of each of its leaders, so the therapist filter (and a caller's
caseload) chooses the groups they lead; the date range chooses the sessions counted.
Members' pathways are the ``pathways`` read model's rows, read beside the groups' (``joins``).
"""

from __future__ import annotations

from datetime import datetime

from projections.groups.attendance import MemberRow, SessionRow, by_number, members, sessions
from projections.groups.view import GroupRow, group_counts, list_groups
from projections.store import Tx
from services.http.dashboard.filters import Filters
from services.http.dashboard.panels.words import pathway_code, phase_label, plural, words
from services.http.dashboard.shapes import Cell, Chart, Content, PanelSpec, Series, Table

LISTED = 100
"""Rows listed in each table (running groups first, the latest sessions first); the summary
and the chart count every one."""


def _group_row(group: GroupRow) -> list[Cell]:
    status = "running" if group.closed_outcome is None else words(group.closed_outcome)
    return [f"Group {pathway_code(str(group.id))}", status, ", ".join(group.leaders),
            group.members_current, group.members_left,
            f"{group.sessions_held} of {group.sessions_planned}",
            group.last_session_at.date().isoformat() if group.last_session_at else None,
            group.ending_discussed_at]


def _session_row(session: SessionRow) -> list[Cell]:
    return [f"Group {pathway_code(str(session.group_id))}, session {session.number}",
            session.held_at.date().isoformat(), session.present,
            session.absent - session.safety_holds, session.safety_holds]


def _member_row(member: MemberRow) -> list[Cell]:
    status = "member" if member.left_reason is None else f"left: {words(member.left_reason)}"
    return [pathway_code(str(member.pathway_id)), f"Group {pathway_code(str(member.group_id))}",
            status, member.present, member.absent - member.safety_holds, member.safety_holds,
            phase_label(member.phase) if member.phase else None, member.sessions_left,
            words(member.outcome) if member.outcome else None]


def _of(listed: int, total: int) -> str:
    return "" if total <= listed else f" (the first {listed} of {total})"


def build(tx: Tx, filters: Filters, now: datetime) -> Content:
    del now  # attendance and outcomes are what was recorded; nothing here ages
    whose = filters.therapists
    leader = whose if isinstance(whose, str) else None
    leaders = whose if isinstance(whose, tuple) else None
    protocol, since, until = filters.protocol, filters.since, filters.before
    counts = group_counts(tx, leader=leader, leaders=leaders, protocol=filters.protocol)
    listed = [row for status in ("running", "closed") for row in list_groups(
        tx, leader=leader, leaders=leaders, protocol=filters.protocol, status=status,
        limit=LISTED).items][:LISTED]
    numbers = by_number(tx, leaders=whose, protocol=protocol, since=since, until=until)
    held, held_total = sessions(tx, leaders=whose, protocol=protocol, since=since,
                                until=until, limit=LISTED)
    people, people_total = members(tx, leaders=whose, protocol=protocol, since=since,
                                   until=until, limit=LISTED)
    running, closed = counts.get("running", (0, 0)), counts.get("closed", (0, 0))
    holds = sum(n.safety_holds for n in numbers)
    summary = (f"{plural(running[0], 'group')} running with {plural(running[1], 'member')},"
               f" {closed[0]} closed; {plural(held_total, 'group session')} held"
               f" ({plural(holds, 'member')} held out under a safety hold).")
    return Content(
        summary=summary,
        chart=Chart(kind="stacked", categories=[f"Session {n.number}" for n in numbers],
                    series=[Series(name="Present", values=[n.present for n in numbers]),
                            Series(name="Absent", values=[n.absent for n in numbers]),
                            Series(name="Safety hold", values=[n.safety_holds
                                                               for n in numbers])],
                    x_title="Group session", y_title="Members"),
        tables=[
            Table(caption="Groups, running first" + _of(len(listed), running[0] + closed[0]),
                  columns=["Group code", "Status", "Leaders", "Members now", "Members left",
                           "Sessions held", "Last session", "Ending discussed at session"],
                  rows=[_group_row(group) for group in listed]),
            Table(caption="Attendance per group session, latest first"
                          + _of(len(held), held_total),
                  columns=["Session", "Held on", "Present", "Absent", "Safety hold"],
                  rows=[_session_row(session) for session in held]),
            Table(caption="Members: attendance and their pathway's phase and outcome"
                          + _of(len(people), people_total),
                  columns=["Pathway code", "Group", "Membership", "Present", "Absent",
                           "Safety hold", "Phase", "Sessions left", "Outcome"],
                  rows=[_member_row(member) for member in people]),
        ],
        note=("The date range selects the sessions counted; the groups are listed whatever"
              " their dates." if filters.dated else None))


PANEL = PanelSpec(
    id="groups", title="Groups", projection="groups", joins=("pathways",), build=build,
    tables_open=True, table_label="Groups, attendance and members",
    description="Group IPT: groups running, attendance per session and per member (safety"
                " holds apart) and each member's phase and outcome.",
    note="A member's phase, sessions left and outcome come from their own pathway; sessions"
         " left count from the group's numbered sessions.")
