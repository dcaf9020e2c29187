"""A group command refused because of one member's pathway: the refusal names the member."""

from __future__ import annotations

from uuid import UUID

from domain.errors import RuleViolation


class MemberRefused(RuleViolation):
    """A member's pathway refused its part in a group command under ``rule``: nothing is
    recorded, for any member or the group."""

    def __init__(self, member: UUID, refused: RuleViolation) -> None:
        super().__init__(refused.rule, f"Member {member}: {refused.sentence}")
        self.member = member
