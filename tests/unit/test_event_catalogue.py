"""The public event catalogue (domain.md section 3): names, fixed topics and the common envelope.

The five events the product brief names exist with exactly those names; every event class has
the fixed topic ``carepath:<ClassName>`` (so stored history survives moving code); every event
recorded carries its clinical time, its server time and the meta of the command that caused it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.utils import get_topic, resolve_topic

from domain.context import CommandContext
from domain.pathway import commands as c
from domain.pathway import events as e
from domain.pathway.aggregate import Pathway
from tests.journeys import PHQ9_REMISSION, Journey, ctx

BRIEF_NAMES = ("ContractSigned", "InventoryRecorded", "FocusChosen", "SessionHeld",
               "MaintenanceScheduled")


@pytest.mark.parametrize("name", BRIEF_NAMES)
def test_the_five_events_named_by_the_brief_exist_with_exactly_those_names(name: str) -> None:
    assert name in {cls.__name__ for cls in e.CATALOGUE}
    assert getattr(e, name).__name__ == name


@pytest.mark.parametrize("event_class", e.CATALOGUE, ids=lambda cls: cls.__name__)
def test_every_event_class_has_the_fixed_topic_carepath_class_name(
        event_class: type[e.PathwayEvent]) -> None:
    topic = f"carepath:{event_class.__name__}"

    assert topic == event_class.TOPIC
    assert get_topic(event_class) == topic
    assert resolve_topic(topic) is event_class


def test_the_catalogue_lists_each_event_once_and_every_event_is_a_pathway_event() -> None:
    names = [cls.__name__ for cls in e.CATALOGUE]

    assert len(names) == len(set(names))
    assert all(issubclass(cls, e.PathwayEvent) for cls in e.CATALOGUE)


def test_the_pathway_aggregate_has_a_fixed_topic() -> None:
    assert get_topic(Pathway) == "carepath:Pathway"


def recorded(j: Journey) -> list[Any]:
    return list(j.pathway.pending_events)


def a_whole_journey() -> Journey:
    """A course that records every kind of event in the catalogue."""
    j = Journey().measure((1, 1, 1, 1, 1, 1, 1, 1, 1))  # baseline with item 9: a flag
    j.do(c.AcknowledgeSafetyFlag, flag_id=1)
    j.do(c.RecordRiskAssessment, flag_id=1, risk_level="low", safety_plan_ref="plan/safety-1")
    j.do(c.ResolveSafetyFlag, flag_id=1)
    j.do(c.RecordConsent, kinds=("recording",)).do(c.WithdrawConsent, kinds=("recording",))
    j.assessed_initial().sign().measure()
    j.later(3).do(c.RecordMissedSession, kind="no_show")
    j.do(c.RenegotiateContract, frequency="fortnightly", reason="doc/r-1", patient_agreed=True)
    j.do(c.RenegotiateContract, frequency="weekly", reason="doc/r-2", patient_agreed=True)
    j.session(days=1, reason="client unwell", focus_addressed="grief")  # IPT-14 deviation
    j.complete(PHQ9_REMISSION)
    j.do(c.ScheduleMaintenance, sessions=3, start_date=j.at.date())
    j.session(days=30).measure((2, 2, 2, 2, 1, 1, 0, 0, 0))  # 10: recurrence suspected
    j.do(c.ClosePathway, reason="maintenance_ended")
    return j


def test_a_whole_journey_records_every_event_in_the_catalogue() -> None:
    kinds = {type(event) for event in recorded(a_whole_journey())}

    assert kinds >= set(e.CATALOGUE) - {e.GoodbyeLetterShared}


def test_every_recorded_event_carries_the_envelope_of_its_command() -> None:
    j = a_whole_journey()
    events = recorded(j)
    expected_ctx = ctx()

    assert [event.originator_version for event in events] == list(range(1, len(events) + 1))
    for event in events:
        assert event.originator_id == j.pathway.id
        assert isinstance(event.occurred_at, datetime)
        assert event.occurred_at.tzinfo is not None
        assert event.timestamp == expected_ctx.recorded_at, "timestamp is recorded_at"
        meta = event.meta
        assert (meta.actor_id, meta.actor_role, meta.correlation_id) == (
            expected_ctx.actor_id, expected_ctx.actor_role, expected_ctx.correlation_id)
        assert meta.idempotency_key.startswith("key-")
        assert meta.protocol in ("ipt@1", "ipt-m@1")


def test_events_name_the_acute_protocol_until_maintenance_and_ipt_m_after() -> None:
    events = recorded(a_whole_journey())
    scheduled = next(i for i, event in enumerate(events)
                     if isinstance(event, e.MaintenanceScheduled))

    assert {event.meta.protocol for event in events[:scheduled + 1]} == {"ipt@1"}
    assert {event.meta.protocol for event in events[scheduled + 1:]} == {"ipt-m@1"}
    assert events[scheduled].protocol == "ipt-m@1"


def test_the_envelope_carries_exactly_the_commands_actor_times_and_keys() -> None:
    recorded_at = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    clinical = recorded_at - timedelta(days=2)
    context = CommandContext(actor_id="sup-7", actor_role="supervisor", correlation_id="c-42",
                             idempotency_key="idem-42", recorded_at=recorded_at,
                             request_digest="sha256:abc")
    pathway = Pathway.open(uuid4(), c.OpenPathway(
        occurred_at=clinical - timedelta(days=1), client_ref="client-9", client_age=40,
        therapist_id="t-9", protocol="ipt", referral_date=date(2026, 2, 20)),
        replace(context, idempotency_key="idem-41"))

    pathway.handle(c.RecordMeasure(occurred_at=clinical, instrument="phq9",
                                   items=(2, 2, 2, 2, 2, 2, 2, 2, 2)), context)

    opened, measure, flag = list[Any](pathway.pending_events)
    assert opened.meta.idempotency_key == "idem-41"
    for event in (measure, flag):
        assert event.occurred_at == clinical
        assert event.timestamp == recorded_at
        assert event.meta.model_dump() == {
            "actor_id": "sup-7", "actor_role": "supervisor", "correlation_id": "c-42",
            "idempotency_key": "idem-42", "request_digest": "sha256:abc", "protocol": "ipt@1",
            "rules_checked": ("IPT-17", "IPT-28", "IPT-29")}
