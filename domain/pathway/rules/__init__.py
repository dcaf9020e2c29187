"""The IPT rules (domain.md section 4), one module per part of the course.

Hard-rule checks raise ``RuleViolation``; soft-rule checks return the deviations they find as
(rule id, sentence) pairs, so the aggregate can ask for one reason covering them all.

Every check names the rules it decides (``@checks("IPT-30", "IPT-20")``). While the aggregate
decides a command (:func:`noting_checks`), each check called notes its rule ids, and the events
the command records carry them (``EventMeta.rules_checked``): an auditor reads which rules a
command was checked against, as they were when it was decided. Noting is a list append per
check; outside a decision it is a no-op.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

Deviation = tuple[str, str]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_NOTED: ContextVar[list[str] | None] = ContextVar("carepath_rules_noted", default=None)


def checks(*rule_ids: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Declare the rule ids a check decides; calling it notes them in the decision under way.

    A check that calls another check declares only its own ids: the callee notes its own.
    """

    def declare(check: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(check)
        def noted(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            decision = _NOTED.get()
            if decision is not None:
                decision.extend(rule_ids)
            return check(*args, **kwargs)

        noted.rule_ids = rule_ids  # type: ignore[attr-defined]
        return noted

    return declare


def declared_rules(check: Any) -> tuple[str, ...]:
    """The rule ids ``check`` declares (empty for a function that decides no rule)."""
    rule_ids: tuple[str, ...] = getattr(check, "rule_ids", ())
    return rule_ids


@contextmanager
def noting_checks() -> Iterator[list[str]]:
    """Collect the rule ids of every check called inside the block (one command's decision)."""
    noted: list[str] = []
    token = _NOTED.set(noted)
    try:
        yield noted
    finally:
        _NOTED.reset(token)


def rules_noted() -> tuple[str, ...]:
    """The rule ids noted so far in the decision under way, sorted, each once."""
    noted = _NOTED.get()
    return tuple(sorted(set(noted))) if noted else ()
