"""``carepath schemas``: write the missing versions, check the published ones."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from services.cli import main
from services.integration import INTEGRATION_EVENTS
from services.integration.schemas import SCHEMA_DIR, schema_file


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    shutil.copytree(SCHEMA_DIR, tmp_path / "schemas")
    return tmp_path / "schemas"


def test_check_passes_on_the_published_schemas(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "check"]) == 0
    assert "each line is compatible" in capsys.readouterr().out


def test_write_adds_a_missing_version_and_only_that(schemas: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    missing = schema_file("TerminationDiscussed", 1, schemas)
    missing.unlink()
    assert main(["schemas", "write", "--dir", str(schemas)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"added {missing}", f"1 added, {len(INTEGRATION_EVENTS) - 1} already published"]
    assert missing.read_text(encoding="utf-8") == schema_file(
        "TerminationDiscussed", 1).read_text(encoding="utf-8")


def test_a_published_file_that_differs_fails_check_and_blocks_write(
        schemas: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = schema_file("PathwayClosed", 1, schemas)
    edited = json.loads(path.read_text(encoding="utf-8"))
    edited["properties"]["reason"]["enum"].append("moved_away")
    path.write_text(json.dumps(edited), encoding="utf-8")
    schema_file("TerminationDiscussed", 1, schemas).unlink()
    assert main(["schemas", "check", "--dir", str(schemas)]) == 1
    errors = capsys.readouterr().err
    assert "PathwayClosed: v1 is published and the model no longer matches it" in errors
    assert "TerminationDiscussed: v1 is not written" in errors
    assert main(["schemas", "write", "--dir", str(schemas)]) == 1
    assert "nothing written" in capsys.readouterr().err
    assert not schema_file("TerminationDiscussed", 1, schemas).exists()
