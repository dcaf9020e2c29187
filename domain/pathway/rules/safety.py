"""The suicide-risk workflow (IPT-17, 18) and recurrence in maintenance (IPT-28)."""

from __future__ import annotations

from domain.errors import InvalidCommand, RuleViolation
from domain.measures import PHQ9_RECURRENCE, PHQ9_SUICIDE_ITEM, PHQ9_URGENT_ITEM9, Score
from domain.pathway.commands import HoldSession
from domain.pathway.rules import checks
from domain.pathway.state import Flag, PathwayState
from domain.vocabulary import MAINTENANCE, PHQ9, ROUTINE, SAFETY, URGENT, Tier


@checks("IPT-17")
def flag_tier(result: Score) -> Tier | None:
    """IPT-17: the tier of the flag a measure raises in the same command (None: no flag).

    Only PHQ-9 item 9 raises one; a zero there raises nothing, and clears nothing (IPT-18).
    """
    if result.instrument != PHQ9:
        return None
    item9 = result.items[PHQ9_SUICIDE_ITEM - 1]
    if item9 < 1:
        return None
    return URGENT if item9 >= PHQ9_URGENT_ITEM9 else ROUTINE


@checks("IPT-28")
def recurrence_suspected(state: PathwayState, result: Score) -> bool:
    """IPT-28: in maintenance, a PHQ-9 at or above the recurrence threshold."""
    return (state.phase == MAINTENANCE and result.instrument == PHQ9
            and result.total >= PHQ9_RECURRENCE)


def open_flag(state: PathwayState, flag_id: int) -> Flag:
    flag = state.flags.get(flag_id)
    if flag is None or flag.resolved:
        raise InvalidCommand("flag_id", f"there is no open safety flag {flag_id}")
    return flag


def check_acknowledgeable(flag: Flag) -> None:
    if flag.acknowledged:
        raise InvalidCommand("flag_id", f"safety flag {flag.id} is already acknowledged")


@checks("IPT-18")
def check_resolvable(flag: Flag) -> None:
    """IPT-18: only resolving a flag after a risk assessment clears risk."""
    if not flag.assessed:
        raise RuleViolation("IPT-18", f"Safety flag {flag.id} has no risk assessment: risk is"
                            " cleared only by resolving a flag after an assessment.")


@checks("IPT-17")
def check_safety(state: PathwayState, command: HoldSession) -> None:
    """IPT-17: no routine session (nor an ipt-g member's meeting) while a flag is
    unacknowledged or unassessed; a safety session is allowed."""
    if command.kind == SAFETY:
        return
    waiting = flags_waiting(state)
    if waiting:
        listed = ", ".join(str(flag_id) for flag_id in waiting)
        raise RuleViolation("IPT-17", f"Safety flag {listed} is open without acknowledgement and"
                            " a risk assessment: no routine session until both are recorded"
                            " (a safety session is allowed).")


def flags_waiting(state: PathwayState) -> list[int]:
    """IPT-17: the open flags not yet acknowledged and assessed (no routine session till then)."""
    return [flag.id for flag in state.open_flags if not (flag.acknowledged and flag.assessed)]
