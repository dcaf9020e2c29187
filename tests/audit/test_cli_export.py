"""``carepath audit export``: a pathway or a period, as JSON lines or FHIR, to stdout or a
file; a period's progress on stderr; a request that names neither (or both) refused."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

import pytest
from fhir.resources.R4B.bundle import Bundle

from services.cli import main
from tests.audit.clinic import Clinic
from tests.audit.stories import flagged_intake, full_story


@pytest.fixture
def store(clinic: Clinic, tmp_path: Path) -> tuple[Path, UUID, UUID]:
    return tmp_path, full_story(clinic), flagged_intake(clinic)


def run(capsys: pytest.CaptureFixture[bytes], data_dir: Path, *args: str
        ) -> tuple[int, bytes, str]:
    status = main(["audit", "export", *args, "--purpose", "a payer audit",
                   "--data-dir", str(data_dir)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err.decode()


def test_a_pathway_as_json_lines_on_stdout(capsysbinary: pytest.CaptureFixture[bytes],
                                           store: tuple[Path, UUID, UUID]) -> None:
    data_dir, course, _ = store

    status, out, _ = run(capsysbinary, data_dir, str(course), "--format", "jsonl")

    assert status == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[0]["type"] == "PathwayOpened"
    assert {row["pathway_id"] for row in rows} == {str(course)}


def test_a_period_as_a_fhir_file_with_progress(capsysbinary: pytest.CaptureFixture[bytes],
                                               store: tuple[Path, UUID, UUID],
                                               tmp_path: Path) -> None:
    data_dir, _, _ = store
    target = tmp_path / "year.fhir.json"

    status, out, err = run(capsysbinary, data_dir, "--since", "2026-01-01", "--until",
                           "2027-01-01", "-o", str(target))

    assert (status, out) == (0, b"")
    assert "export: 2/2 pathways read" in err
    assert f"written to {target}" in err
    Bundle.model_validate_json(target.read_bytes())
    kinds = [entry["resource"]["resourceType"] for entry in json.loads(target.read_bytes())[
        "entry"]]
    assert kinds.count("EpisodeOfCare") == 2


@pytest.mark.parametrize(("args", "said"), [
    ([], "give a pathway id, or --since and --until"),
    (["--since", "2026-01-01"], "a period needs both --since and --until"),
    (["--since", "2026-05-01", "--until", "2026-01-01"], "--until must be after --since"),
    (["--since", "soon", "--until", "2026-01-01"], "--since: must be an ISO 8601 date"),
])
def test_an_export_that_cannot_be_made_says_why(capsysbinary: pytest.CaptureFixture[bytes],
                                                store: tuple[Path, UUID, UUID],
                                                args: list[str], said: str) -> None:
    status, out, err = run(capsysbinary, store[0], *args)

    assert (status, out) == (2, b"")
    assert said in err
