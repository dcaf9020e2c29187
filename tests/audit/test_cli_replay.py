"""``carepath audit history|as-of|steps`` as an auditor runs them: readable tables by default,
the HTTP endpoints' JSON with ``--json``, and a clear line (no traceback) for an unknown
pathway, an ambiguous time or a missing axis."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from services.cli import main
from tests.audit.clinic import Clinic


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str, str]:
    status = main(["audit", *args, "--purpose", "a payer audit", "--data-dir", str(data_dir)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def data_dir(clinic: Clinic, tmp_path: Path) -> Path:
    del clinic  # the clinic wrote into tmp_path
    return tmp_path


def test_history_prints_a_table_with_both_times_actor_rules_and_back_dating(
        capsys: pytest.CaptureFixture[str], data_dir: Path, back_dated: UUID) -> None:
    status, out, _ = run(capsys, data_dir, "history", str(back_dated))

    assert status == 0
    header, rule, *rows = out.splitlines()[1:]
    assert header.split()[:4] == ["v", "event", "occurred", "recorded"]
    assert set(rule) <= {"-", " "}
    diagnosis = rows[3]
    assert diagnosis.split()[:6] == ["4", "DiagnosisRecorded", "2026-03-05", "12:00Z",
                                     "2026-03-20", "12:00Z"]
    assert "t-amara (therapist)" in diagnosis
    assert "ipt@1" in diagnosis
    assert diagnosis.rstrip().endswith("back-dated")
    assert " 17 28 29 " in rows[2]
    assert "sup-lee (supervisor)" in rows[4]


def test_history_as_json_is_the_endpoints_document(
        capsys: pytest.CaptureFixture[str], data_dir: Path, back_dated: UUID) -> None:
    status, out, _ = run(capsys, data_dir, "history", str(back_dated), "--json")

    body = json.loads(out)
    assert status == 0
    assert body["pathway_id"] == str(back_dated)
    assert [e["version"] for e in body["events"]] == [1, 2, 3, 4, 5]
    assert body["events"][3]["back_dated"] is True


def test_as_of_on_the_clinical_axis_counts_the_back_dated_diagnosis(
        capsys: pytest.CaptureFixture[str], data_dir: Path, back_dated: UUID) -> None:
    _, clinical, _ = run(capsys, data_dir, "as-of", str(back_dated), "--occurred-at",
                         "2026-03-10")
    _, recorded, _ = run(capsys, data_dir, "as-of", str(back_dated), "--recorded-at",
                         "2026-03-10")

    assert "as understood at 2026-03-10 23:59Z (clinical time), known at now" in clinical
    assert "events included: 1-4" in clinical
    assert _field(clinical, "diagnosis") == "F32.1"
    assert "as the record stood at 2026-03-10 23:59Z" in recorded
    assert _field(recorded, "diagnosis") == "null"


def test_as_of_names_what_it_left_out(capsys: pytest.CaptureFixture[str], data_dir: Path,
                                      back_dated: UUID) -> None:
    _, out, _ = run(capsys, data_dir, "as-of", str(back_dated), "--occurred-at",
                    "2026-03-06T00:00:00+01:00")

    assert "events included: 1-2, 4" in out
    assert "recorded earlier but occurred later, left out: 3" in out


def test_steps_print_what_each_event_changed(capsys: pytest.CaptureFixture[str],
                                             data_dir: Path, back_dated: UUID) -> None:
    status, out, _ = run(capsys, data_dir, "steps", str(back_dated))

    assert status == 0
    assert "    ~ diagnosis: null -> F32.1" in out
    assert "    + consents.client:treatment = true" in out
    assert "    + therapist_id = t-amara" in out
    assert "closed_reason" not in out  # the opening's empty fields are not listed


@pytest.mark.parametrize(("args", "status", "said"), [
    (["as-of", "{id}"], 2, "give one of --version, --recorded-at or --occurred-at"),
    (["as-of", "{id}", "--recorded-at", "2026-03-10", "--known-at", "2026-03-11"], 2,
     "--known-at goes with --occurred-at"),
    (["as-of", "{id}", "--occurred-at", "2026-03-10T10:00"], 2, "needs an offset"),
    (["as-of", "{id}", "--version", "9"], 1, "has no version 9 (latest is 5)"),
    (["as-of", "{id}", "--recorded-at", "2026-03-01"], 1, "had nothing recorded"),
    (["history", "{unknown}"], 1, "no pathway"),
])
def test_a_refused_read_says_why_in_one_line(capsys: pytest.CaptureFixture[str],
                                             data_dir: Path, back_dated: UUID, *,
                                             args: list[str], status: int, said: str) -> None:
    given = [a.format(id=back_dated, unknown=uuid4()) for a in args]

    answered, out, err = run(capsys, data_dir, *given)

    assert answered == status
    assert out == ""
    assert said in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def _field(text: str, name: str) -> str:
    line = next(line for line in text.splitlines() if line.split(maxsplit=1)[:1] == [name])
    return line.split(maxsplit=1)[1]
