"""The ``pathways`` read model's ipt-g members, on SQLite and PostgreSQL: a member's sessions
left follow the group's numbered sessions (a missed group session is gone, a late joiner
starts at the group's number), as the aggregate derives them (domain.md 4b)."""

from __future__ import annotations

import pytest

from projections.pathways import PathwaysProjection, pathway_row
from projections.pathways.view import PathwayRow
from tests.projections.group_caseload import Groups, groups
from tests.projections.support import caught_up, scoped

__all__ = ["groups"]


def member_row(groups: Groups, name: str, generation: int) -> PathwayRow:
    with scoped(groups.known, PathwaysProjection(), generation) as tx:
        row = pathway_row(tx, groups.caseload.members[name])
    assert row is not None
    return row


@pytest.mark.parametrize("batch", [1, 3, 2_000])
def test_a_members_sessions_left_count_from_the_groups_number_whatever_the_batches(
        groups: Groups, batch: int) -> None:
    generation = {1: 11, 3: 12, 2_000: 13}[batch]
    caught_up(groups.known, PathwaysProjection(), generation, batch=batch)

    absent_once = member_row(groups, "running-1", generation)  # held 1 and 3, missed 2
    assert (absent_once.sessions_held, absent_once.sessions_left) == (2, 5)
    late = member_row(groups, "running-late", generation)  # enrolled after 2, held 3
    assert (late.sessions_held, late.sessions_left) == (1, 5)
    held_out = member_row(groups, "running-3", generation)  # held 1 and 2, safety hold at 3
    assert (held_out.sessions_held, held_out.sessions_left, held_out.open_flags) == (2, 5, 1)
    present = member_row(groups, "running-2", generation)
    assert (present.sessions_held, present.sessions_left, present.phase) == (3, 5, "middle")
    finished = member_row(groups, "finished-2", generation)  # cancelled late at 2
    assert (finished.sessions_held, finished.sessions_left, finished.phase,
            finished.outcome) == (7, 0, "completed", "remission")


def test_every_members_row_equals_the_state_replayed_from_the_event_store(
        groups: Groups) -> None:
    caught_up(groups.known, PathwaysProjection(), 14, batch=2)
    for name, member in groups.caseload.members.items():
        state = groups.known.container.pathways.load(member).state
        row = member_row(groups, name, 14)
        assert (row.phase, row.sessions_held, row.sessions_left, row.outcome) == (
            state.phase, state.sessions_held, state.sessions_left, state.outcome), name
