"""The audit trail: a pathway's history with who, when and which rules; its state as of a
version, as the record stood at a time, and as the clinic understood it at a clinical time;
and a step-through showing what each event changed.

The pathway below has a back-dated entry: a diagnosis made on 5 March but recorded on 20
March. Asked about 10 March, the record (recorded axis) does not know it yet; the clinic's
understanding as reconstructed today (clinical axis) does; as known on 15 March it does not.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from domain.pathway import commands as c
from services.audit.document import state_document
from services.audit.errors import NothingRecordedYet, NotOpenYet
from services.errors import PathwayNotFound, VersionNotFound
from tests.audit.clinic import T0, Clinic, a_course, whole_course
from tests.audit.conftest import day
from tests.journeys import SIGNED_BY

# ----- history ---------------------------------------------------------------------------------

def test_the_history_shows_each_event_with_both_times_actor_role_protocol_and_rules(
        clinic: Clinic, back_dated: UUID) -> None:
    page = clinic.audit.history(back_dated)

    assert [e.type for e in page.entries] == ["PathwayOpened", "ConsentRecorded",
                                              "MeasureRecorded", "DiagnosisRecorded",
                                              "MedicationNeedAssessed"]
    diagnosis = page.entries[3]
    assert (diagnosis.occurred_at, diagnosis.recorded_at) == (day(5), day(20))
    assert diagnosis.back_dated
    assert not page.entries[2].back_dated
    assert (page.entries[4].actor_id, page.entries[4].actor_role) == ("sup-lee", "supervisor")
    assert {e.protocol for e in page.entries} == {"ipt@1"}
    assert page.entries[2].rules_checked == ("IPT-17", "IPT-28", "IPT-29")
    assert all(e.correlation_id.startswith("corr-") for e in page.entries)
    assert diagnosis.data == {"icd10": "F32.1", "severity": "moderate"}
    assert page.latest_version == 5
    assert page.next_after is None


def test_the_history_pages_by_version(clinic: Clinic, back_dated: UUID) -> None:
    first = clinic.audit.history(back_dated, limit=2)
    second = clinic.audit.history(back_dated, after=first.next_after, limit=2)
    last = clinic.audit.history(back_dated, after=second.next_after, limit=2)

    assert [e.version for e in (*first.entries, *second.entries, *last.entries)] == [1, 2, 3,
                                                                                    4, 5]
    assert (first.next_after, second.next_after, last.next_after) == (2, 4, None)


def test_a_deviation_in_the_history_names_its_rule_sentence_and_reason(clinic: Clinic) -> None:
    pathway = clinic.open(occurred_at=T0, recorded_at=T0)
    writer = a_course(T0).consented().measure().later(7).intake()
    writer.formulated("role_dispute").signed(SIGNED_BY).measure()
    writer.visit(days=20, reason="the client was abroad")
    clinic.run(pathway, writer)

    entries = clinic.audit.history(pathway).entries

    deviation = next(e for e in entries if e.deviation is not None)
    session = entries[deviation.version]  # the event it allowed comes next
    assert deviation.deviation.rule == "IPT-05"
    assert deviation.deviation.reason == "the client was abroad"
    assert "days since the last session" in deviation.deviation.sentence
    assert session.type == "SessionHeld"
    assert session.rules_checked == deviation.rules_checked
    assert "IPT-05" in session.rules_checked


def test_an_unknown_pathway_has_no_history(clinic: Clinic) -> None:
    with pytest.raises(PathwayNotFound):
        clinic.audit.history(uuid4())


# ----- as of a version -------------------------------------------------------------------------

def test_the_state_as_of_a_version_is_what_replaying_to_that_version_gives(
        clinic: Clinic, back_dated: UUID) -> None:
    as_of = clinic.audit.at_version(back_dated, 3)

    expected = state_document(clinic.container.queries.pathway(back_dated, 3))
    assert as_of.state == expected
    assert (as_of.version, as_of.latest_version, as_of.included) == (3, 5, (1, 2, 3))
    assert as_of.state["diagnosis"] is None
    assert [m["total"] for m in as_of.state["measures"]] == [12]


@pytest.mark.parametrize("version", [0, 6])
def test_a_version_the_pathway_never_had_is_not_found(clinic: Clinic, back_dated: UUID,
                                                      version: int) -> None:
    with pytest.raises(VersionNotFound) as refused:
        clinic.audit.at_version(back_dated, version)
    assert refused.value.latest == 5


# ----- as the record stood at a time -------------------------------------------------------------

def test_the_record_at_a_time_holds_only_what_was_recorded_by_then(clinic: Clinic,
                                                                  back_dated: UUID) -> None:
    as_of = clinic.audit.as_recorded_at(back_dated, day(10))

    assert (as_of.axis, as_of.version, as_of.included) == ("recorded", 3, (1, 2, 3))
    assert as_of.state["diagnosis"] is None


def test_before_its_opening_was_recorded_the_record_has_no_pathway(clinic: Clinic,
                                                                  back_dated: UUID) -> None:
    with pytest.raises(NothingRecordedYet) as refused:
        clinic.audit.as_recorded_at(back_dated, day(2, 9))
    assert refused.value.first_recorded_at == day(2, 10)


# ----- as the clinic understood it at a clinical time -------------------------------------------

def test_the_clinical_view_includes_an_entry_back_dated_to_before_that_time(
        clinic: Clinic, back_dated: UUID) -> None:
    as_of = clinic.audit.as_understood_at(back_dated, day(10))

    assert as_of.axis == "clinical"
    assert as_of.included == (1, 2, 3, 4)
    assert as_of.state["diagnosis"] == "F32.1"
    assert as_of.state["medication_need"] is None


def test_the_clinical_view_as_known_on_an_earlier_day_lacks_what_was_recorded_later(
        clinic: Clinic, back_dated: UUID) -> None:
    as_of = clinic.audit.as_understood_at(back_dated, day(10), known_at=day(15))

    assert as_of.included == (1, 2, 3)
    assert as_of.state["diagnosis"] is None


def test_the_clinical_view_leaves_out_what_occurred_later_though_recorded_earlier(
        clinic: Clinic, back_dated: UUID) -> None:
    as_of = clinic.audit.as_understood_at(back_dated, day(6))

    assert as_of.included == (1, 2, 4)
    assert as_of.left_out == (3,)
    assert as_of.state["measures"] == []
    assert as_of.state["diagnosis"] == "F32.1"


def test_before_the_opening_occurred_the_pathway_was_not_open(clinic: Clinic,
                                                             back_dated: UUID) -> None:
    with pytest.raises(NotOpenYet) as refused:
        clinic.audit.as_understood_at(back_dated, day(1))
    assert refused.value.opened_at == day(2, 9)


def test_an_event_that_depends_on_one_left_out_is_reported_not_applied(clinic: Clinic) -> None:
    pathway = clinic.open(occurred_at=day(2, 9), recorded_at=day(2, 10))
    clinic.do(pathway, c.RecordMeasure(occurred_at=day(9), instrument="phq9",
                                       items=(2, 2, 2, 2, 1, 1, 1, 1, 1)), recorded_at=day(9))
    clinic.do(pathway, c.AcknowledgeSafetyFlag(occurred_at=day(8), flag_id=1),
              recorded_at=day(9, 14))  # dated before the flag it acknowledges

    as_of = clinic.audit.as_understood_at(pathway, day(8, 18))

    assert as_of.included == (1,)
    assert [(n.version, n.type) for n in as_of.not_applied] == [(4, "SafetyFlagAcknowledged")]
    assert "not yet recorded" in as_of.not_applied[0].reason
    assert as_of.state["flags"] == {}


# ----- step-through ---------------------------------------------------------------------------

def test_each_step_shows_the_state_after_its_event_and_what_it_changed(
        clinic: Clinic, back_dated: UUID) -> None:
    steps = clinic.audit.steps(back_dated).steps

    assert [s.entry.version for s in steps] == [1, 2, 3, 4, 5]
    opened = {change.path: change for change in steps[0].changes}
    assert opened["therapist_id"].kind == "added"
    assert opened["phase"].after == "initial"
    consent = [(ch.path, ch.kind, ch.before, ch.after) for ch in steps[1].changes]
    assert consent == [("consents.client:telehealth", "added", None, True),
                       ("consents.client:treatment", "added", None, True)]
    measure = [(ch.path, ch.kind) for ch in steps[2].changes]
    assert measure == [("measures[0]", "added")]
    diagnosis = [(ch.path, ch.before, ch.after) for ch in steps[3].changes]
    assert diagnosis == [("diagnosis", None, "F32.1")]
    assert steps[4].state == clinic.audit.at_version(back_dated, 5).state


def test_a_page_of_steps_diffs_its_first_step_against_the_version_before_it(
        clinic: Clinic, back_dated: UUID) -> None:
    page = clinic.audit.steps(back_dated, after=3, limit=1)

    assert [s.entry.version for s in page.steps] == [4]
    assert [ch.path for ch in page.steps[0].changes] == ["diagnosis"]
    assert page.next_after == 4


def test_a_step_through_a_whole_course_ends_in_the_pathways_current_state(
        clinic: Clinic) -> None:
    pathway = clinic.open(occurred_at=T0, recorded_at=T0)
    clinic.run(pathway, whole_course(T0, sessions=8), step=timedelta(minutes=1))

    steps = clinic.audit.steps(pathway).steps

    assert steps[-1].state == state_document(clinic.container.queries.pathway(pathway))
    assert steps[-1].state["phase"] == "completed"
    sessions_added = [ch.path for s in steps for ch in s.changes
                      if ch.path.startswith("sessions[") and ch.kind == "added"]
    assert sessions_added == [f"sessions[{n}]" for n in range(8)]
