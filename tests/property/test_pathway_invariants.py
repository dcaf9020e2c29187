"""Stateful property test: one pathway, random but plausible commands, spec invariants.

The package around this file holds the parts: ``spec`` (domain.md restated), ``model`` with
``sessions`` and ``ending`` (an independent model of the history that checks each event),
``batch`` (a command's events as one batch), ``planner`` and ``random_commands`` (the two kinds
of step) and ``machine`` (the ``RuleBasedStateMachine`` that drives them).

Phase coverage (and how often a known domain gap was hit) is reported with
``pytest tests/property --hypothesis-show-statistics`` and asserted loosely by
``test_phase_coverage``. ``CAREPATH_PROPERTY_EXAMPLES=3000`` makes a longer hunt.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.property.machine import COVERAGE, PathwayMachine
from tests.property.spec import PHASES

EXAMPLES = int(os.environ.get("CAREPATH_PROPERTY_EXAMPLES", "150"))
"""Raise it for a longer hunt, e.g. ``CAREPATH_PROPERTY_EXAMPLES=3000``."""
SETTINGS = settings(max_examples=EXAMPLES, stateful_step_count=55, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


TestPathwayInvariants = PathwayMachine.TestCase
TestPathwayInvariants.settings = SETTINGS


def test_phase_coverage() -> None:
    """The run above must drive enough examples past the initial phase to mean something."""
    if COVERAGE["examples"] == 0:  # run on its own: drive the machine first
        run_state_machine_as_test(PathwayMachine, settings=SETTINGS)
    total = COVERAGE["examples"]
    share = {phase: COVERAGE[phase] / total for phase in PHASES}
    if total < 50:  # a handful of examples (CAREPATH_PROPERTY_EXAMPLES=5) proves nothing
        pytest.skip(f"only {total} examples: {share}")
    assert share["middle"] >= 0.5, share
    assert share["termination"] >= 0.2, share
    assert share["completed"] >= 0.1, share

