"""A group in the audit, on SQLite and PostgreSQL: its history (every event with who, when,
the protocol and the rules checked), its state as of a version and on either time axis, each
member's session linked to the group session that recorded it, and every read told to the
access log under the group's id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from services.audit.errors import NothingRecordedYet, NotOpenYet
from services.audit.trail import AuditTrail
from services.composition import Container
from services.errors import GroupNotFound, GroupVersionNotFound, PathwayNotFound
from tests.group_app import AppGroup

FORMED_AND_SIX = 7
"""Versions of a group formed with six members enrolled."""


@pytest.fixture
def group(store: Container) -> AppGroup:
    """Six members, two sessions: the first with everyone, the second without the first."""
    group = AppGroup(store, members=6)
    group.session()
    group.session(absent={group.members[0]: "late_cancellation"})
    return group


def test_a_groups_history_shows_who_when_and_the_rules_checked(group: AppGroup) -> None:
    page = group.container.audit.groups().history(group.group_id)

    assert [e.type for e in page.entries] == ["GroupFormed", *["MemberEnrolled"] * 6,
                                              "GroupSessionHeld", "GroupSessionHeld"]
    assert page.latest_version == FORMED_AND_SIX + 2
    first = page.entries[FORMED_AND_SIX]
    assert (first.actor_id, first.actor_role, first.protocol) == ("t-lead", "therapist",
                                                                  "ipt-g@1")
    assert "IPT-33" in first.rules_checked
    assert first.data["number"] == 1
    assert first.occurred_at < first.recorded_at
    absent = page.entries[-1].data["attendance"][0]
    assert (absent["present"], absent["absence"]) == (False, "late_cancellation")
    assert "IPT-19" in page.entries[1].rules_checked  # no enrolment under an urgent flag


def test_a_groups_history_comes_in_pages(group: AppGroup) -> None:
    groups = group.container.audit.groups()
    first = groups.history(group.group_id, limit=5)
    rest = groups.history(group.group_id, after=first.next_after or 0)
    assert (len(first.entries), first.next_after, rest.next_after) == (5, 5, None)
    assert [e.version for e in rest.entries] == [6, 7, 8, 9]


def test_a_groups_state_as_of_a_version(group: AppGroup) -> None:
    groups = group.container.audit.groups()

    enrolled = groups.at_version(group.group_id, FORMED_AND_SIX)
    after_one = groups.at_version(group.group_id, FORMED_AND_SIX + 1)

    assert (enrolled.axis, enrolled.version, enrolled.latest_version) == ("version", 7, 9)
    assert enrolled.state["sessions_held"] == 0
    assert [m["pathway_id"] for m in enrolled.state["members"]] == [str(m) for m in
                                                                   group.members]
    assert after_one.state["sessions_held"] == 1
    assert after_one.state["sessions"][0]["present"] == [str(m) for m in group.members]
    assert after_one.state["protocol"] == "ipt-g@1"
    with pytest.raises(GroupVersionNotFound):
        groups.at_version(group.group_id, 10)


def test_a_groups_state_on_either_time_axis(group: AppGroup) -> None:
    groups = group.container.audit.groups()
    second = groups.history(group.group_id).entries[-1]

    before_second = groups.as_understood_at(group.group_id,
                                            second.occurred_at - timedelta(hours=1))
    now = groups.as_recorded_at(group.group_id, datetime.now(UTC))

    assert (before_second.axis, before_second.state["sessions_held"]) == ("clinical", 1)
    assert before_second.left_out == ()
    assert now.state["sessions_held"] == 2
    absent = now.state["sessions"][1]["absent"]
    assert absent == [[str(group.members[0]), "late_cancellation"]]
    with pytest.raises(NotOpenYet, match="formed"):
        groups.as_understood_at(group.group_id, datetime(2025, 1, 1, tzinfo=UTC))
    with pytest.raises(NothingRecordedYet, match="formation"):
        groups.as_recorded_at(group.group_id, datetime(2025, 1, 1, tzinfo=UTC))


def test_a_members_session_events_name_the_group_session_that_recorded_them(
        group: AppGroup) -> None:
    audit = group.container.audit
    absent, present = group.members[0], group.members[1]

    def parts(member: UUID) -> list[tuple[str, tuple[UUID, int] | None]]:
        return [(e.type, e.group_session) for e in audit.history(member).entries
                if e.group_session is not None]

    assert parts(present) == [("SessionHeld", (group.group_id, 1)),
                              ("SessionHeld", (group.group_id, 2))]
    assert parts(absent) == [("SessionHeld", (group.group_id, 1)),
                             ("SessionMissed", (group.group_id, 2))]
    meetings = [e for e in audit.history(present).entries
                if e.type == "SessionHeld" and e.group_session is None]
    assert meetings  # the pre-group meeting is the member's own


def test_every_group_read_is_told_with_the_groups_id(group: AppGroup) -> None:
    told: list[tuple[str, UUID]] = []
    groups = group.container.audit.reading(lambda a, i: told.append((a, i))).groups()

    groups.history(group.group_id)
    groups.at_version(group.group_id, 1)
    groups.as_understood_at(group.group_id, datetime.now(UTC))
    with pytest.raises(GroupVersionNotFound):
        groups.at_version(group.group_id, 99)

    assert told == [("read-history", group.group_id), ("read-as-of", group.group_id),
                    ("read-as-of", group.group_id)]


def test_a_refused_read_is_not_told(group: AppGroup) -> None:
    told: list[object] = []

    def refuse(leaders: object) -> None:
        assert leaders == ("t-lead",)
        raise PermissionError

    groups = group.container.audit.reading(lambda a, i: told.append(i)).groups(refuse)
    with pytest.raises(PermissionError):
        groups.history(group.group_id)
    assert told == []


def test_a_pathway_is_no_group_and_a_group_no_pathway(group: AppGroup) -> None:
    audit: AuditTrail = group.container.audit
    with pytest.raises(GroupNotFound):
        audit.groups().history(group.members[0])
    with pytest.raises(GroupNotFound):
        audit.groups().history(UUID(int=7))
    with pytest.raises(PathwayNotFound):
        audit.history(group.group_id)
