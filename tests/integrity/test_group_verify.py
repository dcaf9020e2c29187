"""A group's own events are proven like a pathway's: ``verify --group`` checks each against
its recorded leaf and the signed checkpoint, and names an altered or deleted group event, on
SQLite and on PostgreSQL; an id of the other kind is not mistaken for one."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

import pytest

from services.cli import main
from services.composition import bootstrap
from services.integrity.findings import Broken
from services.integrity.verify import UnknownPathway
from services.settings import load_settings
from tests.group_app import AppGroup
from tests.integrity.support import Attacker


@pytest.fixture
def group_attacker(empty_attacker: Attacker) -> tuple[Attacker, AppGroup]:
    """A group of six that held two sessions, sealed, and an attacker with raw SQL."""
    group = AppGroup(empty_attacker.container, members=6).sessions_until(2)
    empty_attacker.container.integrity.seal()
    return empty_attacker, group


def group_rows(attacker: Attacker, group: AppGroup) -> list[tuple[int, str, int, str, bytes]]:
    return [row for row in attacker.rows() if row[1] == group.group_id.hex]


def test_an_untouched_group_verifies_with_every_event_sealed(
        group_attacker: tuple[Attacker, AppGroup]) -> None:
    attacker, group = group_attacker
    result = attacker.container.integrity.verify(group_id=group.group_id)
    assert result.ok, result.finding
    # formed, six enrolled, two sessions
    assert (result.scope, result.aggregate, result.events) == (str(group.group_id), "group", 9)
    assert result.unsealed == 0


def test_an_altered_group_session_is_named_with_its_version(
        group_attacker: tuple[Attacker, AppGroup]) -> None:
    attacker, group = group_attacker
    position, _originator, _version, _topic, state = group_rows(attacker, group)[-1]
    with attacker.sql() as sql:
        sql.run(f"UPDATE {attacker.tables.events} SET state = ? WHERE {attacker.position} = ?",
                (state.replace(b"present", b"presenT"), position))
    finding = attacker.container.integrity.verify(group_id=group.group_id).finding
    assert finding is not None
    assert (finding.broken, finding.version, finding.position) == (Broken.ALTERED, 9, position)
    assert finding.sentence.startswith(f"group {group.group_id} version 9 ")
    assert attacker.verify().finding is not None  # the whole store sees it too


def test_a_deleted_enrolment_is_named(group_attacker: tuple[Attacker, AppGroup]) -> None:
    attacker, group = group_attacker
    position = group_rows(attacker, group)[3][0]
    with attacker.sql() as sql:
        sql.run(f"DELETE FROM {attacker.tables.events} WHERE {attacker.position} = ?",
                (position,))
    finding = attacker.container.integrity.verify(group_id=group.group_id).finding
    assert finding is not None
    assert (finding.broken, finding.version) == (Broken.DELETED, 4)


def test_a_pathway_is_not_a_group_nor_a_group_a_pathway(
        group_attacker: tuple[Attacker, AppGroup]) -> None:
    attacker, group = group_attacker
    integrity = attacker.container.integrity
    member = group.members[0]
    with pytest.raises(UnknownPathway):
        integrity.verify(group_id=member)
    with pytest.raises(UnknownPathway):
        integrity.verify(group.group_id)
    assert integrity.verify(member).aggregate == "pathway"


def test_carepath_verify_group(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    container = bootstrap(load_settings(data_dir=data))
    try:
        group = AppGroup(container, members=6).sessions_until(1)
        group_id, member = group.group_id, group.members[0]
    finally:
        container.close()

    assert main(["verify", "--group", str(group_id), "--data-dir", str(data)]) == 0
    assert capsys.readouterr().out.startswith(f"intact: group {group_id}, 8 events checked")
    assert main(["verify", "--group", str(group_id), "--json", "--data-dir", str(data)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["ok"], result["aggregate"], UUID(result["scope"])) == (True, "group", group_id)
    assert main(["verify", "--group", str(member), "--data-dir", str(data)]) == 2
    assert f"no group {member}" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["verify", "--group", str(group_id), "--pathway", str(member)])


def test_a_groups_evidence_is_checked_by_the_standalone_script(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.integrity.test_evidence import run_script  # noqa: PLC0415 - its isolated run

    data = tmp_path / "data"
    container = bootstrap(load_settings(data_dir=data))
    try:
        group = AppGroup(container, members=6).sessions_until(1)
        group_id, member = group.group_id, group.members[0]
        key = container.integrity.verifier.text()
    finally:
        container.close()
    export = tmp_path / "group.jsonl"

    assert main(["evidence", "--group", str(group_id), "--purpose", "a payer audit",
                 "-o", str(export), "--data-dir", str(data)]) == 0
    header = json.loads(export.read_text().splitlines()[0])
    assert (header["scope"], header["pathway_id"]) == ("group", str(group_id))
    checked = run_script(export, key, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith(f"OK: the 8 events of group {group_id} are in the log")

    capsys.readouterr()
    assert main(["evidence", "--group", str(member), "--purpose", "a payer audit",
                 "--data-dir", str(data)]) == 2
    assert f"no group {member}" in capsys.readouterr().err
    assert main(["evidence", str(member), "--group", str(group_id), "--purpose", "x y z",
                 "--data-dir", str(data)]) == 2
    assert main(["access-log", "list", "--pathway", str(group_id), "--json",
                 "--data-dir", str(data)]) == 0
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["action"], e["detail"]) for e in logged] == [
        ("evidence", f"carepath evidence --group {group_id}")]
