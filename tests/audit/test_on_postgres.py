"""The audit on PostgreSQL: the same reads as on the embedded store (history, both as-of axes,
steps, compliance replay, a period's exports), against a real server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from domain.pathway import commands as c
from services.audit.compliance import check_store
from services.audit.compliance.proposal import load_proposal
from tests.audit.clinic import T0, Clinic, clinic_on
from tests.audit.conftest import day
from tests.audit.stories import full_story
from tests.journeys import PHQ9_MODERATE

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_clinic(fresh_postgres_dsn: str, tmp_path: Path) -> Iterator[Clinic]:
    with clinic_on(tmp_path, database_url=fresh_postgres_dsn) as clinic:
        yield clinic


def test_the_audit_reads_the_same_on_postgresql(pg_clinic: Clinic, tmp_path: Path) -> None:
    clinic = pg_clinic
    pathway = clinic.open(occurred_at=day(2, 9), recorded_at=day(2, 10))
    clinic.do(pathway, c.RecordMeasure(occurred_at=day(9), instrument="phq9",
                                       items=PHQ9_MODERATE), recorded_at=day(9, 13))
    clinic.do(pathway, c.RecordDiagnosis(occurred_at=day(5), icd10="F32.1",
                                         severity="moderate"), recorded_at=day(20))
    course = full_story(clinic)

    history = clinic.audit.history(pathway)
    assert [e.type for e in history.entries] == ["PathwayOpened", "MeasureRecorded",
                                                 "DiagnosisRecorded"]
    assert history.entries[2].back_dated
    assert clinic.audit.as_recorded_at(pathway, day(10)).state["diagnosis"] is None
    assert clinic.audit.as_understood_at(pathway, day(10)).state["diagnosis"] == "F32.1"
    steps = clinic.audit.steps(pathway).steps
    assert [ch.path for ch in steps[2].changes] == ["diagnosis"]

    proposal = tmp_path / "ipt-v2.toml"
    proposal.write_text('[[protocol]]\nid = "ipt"\nversion = 2\nbased_on = 1\n'
                        "initial_cap = 1\n")
    report = check_store(clinic.audit, load_proposal(proposal))
    assert report.pathways == 2
    assert report.current == []
    assert {(f.pathway_id, f.rule) for f in report.newly_refused()} == {(course, "IPT-06")}

    bundle = json.loads(b"".join(clinic.audit.export_period(
        T0, datetime(2027, 1, 1, tzinfo=UTC), "fhir")))
    Bundle.model_validate(bundle)
    episodes = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "EpisodeOfCare"]
    assert len(episodes) == 2
