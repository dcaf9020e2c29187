"""The demo caseload, seeded through the application layer onto an embedded SQLite store.

It must show every phase, protocol and outcome a dashboard can count, stay valid under the
clinical rules (a refused command would raise), lie in the past, and be idempotent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.context import CLOCK_SKEW
from domain.protocols import ACUTE_PROTOCOLS
from domain.vocabulary import OUTCOMES, PHASES
from services.composition import Container, bootstrap
from services.demo import DemoSummary, seed_demo
from services.demo.seed import DEMO_ACTOR
from services.settings import load_settings

NOW = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
AVAILABLE_PROTOCOLS = {p.id for p in ACUTE_PROTOCOLS.values() if p.available and not p.is_group}
"""The numbered caseload's protocols: individual ones (the demo's groups and couple are seeded
beside it, ``services.demo.formats``: see test_demo_groups.py)."""


def _container(data_dir: Path, now: datetime = NOW) -> Container:
    return bootstrap(load_settings(data_dir=data_dir), clock=lambda: now)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def seeded(data_dir: Path) -> Iterator[tuple[Container, DemoSummary]]:
    container = _container(data_dir)
    ticks: list[tuple[int, int]] = []
    summary = seed_demo(container.pathways, progress=lambda done, total: ticks.append(
        (done, total)))
    assert ticks[-1] == (48, 48)
    yield container, summary
    container.close()


@pytest.fixture(scope="module")
def histories(seeded: tuple[Container, DemoSummary]) -> dict[Any, list[Any]]:
    container, summary = seeded
    return {pid: list(container.queries.history(pid)) for pid in summary.pathway_ids}


def _events(histories: dict[Any, list[Any]], name: str) -> list[Any]:
    return [ev for history in histories.values() for ev in history
            if type(ev).__name__ == name]


def test_demo_covers_every_phase_protocol_and_outcome(
        seeded: tuple[Container, DemoSummary]) -> None:
    _, summary = seeded
    assert summary.pathways == 48
    assert set(summary.by_phase) == set(PHASES)
    assert set(summary.by_protocol) == AVAILABLE_PROTOCOLS
    assert set(summary.by_outcome) == set(OUTCOMES)
    assert sum(summary.by_phase.values()) == 48


def test_demo_has_open_flags_outreach_deviations_and_recurrence(
        seeded: tuple[Container, DemoSummary], histories: dict[Any, list[Any]]) -> None:
    _, summary = seeded
    assert summary.open_flags.get("urgent", 0) >= 1
    assert summary.open_flags.get("routine", 0) >= 1
    assert summary.outreach_due >= 1
    assert summary.recurrences >= 1
    deviations = {ev.rule for ev in _events(histories, "DeviationRecorded")}
    assert {"IPT-05", "IPT-06", "IPT-14"} <= deviations
    assert _events(histories, "RecurrenceSuspected")
    assert _events(histories, "SafetyFlagResolved")


def test_non_responders_get_a_next_step_and_every_closure_occurs(
        histories: dict[Any, list[Any]]) -> None:
    completions = _events(histories, "AcuteCourseCompleted")
    steps = {ev.next_step for ev in completions if ev.outcome in ("partial", "none")}
    assert steps == {"medication_referral", "alternative_treatment", "new_contract"}
    closures = {ev.reason for ev in _events(histories, "PathwayClosed")}
    assert {"dropped_out", "discharged", "maintenance_ended"} <= closures


def test_variant_protocols_carry_their_specifics(histories: dict[Any, list[Any]]) -> None:
    for history in histories.values():
        opened = history[0]
        names = {type(ev).__name__ for ev in history}
        if opened.protocol_id == "ipt-a":
            assert 12 <= opened.client_age <= 18
            consents = [ev for ev in history if type(ev).__name__ == "ConsentRecorded"]
            assert consents[0].given_by == "guardian"
            contracts = [ev for ev in history if type(ev).__name__ == "ContractSigned"]
            for contract in contracts:
                assert "guardian" in {s.signer for s in contract.signatures}
        if opened.protocol_id == "dit" and "FocusChosen" in names:
            focus = next(ev for ev in history if type(ev).__name__ == "FocusChosen")
            assert focus.primary == "ipaf"
            assert focus.pattern_summary
    assert _events(histories, "GoodbyeLetterShared")


def test_every_routine_session_has_its_consents_and_a_withdrawal_moves_care_in_person(
        histories: dict[Any, list[Any]]) -> None:
    """IPT-32 in the demo: consent before care, and one telehealth consent withdrawn."""
    withdrawn = 0
    for history in histories.values():
        consents: dict[str, bool] = {}
        for ev in history:
            name = type(ev).__name__
            if name in ("ConsentRecorded", "ConsentWithdrawn"):
                withdrawn += name == "ConsentWithdrawn"
                consents |= {f"{ev.given_by}:{kind}": name == "ConsentRecorded"
                             for kind in ev.kinds}
            if name == "SessionHeld" and ev.kind == "routine":
                assert consents.get("client:treatment")
                if ev.channel != "in_person":
                    assert consents.get("client:telehealth")
    assert withdrawn >= 1


def test_clinical_times_lie_in_the_past_and_the_demo_actor_issued_everything(
        histories: dict[Any, list[Any]]) -> None:
    for history in histories.values():
        for ev in history:
            assert ev.occurred_at <= NOW + CLOCK_SKEW
            assert ev.meta.actor_id == DEMO_ACTOR
        assert history[0].occurred_at < NOW - timedelta(weeks=1)


def test_seeding_is_fast_enough(seeded: tuple[Container, DemoSummary]) -> None:
    _, summary = seeded
    assert summary.seconds < 20
    assert summary.events_recorded > summary.pathways * 10


def test_seeding_again_records_nothing_new(seeded: tuple[Container, DemoSummary],
                                           data_dir: Path) -> None:
    container, first = seeded
    before = container.pathways.recorder.max_notification_id()
    again = seed_demo(container.pathways)
    assert again.events_recorded == 0
    assert again.replayed == again.commands == first.commands
    assert container.pathways.recorder.max_notification_id() == before
    # A restart weeks later finds the same anchor, so the same commands replay.
    later = _container(data_dir, NOW + timedelta(days=45))
    try:
        restarted = seed_demo(later.pathways)
        assert restarted.events_recorded == 0
        assert restarted.pathway_ids == first.pathway_ids
        assert restarted.by_phase == first.by_phase
    finally:
        later.close()
