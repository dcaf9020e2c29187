"""``carepath audit history|as-of --group``: a group's events and its state on any date from
the command line, a member's group sessions named in their history, each read in the access
log, and a clear line for a pathway's id or for both ids at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.cli import main
from services.composition import bootstrap
from services.settings import load_settings
from tests.group_app import AppGroup


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    status = main(["audit", *args, "--purpose", "a payer audit", "--data-dir", str(data)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, list[str]]:
    """A data directory with a group of six that held one session: (dir, group, members)."""
    data = tmp_path_factory.mktemp("data")
    container = bootstrap(load_settings(data_dir=data))
    try:
        group = AppGroup(container, members=6)
        group.session()
        return data, str(group.group_id), [str(m) for m in group.members]
    finally:
        container.close()


def test_a_groups_history_as_a_table_and_as_json(
        capsys: pytest.CaptureFixture[str], stored: tuple[Path, str, list[str]]) -> None:
    data, group, _ = stored
    status, out, _ = run(capsys, data, "history", "--group", group)
    assert status == 0
    heading, _header, _rule, *rows = out.splitlines()
    assert heading.startswith(f"group {group}: 8 events")
    assert rows[0].split()[:2] == ["1", "GroupFormed"]
    assert "t-lead (therapist)" in rows[-1]
    assert "ipt-g@1" in rows[-1]
    assert " 33 " in f" {rows[-1]} "

    status, out, _ = run(capsys, data, "history", "--group", group, "--json")
    assert (status, json.loads(out)["group_id"]) == (0, group)


def test_a_groups_state_as_of_a_version(capsys: pytest.CaptureFixture[str],
                                        stored: tuple[Path, str, list[str]]) -> None:
    data, group, members = stored
    status, out, _ = run(capsys, data, "as-of", "--group", group, "--version", "7")
    assert status == 0
    assert out.startswith(f"group {group} as of version 7\n  version 7 of 8")
    assert "sessions_held" in out
    status, out, _ = run(capsys, data, "as-of", "--group", group, "--version", "8", "--json")
    state = json.loads(out)["state"]
    assert (state["sessions_held"], state["sessions"][0]["present"]) == (1, members)


def test_a_members_history_names_the_group_session(
        capsys: pytest.CaptureFixture[str], stored: tuple[Path, str, list[str]]) -> None:
    data, group, members = stored
    status, out, _ = run(capsys, data, "history", members[0])
    assert status == 0
    assert f"group session 1 of group {group}" in out


def test_each_group_read_is_in_the_access_log(
        capsys: pytest.CaptureFixture[str], stored: tuple[Path, str, list[str]]) -> None:
    data, group, _ = stored
    run(capsys, data, "as-of", "--group", group, "--version", "2")
    assert main(["access-log", "list", "--pathway", group, "--json", "--data-dir",
                 str(data)]) == 0
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert entries[-1]["action"] == "read-as-of"
    assert entries[-1]["purpose"] == "a payer audit"
    assert entries[-1]["detail"] == f"carepath audit as_of --group {group} --version 2"


def test_a_pathway_id_as_a_group_or_both_ids_are_refused(
        capsys: pytest.CaptureFixture[str], stored: tuple[Path, str, list[str]]) -> None:
    data, group, members = stored
    status, _, err = run(capsys, data, "history", "--group", members[0])
    assert (status, err.strip()) == (1, f"carepath audit: no group {members[0]}")
    status, _, err = run(capsys, data, "history", members[0], "--group", group)
    assert status == 2
    assert "give a pathway id or --group ID" in err
    status, _, err = run(capsys, data, "as-of", "--version", "1")
    assert status == 2
