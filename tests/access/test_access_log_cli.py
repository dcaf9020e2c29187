"""The access log on the command line: ``carepath audit`` and ``carepath evidence`` reads are
recorded as the operating system's user's, with the purpose they must state; ``carepath
access-log list|report|verify`` answer an auditor's questions."""

from __future__ import annotations

import getpass
import json
import sqlite3
from pathlib import Path

import pytest

from services.cli import main
from services.composition import ACCESS_LOG_FILE, bootstrap
from services.demo.seed import seed_demo
from services.settings import load_settings


@pytest.fixture
def pathways(tmp_path: Path) -> list[str]:
    container = bootstrap(load_settings(data_dir=tmp_path))
    try:
        return [str(p) for p in seed_demo(container.pathways, count=2, seed=7).pathway_ids]
    finally:
        container.close()


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str, str]:
    status = main([*args, "--data-dir", str(data_dir)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_command_line_read_needs_a_purpose_and_is_recorded_as_the_operator(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, pathways: list[str]) -> None:
    first, second = pathways
    with pytest.raises(SystemExit) as refused:
        main(["audit", "history", first, "--data-dir", str(tmp_path)])
    assert refused.value.code == 2
    assert "--purpose" in capsys.readouterr().err
    assert run(capsys, tmp_path, "audit", "history", first, "--purpose", "complaint 4411")[0] == 0
    assert run(capsys, tmp_path, "audit", "as-of", second, "--version", "2",
               "--purpose", "complaint 4411")[0] == 0
    assert run(capsys, tmp_path, "evidence", second, "--purpose", "court order 17",
               "-o", str(tmp_path / "evidence.jsonl"))[0] == 0

    status, out, _ = run(capsys, tmp_path, "access-log", "list", "--json")
    entries = [json.loads(line) for line in out.splitlines()]
    assert status == 0
    assert [(e["action"], e["pathway_id"], e["purpose"]) for e in entries] == [
        ("read-history", first, "complaint 4411"), ("read-as-of", second, "complaint 4411"),
        ("evidence", second, "court order 17")]
    assert {(e["actor_id"], e["actor_role"], e["channel"]) for e in entries} == {
        (f"os:{getpass.getuser()}", "operator", "cli")}
    assert entries[0]["detail"].startswith("carepath audit history")


def test_list_report_and_verify_answer_an_auditors_questions(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, pathways: list[str]) -> None:
    first, second = pathways
    for pathway in (first, second, first):
        run(capsys, tmp_path, "audit", "history", pathway, "--purpose", "payer audit")

    status, out, err = run(capsys, tmp_path, "access-log", "list", "--pathway", first)
    assert status == 0
    assert len(out.splitlines()) == 3  # the header and two reads
    assert "2 reads" in err
    status, out, _ = run(capsys, tmp_path, "access-log", "report", "--by", "pathway", "--json")
    assert {row["key"]: row["reads"] for row in json.loads(out)} == {first: 2, second: 1}
    status, out, _ = run(capsys, tmp_path, "access-log", "report", "--by", "patient",
                         "--since", "2000-01-01", "--until", "2999-01-01")
    assert status == 0
    assert len(out.splitlines()) == 3  # the header and two patients
    assert run(capsys, tmp_path, "access-log", "verify")[0] == 0

    with sqlite3.connect(tmp_path / ACCESS_LOG_FILE) as connection:
        connection.execute("DROP TRIGGER access_log_no_update")
        connection.execute("UPDATE access_log SET purpose = 'treatment' WHERE seq = 2")
    status, _, err = run(capsys, tmp_path, "access-log", "verify")
    assert status == 3
    assert "entry 2" in err


def test_a_bad_filter_is_named_without_a_traceback(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run(capsys, tmp_path, "access-log", "list", "--since", "yesterday")
    assert status == 2
    assert "--since" in err
    assert "Traceback" not in err
