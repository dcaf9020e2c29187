"""Groups through the application, on the embedded SQLite store and a real PostgreSQL.

A group session is one command that decides the group and every member's pathway and saves
them in one transaction: a retry answers the first answer, a lost race on any member re-decides
the whole session, and a failure anywhere in the save (a conflict, a crash mid-transaction)
leaves no member with the session and another without it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from domain.errors import InvalidCommand, RuleViolation
from domain.group.errors import MemberRefused
from domain.group.events import GroupFormed, GroupSessionHeld
from domain.pathway import commands as c
from projections.log import OrderedLog
from services.composition import Container, bootstrap
from services.errors import (
    ConcurrencyConflict,
    GroupNotFound,
    GroupVersionNotFound,
    IdempotencyKeyReused,
    PathwayNotFound,
    VersionMismatch,
)
from services.settings import load_settings
from tests.group_app import AppGroup, caller
from tests.journeys import NOW, PHQ9_PARTIAL


def container_for(storage: dict[str, object], **settings: Any) -> Container:
    return bootstrap(load_settings(**storage, **settings), clock=lambda: NOW)


@pytest.fixture
def container(storage: dict[str, object]) -> Iterator[Container]:
    built = container_for(storage)
    yield built
    built.close()


@pytest.fixture
def replica(storage: dict[str, object]) -> Iterator[Container]:
    """A second API replica on the same store: the rival writer in a race."""
    built = container_for(storage)
    yield built
    built.close()


def sessions_recorded(container: Container, group: AppGroup, number: int) -> dict[UUID, str]:
    """Per member: how session ``number`` is on their pathway ("held", "missed" or "none")."""
    found = {}
    for member in group.members:
        kinds = set(group.kinds(member))
        found[member] = ("held" if ("SessionHeld", "group", number) in kinds
                         else "missed" if any(name == "SessionMissed" and n == number
                                              for name, _, n in kinds) else "none")
    return found


def measure(group: AppGroup) -> c.RecordMeasure:
    return c.RecordMeasure(occurred_at=group.course.soon(-60), instrument="phq9",
                           items=PHQ9_PARTIAL)


def racing(container: Container, rival: Callable[[], object]) -> Callable[[], None]:
    """Make the next save lose a race: ``rival`` commits first. Returns the undo."""
    pathways = container.pathways
    original = pathways.save

    def save(*aggregates: Any, **kwargs: Any) -> Any:
        pathways.save = original  # type: ignore[method-assign]
        rival()
        return original(*aggregates, **kwargs)

    pathways.save = save  # type: ignore[method-assign]
    return lambda: setattr(pathways, "save", original)


class TestGroupsContract:
    def test_a_group_session_records_the_group_and_every_member_in_one_save(
            self, container: Container) -> None:
        group = AppGroup(container, members=6)
        head = OrderedLog(container.pathways).head()

        result = group.hold(group.session_command())

        assert not result.replayed
        assert [m.pathway_id for m in result.members] == group.members
        assert all(m.events[-1].type == "SessionHeld" for m in result.members)
        assert result.events[-1].type == "GroupSessionHeld"
        assert set(sessions_recorded(container, group, 1).values()) == {"held"}
        logged = OrderedLog(container.pathways).read(head, 100)
        assert [e.position for e in logged] == list(range(head + 1, head + 8))
        assert result.log_position == head + 7
        assert type(logged[-1].event) is GroupSessionHeld

    def test_a_retried_group_session_answers_the_first_answer_and_records_nothing(
            self, container: Container) -> None:
        group = AppGroup(container, members=6)
        command = group.session_command()
        first = group.hold(command, by=caller("session-1"))

        again = group.hold(command, by=caller("session-1"))

        assert again.replayed
        assert (again.version, again.events, again.members, again.log_position) == (
            first.version, first.events, first.members, first.log_position)
        assert again.attendance == first.attendance
        assert container.groups.load(group.group_id).state.sessions_held == 1
        with pytest.raises(IdempotencyKeyReused):
            group.hold(command.model_copy(update={"minutes": 80}), by=caller("session-1"))

    def test_a_retried_formation_finds_the_same_group(self, container: Container) -> None:
        group = AppGroup(container, members=0)
        first = container.groups.form(group.course.formed(), caller("form-1"))

        again = container.groups.form(group.course.formed(), caller("form-1"))

        assert (again.group_id, again.replayed) == (first.group_id, True)
        assert len(container.groups.history(first.group_id)) == 1

    def test_a_concurrent_command_on_one_member_makes_the_session_decide_again(
            self, container: Container, replica: Container) -> None:
        group = AppGroup(container, members=6)
        rival_member = group.members[3]
        racing(container, lambda: replica.pathways.execute(rival_member, measure(group),
                                                           caller()))

        result = group.hold(group.session_command())

        assert set(sessions_recorded(container, group, 1).values()) == {"held"}
        assert [type(e).__name__ for e in container.queries.history(rival_member)][-2:] == [
            "MeasureRecorded", "SessionHeld"]
        assert result.version == container.groups.load(group.group_id).version

    def test_a_lost_race_without_retries_records_the_session_for_no_member(
            self, storage: dict[str, object], replica: Container) -> None:
        container = container_for(storage, conflict_retries=0)
        try:
            group = AppGroup(container, members=6)
            rival_member = group.members[5]
            racing(container, lambda: replica.pathways.execute(rival_member, measure(group),
                                                               caller()))

            with pytest.raises(ConcurrencyConflict):
                group.hold(group.session_command())

            assert set(sessions_recorded(container, group, 1).values()) == {"none"}
            assert container.groups.load(group.group_id).state.sessions_held == 0
        finally:
            container.close()

    def test_a_pinned_group_version_that_loses_the_race_is_refused_and_records_nothing(
            self, container: Container, replica: Container) -> None:
        group = AppGroup(container, members=6)
        version = container.groups.load(group.group_id).version
        racing(container, lambda: replica.pathways.execute(group.members[0], measure(group),
                                                           caller()))

        with pytest.raises(VersionMismatch):
            group.hold(group.session_command(), expected_version=version)

        assert set(sessions_recorded(container, group, 1).values()) == {"none"}
        with pytest.raises(VersionMismatch):
            group.hold(group.session_command(number=1), expected_version=version - 1)

    def test_a_crash_in_the_middle_of_the_save_leaves_no_member_with_the_session(
            self, container: Container, storage: dict[str, object]) -> None:
        group = AppGroup(container, members=6)
        command = group.session_command()
        victim = group.members[4]  # its SessionHeld is written after four others'
        crash = crash_on_insert(container, storage, victim)

        try:
            with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the store raises
                group.hold(command, by=caller("crashing-session"))
        finally:
            crash.undo()

        assert set(sessions_recorded(container, group, 1).values()) == {"none"}
        assert container.groups.load(group.group_id).state.sessions_held == 0
        retried = group.hold(command, by=caller("crashing-session"))
        assert not retried.replayed
        assert set(sessions_recorded(container, group, 1).values()) == {"held"}

    def test_a_members_refusal_refuses_the_session_for_everyone(
            self, container: Container) -> None:
        group = AppGroup(container, members=6)
        member = group.members[2]
        container.pathways.execute(member, c.WithdrawConsent(
            occurred_at=group.course.soon(-60), kinds=("treatment",)), caller())

        with pytest.raises(MemberRefused) as refused:
            group.hold(group.session_command())

        assert (refused.value.rule, refused.value.member) == ("IPT-32", member)
        assert set(sessions_recorded(container, group, 1).values()) == {"none"}

    def test_a_safety_hold_is_recorded_absent_and_the_others_present(
            self, container: Container) -> None:
        group = AppGroup(container, members=6)
        member = group.members[1]
        container.pathways.execute(member, c.RecordMeasure(
            occurred_at=group.course.soon(-60), instrument="phq9",
            items=(1, 1, 1, 1, 1, 1, 1, 1, 1)), caller())

        result = group.hold(group.session_command())

        recorded = sessions_recorded(container, group, 1)
        assert recorded.pop(member) == "missed"
        assert set(recorded.values()) == {"held"}
        held = next(a for a in result.attendance if a.pathway_id == member)
        assert held.absence == "safety_hold"

    def test_enrolment_reads_the_members_pathway(self, container: Container) -> None:
        group = AppGroup(container, members=6)
        flagged = group.add_member("client-urgent")
        container.pathways.execute(flagged, c.RecordMeasure(
            occurred_at=group.course.soon(-60), instrument="phq9",
            items=(2, 2, 2, 2, 2, 2, 2, 2, 2)), caller())

        with pytest.raises(RuleViolation) as refused:
            group.enrol(flagged)
        assert refused.value.rule == "IPT-19"
        with pytest.raises(InvalidCommand) as unknown:
            group.enrol(uuid4())
        assert unknown.value.field == "pathway_id"

    def test_a_group_and_a_pathway_are_not_each_other(self, container: Container) -> None:
        group = AppGroup(container, members=6)

        with pytest.raises(PathwayNotFound):
            container.queries.pathway(group.group_id)
        with pytest.raises(PathwayNotFound):
            container.queries.history(group.group_id)
        with pytest.raises(PathwayNotFound):
            container.pathways.execute(group.group_id, measure(group), caller())
        with pytest.raises(GroupNotFound):
            container.groups.load(group.members[0])
        with pytest.raises(GroupNotFound):
            container.groups.execute(group.members[0], group.course.closed(), caller())

    def test_the_group_as_of_an_earlier_version(self, container: Container) -> None:
        group = AppGroup(container, members=6)
        group.session()

        then = container.groups.load(group.group_id, version=7)
        now = container.groups.load(group.group_id)

        assert (then.state.sessions_held, now.state.sessions_held) == (0, 1)
        with pytest.raises(GroupVersionNotFound):
            container.groups.load(group.group_id, version=now.version + 1)

    def test_the_ordered_log_carries_group_events_beside_pathway_events(
            self, container: Container) -> None:
        head = OrderedLog(container.pathways).head()
        group = AppGroup(container, members=6)

        logged = OrderedLog(container.pathways).read(head, 1000)

        formed = [e for e in logged if isinstance(e.event, GroupFormed)]
        assert [e.originator_id for e in formed] == [group.group_id]
        assert {e.type for e in logged} >= {"GroupFormed", "MemberEnrolled", "PathwayOpened"}

    def test_a_group_runs_to_every_members_completion(self, container: Container) -> None:
        group = AppGroup(container, members=6).sessions_until(8)

        closed = container.groups.execute(group.group_id, group.course.closed(), caller())

        assert closed.events[-1].type == "GroupClosed"
        for member in group.members:
            state = container.queries.pathway(member).state
            assert (state.phase, state.outcome) == ("completed", "remission")
            assert [k for _, k, _ in group.kinds(member)] == (
                ["pre_group"] + ["group"] * 4 + ["mid_group"] + ["group"] * 4 + ["post_group"])


# ----- a crash inside the save's transaction ---------------------------------------------------

class Crash:
    def __init__(self, undo: Callable[[], None]) -> None:
        self.undo = undo


def crash_on_insert(container: Container, storage: dict[str, object], victim: UUID) -> Crash:
    """A trigger that fails the insert of ``victim``'s next event, inside the transaction."""
    recorder: Any = container.pathways.recorder
    table = recorder.events_table_name
    if "database_url" not in storage:
        with recorder.datastore.transaction(commit=True) as cursor:
            cursor.execute(f"CREATE TRIGGER crash BEFORE INSERT ON {table}"
                           f" WHEN NEW.originator_id = '{victim.hex}'"
                           " BEGIN SELECT RAISE(ABORT, 'crash'); END")

        def undo_sqlite() -> None:
            with recorder.datastore.transaction(commit=True) as cursor:
                cursor.execute("DROP TRIGGER crash")

        return Crash(undo_sqlite)
    dsn = str(storage["database_url"])
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(
            "CREATE OR REPLACE FUNCTION crash() RETURNS trigger AS $$ BEGIN"
            " RAISE EXCEPTION 'crash'; END $$ LANGUAGE plpgsql")
        connection.execute(f"CREATE TRIGGER crash BEFORE INSERT ON {table} FOR EACH ROW"
                           f" WHEN (NEW.originator_id = '{victim}') EXECUTE FUNCTION crash()")

    def undo_postgres() -> None:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"DROP TRIGGER crash ON {table}")

    return Crash(undo_postgres)
