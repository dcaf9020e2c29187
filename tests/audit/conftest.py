"""Fixtures of the audit specifications: a clinic on a fresh store, and a pathway with a
back-dated entry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest

from domain.pathway import commands as c
from services.composition import Container, bootstrap
from services.settings import load_settings
from tests.audit.clinic import Clinic, clinic_on
from tests.journeys import PHQ9_MODERATE


def day(n: int, hour: int = 12) -> datetime:
    """``n`` March 2026 at ``hour`` UTC."""
    return datetime(2026, 3, n, hour, tzinfo=UTC)


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[Clinic]:
    with clinic_on(tmp_path) as opened:
        yield opened


@pytest.fixture
def back_dated(clinic: Clinic) -> UUID:
    """v1 opened 2 Mar; v2 consent 2 Mar; v3 baseline 9 Mar; v4 diagnosis of 5 Mar recorded
    20 Mar (back-dated); v5 medication need assessed 21 Mar."""
    pathway = clinic.open(occurred_at=day(2, 9), recorded_at=day(2, 10))
    clinic.do(pathway, c.RecordConsent(occurred_at=day(2, 10), kinds=("treatment",
                                                                       "telehealth")))
    clinic.do(pathway, c.RecordMeasure(occurred_at=day(9), instrument="phq9",
                                       items=PHQ9_MODERATE), recorded_at=day(9, 13))
    clinic.do(pathway, c.RecordDiagnosis(occurred_at=day(5), icd10="F32.1",
                                         severity="moderate"), recorded_at=day(20))
    clinic.do(pathway, c.AssessMedicationNeed(occurred_at=day(21), outcome="not_indicated"),
              recorded_at=day(21, 13), actor="sup-lee", role="supervisor")
    return pathway


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Container]:
    """A container on a fresh embedded store, then on a fresh PostgreSQL database (the
    server's clock: for groups, whose shared course runs in the past)."""
    url = request.getfixturevalue("fresh_postgres_dsn") if request.param == "postgres" else None
    built = bootstrap(load_settings(data_dir=tmp_path, database_url=url))
    try:
        yield built
    finally:
        built.close()
