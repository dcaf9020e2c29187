"""The ``groups`` read model against the group caseload (tests/projections/group_caseload.py),
on SQLite and PostgreSQL: one row per group, attendance per session and member (safety holds
included), members' outcomes from the pathways read model, filters and paging, and the same
rows whatever the batches or a one-pass rebuild."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest

from projections import rows
from projections.catch_up import tables_of
from projections.groups import GroupsProjection, group_row, list_groups
from projections.groups import attendance as seen
from projections.live import live_generation
from projections.pathways import PathwaysProjection
from projections.rebuild_all import rebuild_all
from projections.store import Tx
from tests.journeys import START
from tests.projections.group_caseload import Groups, groups
from tests.projections.support import caught_up, table_rows

__all__ = ["groups"]


def week(number: int) -> datetime:
    """When group session ``number`` was held (weekly from START)."""
    return START + timedelta(days=7 * number)


@pytest.fixture(scope="module")
def folded(groups: Groups) -> Groups:
    caught_up(groups.known, GroupsProjection())
    caught_up(groups.known, PathwaysProjection())
    return groups


@contextmanager
def reading(groups: Groups, generation: int = 1) -> Iterator[Tx]:
    """Both read models' tables, as the dashboard reads them."""
    with groups.known.store.transaction() as tx:
        yield tx.with_tables({**tables_of(GroupsProjection(), generation),
                              **tables_of(PathwaysProjection(), 1)})


def test_each_group_has_one_row_with_its_leaders_status_members_and_sessions(
        folded: Groups) -> None:
    finished, running = folded.caseload.finished, folded.caseload.running
    with reading(folded) as tx:
        done, going = group_row(tx, finished.group_id), group_row(tx, running.group_id)
    assert done is not None
    assert going is not None
    assert (done.status, done.closed_outcome, done.leaders, done.protocol) == (
        "closed", "completed", ("t-lead",), "ipt-g")
    assert (done.members_current, done.members_left) == (6, 0)
    assert (done.sessions_held, done.sessions_planned, done.last_session_at) == (
        8, 8, week(8))
    assert (going.status, going.closed_outcome, going.leaders) == (
        "running", None, ("t-lead", "t-ana"))
    assert (going.members_current, going.members_left) == (6, 1)
    assert (going.sessions_held, going.last_session_at, going.capacity) == (3, week(3), 9)
    assert going.ending_discussed_at is None
    assert done.ending_discussed_at == finished.course.ending_start


def test_the_rows_say_what_the_groups_aggregate_says(folded: Groups) -> None:
    for app in (folded.caseload.finished, folded.caseload.running):
        group = folded.known.container.groups.load(app.group_id)
        with reading(folded) as tx:
            row = group_row(tx, app.group_id)
        assert row is not None
        s = group.state
        assert (row.version, row.sessions_held, row.members_current, row.ending_discussed_at,
                row.closed_outcome) == (group.version, s.sessions_held, len(s.active_members),
                                        s.ending_discussed_at, s.closed_outcome)


def test_attendance_is_recorded_per_session_and_member_with_why_absent(folded: Groups) -> None:
    running, member = folded.caseload.running, folded.member
    with reading(folded) as tx:
        grid = seen.attendance(tx, running.group_id)
        held, total = seen.sessions(tx, group_id=running.group_id)
    assert len(grid) == 6 + 6 + 7
    absent = {(row.number, row.pathway_id): row.absence for row in grid if not row.present}
    assert absent == {(2, member("running-1")): "no_show",
                      (3, member("running-3")): "safety_hold"}
    assert {row.pathway_id for row in grid if row.number == 3} >= {member("running-late")}
    assert total == 3
    assert [(s.number, s.held_at, s.present, s.absent, s.safety_holds) for s in held] == [
        (3, week(3), 6, 1, 1), (2, week(2), 5, 1, 0), (1, week(1), 6, 0, 0)]


def test_attendance_adds_up_by_session_number_over_the_groups_chosen(folded: Groups) -> None:
    with reading(folded) as tx:
        every = seen.by_number(tx)
        led_by_ana = seen.by_number(tx, leaders="t-ana")
        closed = seen.by_number(tx, status="closed")
        first_fortnight = seen.by_number(tx, since=week(1).date(), until=week(3).date())
    assert [(n.number, n.sessions, n.present, n.absent, n.safety_holds) for n in every][:3] == [
        (1, 2, 12, 0, 0), (2, 2, 10, 2, 0), (3, 2, 12, 0, 1)]
    assert [n.number for n in every] == list(range(1, 9))
    assert [n.number for n in led_by_ana] == [1, 2, 3]
    assert [n.number for n in closed] == list(range(1, 9))
    assert [n.number for n in first_fortnight] == [1, 2]


def test_each_member_shows_their_attendance_and_their_pathways_outcome(folded: Groups) -> None:
    member = folded.member
    with reading(folded) as tx:
        listed, total = seen.members(tx)
        only_running, _ = seen.members(tx, status="running")
    assert total == 13
    by_id = {row.pathway_id: row for row in listed}
    finished = by_id[member("finished-2")]
    assert (finished.present, finished.absent, finished.phase, finished.outcome,
            finished.sessions_left) == (7, 1, "completed", "remission", 0)
    assert {by_id[member(f"finished-{n}")].outcome for n in range(1, 7)} == {"remission"}
    missed = by_id[member("running-1")]
    assert (missed.present, missed.absent, missed.safety_holds, missed.sessions_left,
            missed.phase) == (2, 1, 0, 5, "middle")
    held_out = by_id[member("running-3")]
    assert (held_out.present, held_out.absent, held_out.safety_holds) == (2, 1, 1)
    late = by_id[member("running-late")]
    assert (late.enrolled_after_session, late.present, late.sessions_left) == (2, 1, 5)
    assert by_id[member("running-4")].left_reason == "dropped_out"
    assert by_id[member("running-2")].therapist == "t-lead"
    assert len(only_running) == 7


def test_members_without_the_pathways_read_model_show_no_pathway(folded: Groups) -> None:
    with folded.known.store.transaction() as tx:
        listed, _ = seen.members(tx.with_tables(tables_of(GroupsProjection(), 1)), limit=1)
    assert (listed[0].phase, listed[0].outcome, listed[0].present) == (None, None, 2)


def test_running_groups_come_first_in_the_members_and_sessions_listed(folded: Groups) -> None:
    running = folded.caseload.running.group_id
    with reading(folded) as tx:
        listed, total = seen.members(tx, limit=7)
        held, held_total = seen.sessions(tx, limit=3)
    assert total == 13
    assert held_total == 11
    assert {row.group_id for row in listed} == {running}
    assert [(row.group_id, row.number) for row in held] == [
        (running, 3), (running, 2), (running, 1)]


def test_the_list_filters_by_leader_status_and_caseload_and_pages_by_cursor(
        folded: Groups) -> None:
    finished, running = folded.caseload.finished.group_id, folded.caseload.running.group_id
    with reading(folded) as tx:
        def ids(**filters: object) -> list[object]:
            return [row.id for row in list_groups(tx, **filters).items]  # type: ignore[arg-type]

        assert ids() == [finished, running]
        assert ids(leader="t-ana") == [running]
        assert ids(leader="t-lead", status="closed") == [finished]
        assert ids(status="running") == [running]
        assert ids(leaders={"t-ana", "t-zed"}) == [running]
        assert ids(leaders=set()) == []
        assert ids(protocol="ipt") == []
        first = list_groups(tx, limit=1)
        second = list_groups(tx, limit=1, after=first.next_after or 0)
    assert [row.id for row in first.items] == [finished]
    assert [row.id for row in second.items] == [running]
    assert second.next_after is None


@pytest.mark.parametrize("batch", [1, 4])
def test_the_rows_are_the_same_whatever_the_batches(folded: Groups, batch: int) -> None:
    generation = 20 + batch
    caught_up(folded.known, GroupsProjection(), generation, batch=batch)
    assert table_rows(folded.known, GroupsProjection(), generation) == table_rows(
        folded.known, GroupsProjection(), 1)


def test_a_one_pass_rebuild_keeping_few_rows_builds_the_same_rows(
        folded: Groups, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rows, "KEPT_ROWS", 2)
    projection = GroupsProjection()
    rebuild_all(folded.known.store, folded.known.log, [projection, PathwaysProjection()],
                batch=7)
    generation = live_generation(folded.known.store, projection.name, fresh=True)
    assert generation is not None
    assert generation > 1
    assert table_rows(folded.known, projection, generation) == table_rows(
        folded.known, projection, 1)
