"""Every event records the rule ids its command was checked against, as decided at the time.

An auditor asks why a command was accepted: the answer is the rules it passed. The checks
declare the rules they decide, note them while the aggregate decides a command, and the events
carry them in ``meta.rules_checked``; events stored before this existed read as ().
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from types import ModuleType
from typing import Any

import orjson
import pytest
from eventsourcing.persistence import StoredEvent

import domain
from domain.pathway import commands as c
from domain.pathway import events as e
from domain.pathway.rules import consent, declared_rules, noting_checks, rules_noted, safety
from services.store.mapper import CanonicalMapper, canonical_bytes
from tests.journeys import PHQ9_REMISSION, Journey, ctx
from tests.rules_kit import accepted, recorded

RULE_MODULES = tuple(
    importlib.import_module(found.name)
    for found in pkgutil.walk_packages(domain.__path__, "domain.")
    if ".rules." in found.name and not found.ispkg)
"""Every rule module of every aggregate (``domain/<aggregate>/rules/*.py``)."""
RULE_ID = re.compile(r'"(IPT-\d\d)"')
MIDDLE_SESSION_RULES = ("IPT-01", "IPT-04", "IPT-05", "IPT-06", "IPT-07", "IPT-14", "IPT-15",
                        "IPT-16", "IPT-17", "IPT-20", "IPT-22", "IPT-23", "IPT-29", "IPT-30",
                        "IPT-31", "IPT-32")


def _functions(module: ModuleType) -> list[tuple[str, Any]]:
    return [(name, fn) for name, fn in vars(module).items()
            if inspect.isfunction(fn) and fn.__module__ == module.__name__]


def test_the_rule_modules_are_found() -> None:
    assert {"domain.pathway.rules.sessions", "domain.pathway.rules.safety"} <= {
        module.__name__ for module in RULE_MODULES}


@pytest.mark.parametrize("module", RULE_MODULES, ids=lambda m: m.__name__.removeprefix(
    "domain."))
def test_every_check_declares_each_rule_id_it_can_refuse_or_deviate_under(
        module: ModuleType) -> None:
    for name, function in _functions(module):
        source = inspect.getsource(inspect.unwrap(function))
        named = set(RULE_ID.findall(source))
        assert named <= set(declared_rules(function)), (
            f"{module.__name__}.{name} decides {sorted(named)} but declares"
            f" {declared_rules(function)}")


def test_a_middle_phase_session_records_every_rule_an_acute_session_is_checked_against(
) -> None:
    journey = Journey("ipt").through_initial()

    held = decided(journey, next_session(journey))

    assert [type(event).__name__ for event in held] == ["SessionHeld"]
    assert held[0].meta.rules_checked == MIDDLE_SESSION_RULES


def test_a_maintenance_session_is_not_checked_against_the_acute_course_rules() -> None:
    journey = Journey("ipt").through_initial().complete(PHQ9_REMISSION, "maintenance")
    journey.run(journey.writer().maintenance_scheduled(6, frequency="monthly"))
    writer = journey.writer()
    writer.maintenance_held = 0

    (event,) = decided(journey, writer.later(28).session().commands[-1])

    assert isinstance(event, e.SessionHeld)
    assert event.phase == "maintenance"
    assert event.meta.rules_checked == ("IPT-04", "IPT-17", "IPT-20", "IPT-29", "IPT-30",
                                        "IPT-32")


def test_a_deviation_and_the_event_it_allowed_carry_the_same_rules_the_deviated_one_among_them(
) -> None:
    journey = Journey("ipt").through_initial()

    held = decided(journey, next_session(journey, days=20, reason="client travelled"))

    deviation, session = held
    assert isinstance(deviation, e.DeviationRecorded)
    assert deviation.rule == "IPT-05"
    assert deviation.meta.rules_checked == session.meta.rules_checked == MIDDLE_SESSION_RULES


def test_every_event_of_one_command_carries_the_same_rules() -> None:
    journey = Journey("ipt").through_initial()

    events = accepted(journey, c.RecordMeasure, instrument="phq9",
                      items=(2, 2, 2, 2, 2, 2, 2, 2, 3))

    assert [type(event).__name__ for event in events] == ["MeasureRecorded", "SafetyFlagRaised"]
    assert {event.meta.rules_checked for event in events} == {("IPT-17", "IPT-28", "IPT-29")}


def test_opening_a_pathway_records_the_age_rule_it_was_checked_against() -> None:
    opened = Journey("ipt-a", age=15).pathway.pending_events[0]

    assert isinstance(opened, e.PathwayOpened)
    assert opened.meta.rules_checked == ("IPT-31",)


def test_a_command_that_decides_no_rule_records_only_the_closed_pathway_rule() -> None:
    journey = Journey("ipt")

    (diagnosis,) = accepted(journey, c.RecordDiagnosis, icd10="F32.1", severity="moderate")

    assert diagnosis.meta.rules_checked == ("IPT-29",)


def test_checks_note_nothing_outside_a_decision_and_each_decision_notes_its_own() -> None:
    journey = Journey("ipt").through_initial()
    session = next_session(journey)

    assert rules_noted() == ()
    safety.check_safety(journey.state, session)
    assert rules_noted() == ()
    with noting_checks():
        safety.check_safety(journey.state, session)
        consent.check_session_consent(journey.state, session)
        safety.check_safety(journey.state, session)
        assert rules_noted() == ("IPT-17", "IPT-32")
    assert rules_noted() == ()


def test_an_event_stored_before_rules_were_recorded_reads_with_none_checked() -> None:
    journey = Journey("ipt")
    opened = journey.pathway.pending_events[0]
    assert isinstance(opened, e.PathwayOpened)
    state = orjson.loads(canonical_bytes(opened))
    del state["meta"]["rules_checked"]
    row = StoredEvent(originator_id=opened.originator_id, originator_version=1,
                      topic=e.PathwayOpened.TOPIC, state=orjson.dumps(state))

    decoded = CanonicalMapper().to_domain_event(row)

    assert isinstance(decoded, e.PathwayOpened)
    assert decoded.meta.rules_checked == ()
    assert decoded.meta.actor_id == opened.meta.actor_id


# ----- helpers -----------------------------------------------------------------------------------

def next_session(journey: Journey, days: float = 7, reason: str | None = None) -> c.HoldSession:
    command = journey.writer().later(days).session(reason).commands[-1]
    assert isinstance(command, c.HoldSession)
    return command


def decided(journey: Journey, command: c.Command) -> list[Any]:
    """Decide ``command`` on the journey's pathway; the events it recorded."""
    version = journey.pathway.version
    journey.pathway.handle(command, ctx())
    return recorded(journey, version)
