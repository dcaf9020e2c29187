"""Why a command was refused, in words a clinician understands.

Rule ids (``IPT-xx``) are a public contract: every rejection names one, and every recorded
deviation names the soft rule it overrode.
"""

from __future__ import annotations


class CommandRejected(Exception):
    """Base for every refusal the domain gives. Nothing is recorded when it is raised."""


class RuleViolation(CommandRejected):
    """A hard rule (or a soft rule without a reason) refused the command."""

    def __init__(self, rule: str, sentence: str) -> None:
        super().__init__(f"{rule}: {sentence}")
        self.rule = rule
        self.sentence = sentence


class ReasonRequired(RuleViolation):
    """Soft rules would be broken: the command is accepted only with a ``reason``.

    ``rule`` names the first; ``deviations`` lists every (rule id, sentence) pair, so a client
    can show them all before the clinician writes one reason that covers them.
    """

    def __init__(self, deviations: list[tuple[str, str]]) -> None:
        rule, sentence = deviations[0]
        super().__init__(rule, f"{sentence} Give a reason to record this as a deviation.")
        self.deviations = deviations


class InvalidCommand(CommandRejected):
    """A value is out of its domain (an unknown protocol, an item score out of range...)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
