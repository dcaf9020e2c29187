"""A small known group caseload, written through the application on a real store, for the
``groups`` read model and the pathways read model's ipt-g members; every count in the tests
is worked out by hand from these scripts (N = 8 for both groups, weekly from 5 Jan 2026).

- ``finished`` (led by t-lead): six members; at session 2 member 2 cancels late; all eight
  sessions held (the last on 2 Mar), every member completes (remission), the group closes
  completed. 48 attendance rows: 47 present, 1 absent (late_cancellation).
- ``running`` (led by t-lead and t-ana): six members; at session 2 member 1 does not show;
  after session 2 a late joiner enrols (the seventh); before session 3 member 3 reports item
  9 = 1 (a routine flag, not acknowledged): held out of session 3 (``safety_hold``); after
  session 3 member 4 leaves (dropped out). Three sessions held (the last on 26 Jan), six
  current members, one left. 19 attendance rows: 6 + 6 + 7; absent: member 1 at 2 (no_show),
  member 3 at 3 (safety_hold).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID

import pytest

from domain.group import commands as g
from domain.pathway import commands as c
from services.composition import Container
from tests.group_app import AppGroup, caller
from tests.projections.support import Known, stores


@dataclass
class GroupCaseload:
    finished: AppGroup
    running: AppGroup
    members: dict[str, UUID]
    """``finished-1..6``, ``running-1..6`` and ``running-late`` (numbered in enrolment order)."""


def write_groups(container: Container) -> GroupCaseload:
    finished = AppGroup(container, members=6)
    members = {f"finished-{n}": m for n, m in enumerate(finished.members, start=1)}
    finished.session()
    finished.session(absent={members["finished-2"]: "late_cancellation"})
    finished.sessions_until(8)
    finished.groups.execute(finished.group_id, finished.course.closed(), caller())

    running = AppGroup(container, members=6, leaders=("t-lead", "t-ana"))
    members |= {f"running-{n}": m for n, m in enumerate(running.members, start=1)}
    running.session()
    running.session(absent={members["running-1"]: None})
    members["running-late"] = late = running.add_member("client-late")
    running.enrol(late)
    container.pathways.execute(members["running-3"], c.RecordMeasure(
        occurred_at=running.course.soon(60), instrument="phq9",
        items=(1, 1, 1, 1, 1, 1, 1, 1, 1)), caller())
    running.session()
    running.groups.execute(running.group_id, g.RecordMemberLeft(
        occurred_at=running.course.soon(120), pathway_id=members["running-4"],
        reason="dropped_out"), caller())
    return GroupCaseload(finished, running, members)


@dataclass
class Groups:
    known: Known
    caseload: GroupCaseload

    def member(self, name: str) -> UUID:
        return self.caseload.members[name]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def groups(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Groups]:
    """The group caseload on SQLite and on PostgreSQL, once per test module."""
    with stores(request, tmp_path_factory.mktemp(f"groups-{request.param}")) as known:
        yield Groups(known, write_groups(known.container))
