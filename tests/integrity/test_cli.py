"""The integrity commands as an operator or auditor uses them (embedded store)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from services.cli import main
from services.integrity.keys import new_signer, parse_signer, parse_verifier

EXIT_BROKEN = 3


@pytest.fixture
def data(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    assert main(["demo", "--count", "4", "--data-dir", str(directory)]) == 0
    return directory


def tamper(data: Path, position: int) -> None:
    connection = sqlite3.connect(data / "Pathways.sqlite3")
    connection.execute("DROP TRIGGER stored_events_no_update")
    connection.execute("UPDATE stored_events SET state = state || x'20' WHERE rowid = ?",
                       (position,))
    connection.commit()
    connection.close()


def test_verify_says_intact_with_the_checkpoint_and_shows_progress(
        data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--data-dir", str(data)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("intact: the store,")
    assert "sealed up to" in out  # the demo sealed what it stored on its way out
    assert "verify [" in err
    assert "events" in err


def test_verify_names_the_broken_link_and_exits_3(data: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    tamper(data, 7)
    assert main(["verify", "--data-dir", str(data)]) == EXIT_BROKEN
    out = capsys.readouterr().out
    assert out.startswith("BROKEN (altered): event at position 7 ")


def test_verify_json_carries_the_finding(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tamper(data, 3)
    assert main(["verify", "--json", "--data-dir", str(data)]) == EXIT_BROKEN
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False
    assert result["finding"]["broken"] == "altered"
    assert result["finding"]["position"] == 3


def test_verify_of_one_pathway(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    connection = sqlite3.connect(data / "Pathways.sqlite3")
    pathway = connection.execute("SELECT originator_id FROM stored_events").fetchone()[0]
    connection.close()
    assert main(["verify", "--pathway", pathway, "--json", "--data-dir", str(data)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is True
    assert result["scope"].replace("-", "") == pathway
    assert main(["verify", "--pathway", "00000000-0000-0000-0000-000000000001",
                 "--data-dir", str(data)]) == 2
    assert "no pathway" in capsys.readouterr().err


def test_a_kept_checkpoint_is_held_against_the_store(
        data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seal", "--data-dir", str(data)]) == 0
    kept = tmp_path / "kept.txt"
    kept.write_text(capsys.readouterr().out, encoding="utf-8")
    assert main(["verify", "--checkpoint", str(kept), "--data-dir", str(data)]) == 0
    assert "consistent with your checkpoint" in capsys.readouterr().out
    kept.write_text(kept.read_text(encoding="utf-8").replace("\n", "\n9", 1), encoding="utf-8")
    assert main(["verify", "--checkpoint", str(kept), "--data-dir", str(data)]) == 2
    assert "--checkpoint:" in capsys.readouterr().err


def test_checkpoints_by_another_key_are_not_trusted(
        data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = new_signer("carepath.invalid/development").verifier.text()
    assert main(["verify", "--key", other, "--data-dir", str(data)]) == EXIT_BROKEN
    assert "BROKEN (forged-checkpoint)" in capsys.readouterr().out


def test_seal_prints_the_signed_checkpoint_once_per_size(
        data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seal", "--data-dir", str(data)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("carepath.invalid/development\n")
    assert "\u2014 carepath.invalid/development " in out
    assert "nothing new since the latest checkpoint" in err


def test_checkpoint_key_prints_a_usable_key_pair(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checkpoint-key", "--name", "clinic.example/carepath"]) == 0
    out = capsys.readouterr().out.splitlines()
    signer = parse_signer(out[0].removeprefix("CAREPATH_CHECKPOINT_KEY="))
    assert signer.name == "clinic.example/carepath"
    assert parse_verifier(out[1].rsplit(" ", 1)[1]) == signer.verifier
    assert main(["checkpoint-key", "--name", "has space"]) == 2
