"""``carepath audit compliance`` as an operator runs it before rolling out a protocol change:
the diff by rule id and the pathways found on stdout, progress on stderr, ``--json`` for a
script, and a bad protocol table file refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.cli import main
from tests.audit.clinic import T0, Clinic
from tests.audit.test_compliance import course_with_a_long_gap

TIGHTER_GAP = ('[[protocol]]\nid = "ipt"\nversion = 2\nbased_on = 1\n'
               "max_days_between_sessions = 10\n")


@pytest.fixture
def store(clinic: Clinic, tmp_path: Path) -> Path:
    course_with_a_long_gap(clinic, gap_days=12)
    clinic.open(occurred_at=T0, recorded_at=T0)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], store: Path, *args: str) -> tuple[int, str, str]:
    status = main(["audit", "compliance", *args, "--data-dir", str(store)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_todays_rules_alone_report_every_history_accepted(
        capsys: pytest.CaptureFixture[str], store: Path) -> None:
    status, out, err = run(capsys, store)

    assert status == 0
    assert out.splitlines()[:2] == [
        "compliance replay: 2 pathways, 32 stored commands decided again",
        "  under today's rules: every stored command is accepted as it was recorded"]
    assert "compliance: 2/2 pathways" in err


def test_a_proposal_prints_the_diff_by_rule_and_the_pathways_it_would_refuse(
        capsys: pytest.CaptureFixture[str], store: Path, tmp_path: Path) -> None:
    file = tmp_path / "ipt-v2.toml"
    file.write_text(TIGHTER_GAP)

    status, out, _ = run(capsys, store, "--protocols", str(file))

    assert status == 0
    assert "under the proposal ipt@2 (2 pathways of its protocol): 1 pathways would have" in out
    diff = out[out.index("refusals by rule id"):].splitlines()
    assert diff[1].split()[:2] == ["rule", "today:"]
    assert diff[3].split() == ["IPT-05", "0", "(0)", "0", "1", "(1)", "0", "+1"]
    listed = out[out.index("refused under the proposal, not by today's rules:"):]
    assert "SessionHeld  IPT-05  reason-required  12.0 days since the last session" in listed


def test_the_report_as_json(capsys: pytest.CaptureFixture[str], store: Path,
                            tmp_path: Path) -> None:
    file = tmp_path / "ipt-v2.toml"
    file.write_text(TIGHTER_GAP)

    _, out, _ = run(capsys, store, "--protocols", str(file), "--json")

    report = json.loads(out)
    assert (report["pathways"], report["proposal"], report["affected_pathways"]) == (
        2, ["ipt@2"], 2)
    assert report["by_rule"] == [{"rule": "IPT-05", "change": 1,
                                  "current": {"pathways": 0, "commands": 0, "deviations": 0},
                                  "proposed": {"pathways": 1, "commands": 1, "deviations": 0}}]
    (found,) = report["newly_refused"]
    assert (found["event"], found["rule"], found["kind"]) == ("SessionHeld", "IPT-05",
                                                              "reason-required")
    assert report["current"] == []


def test_a_protocol_table_that_cannot_be_used_is_refused_in_one_line(
        capsys: pytest.CaptureFixture[str], store: Path, tmp_path: Path) -> None:
    file = tmp_path / "bad.toml"
    file.write_text('[[protocol]]\nid = "ipt"\nversion = 1\nbased_on = 1\n')

    status, out, err = run(capsys, store, "--protocols", str(file))

    assert status == 2
    assert out == ""
    assert "ipt version 1 is already published" in err
    assert len(err.strip().splitlines()) == 1
