"""Evidence exports are checked by the standalone script: no service, no database, no
carepath import (it runs isolated, from a copy elsewhere), only Python and ``cryptography``."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest

from services.cli import main
from services.demo.seed import seed_demo
from services.integrity.evidence import log_evidence, pathway_evidence
from services.integrity.keys import new_signer
from services.integrity.note import Checkpoint
from services.integrity.service import consistency
from tests.integrity.support import Attacker

SCRIPT = Path(__file__).parents[2] / "tools" / "verify_evidence.py"


def run_script(export: Path, key: str, tmp_path: Path,
               kept: Path | None = None) -> subprocess.CompletedProcess[str]:
    alone = tmp_path / "alone"
    alone.mkdir(exist_ok=True)
    copy = shutil.copy(SCRIPT, alone / "verify_evidence.py")
    extra = ["--kept", str(kept)] if kept else []
    return subprocess.run([sys.executable, "-I", copy, str(export), "--key", key, *extra],  # noqa: S603
                          capture_output=True, text=True, cwd=alone, timeout=60, check=False)


def export(attacker: Attacker, path: Path, pathway: str | None) -> str:
    integrity = attacker.container.integrity
    sealed = integrity.seal()
    assert sealed is not None
    lines = (log_evidence(integrity.store, integrity.verifier, sealed.note) if pathway is None
             else pathway_evidence(integrity.store, integrity.verifier, sealed.note,
                                   UUID(pathway)))
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return integrity.verifier.text()


def rewrite(path: Path, index: int, change: dict[str, object] | None) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    if change is None:
        del lines[index]
    else:
        lines[index] = json.dumps(json.loads(lines[index]) | change)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_script_imports_nothing_of_carepath() -> None:
    source = SCRIPT.read_text(encoding="utf-8")
    imports = {line.split()[1].split(".")[0] for line in source.splitlines()
               if line.startswith(("import ", "from "))}
    assert imports <= {"__future__", "argparse", "base64", "binascii", "hashlib", "json", "sys",
                       "typing", "cryptography"}


def test_a_pathways_evidence_is_verified_offline(attacker: Attacker, tmp_path: Path) -> None:
    originator = attacker.rows()[5][1]
    key = export(attacker, tmp_path / "pathway.jsonl", originator)
    done = run_script(tmp_path / "pathway.jsonl", key, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"pathway {UUID(originator)} are in the log" in done.stdout


def test_the_whole_logs_evidence_is_verified_offline(attacker: Attacker, tmp_path: Path) -> None:
    key = export(attacker, tmp_path / "log.jsonl", None)
    done = run_script(tmp_path / "log.jsonl", key, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"all {len(attacker.rows())} events of the log" in done.stdout


@pytest.mark.parametrize(("edit", "reason"), [
    ("payload", "do not hash to its recorded leaf"),
    ("drop a middle event", "do not run 1.."),
    ("proof", "does not lead to the checkpoint"),
    ("checkpoint", "signature by carepath.invalid/development does not verify"),
])
def test_an_edited_export_fails_the_script_naming_why(attacker: Attacker, tmp_path: Path,
                                                      edit: str, reason: str) -> None:
    path = tmp_path / "pathway.jsonl"
    key = export(attacker, path, attacker.rows()[5][1])
    third = json.loads(path.read_text(encoding="utf-8").splitlines()[3])
    header = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    if edit == "payload":
        state = base64.b64decode(third["state"]).replace(b'"', b"'", 1)
        rewrite(path, 3, {"state": base64.b64encode(state).decode()})
    elif edit == "drop a middle event":
        rewrite(path, 3, None)
    elif edit == "proof":
        rewrite(path, 3, {"proof": [h[::-1] for h in third["proof"]]})
    else:
        rewrite(path, 0, {"note": header["note"].replace("\n", "\n1", 1)})
    done = run_script(path, key, tmp_path)
    assert done.returncode == 1
    assert reason in done.stdout


def test_evidence_checked_with_another_key_fails(attacker: Attacker, tmp_path: Path) -> None:
    path = tmp_path / "pathway.jsonl"
    export(attacker, path, attacker.rows()[5][1])
    other = new_signer("carepath.invalid/development").verifier.text()
    done = run_script(path, other, tmp_path)
    assert done.returncode == 1
    assert "is not signed by the key" in done.stdout


def test_a_deleted_event_in_the_store_shows_in_its_evidence(attacker: Attacker,
                                                             tmp_path: Path) -> None:
    position, originator, version, _topic, _state = attacker.rows()[5]
    with attacker.sql() as sql:
        sql.run(f"DELETE FROM {attacker.tables.events} WHERE {attacker.position} = ?",
                (position,))
    path = tmp_path / "pathway.jsonl"
    key = export(attacker, path, originator)
    done = run_script(path, key, tmp_path)
    assert done.returncode == 1
    assert f"version {version}" in done.stdout
    assert "it was deleted" in done.stdout


def test_the_evidence_command_writes_what_the_script_accepts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert main(["demo", "--count", "3", "--data-dir", str(data)]) == 0
    listing = tmp_path / "log.jsonl"
    assert main(["evidence", "--all", "--purpose", "a court order", "--data-dir", str(data),
                 "-o", str(listing)]) == 0
    pathway = json.loads(listing.read_text(encoding="utf-8").splitlines()[1])["pathway_id"]
    out = tmp_path / "pathway.jsonl"
    assert main(["evidence", pathway, "--purpose", "a court order", "--data-dir", str(data),
                 "-o", str(out)]) == 0
    key = json.loads(out.read_text(encoding="utf-8").splitlines()[0])["key"]
    for path in (listing, out):
        done = run_script(path, key, tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr


def test_a_consistency_proof_shows_the_log_only_grew_since_a_kept_checkpoint(
        attacker: Attacker, tmp_path: Path) -> None:
    integrity = attacker.container.integrity
    kept = integrity.seal()
    assert kept is not None
    (tmp_path / "kept.txt").write_text(kept.note, encoding="utf-8")
    seed_demo(attacker.container.pathways, count=2, seed=11)
    assert integrity.seal() is not None
    answer = consistency(integrity, kept.checkpoint.size)
    assert answer is not None
    assert answer.new > answer.old == kept.checkpoint.size
    body = {"old": answer.old, "new": answer.new, "proof": [h.hex() for h in answer.proof],
            "checkpoint": answer.checkpoint}
    path = tmp_path / "consistency.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    done = run_script(path, integrity.verifier.text(), tmp_path, kept=tmp_path / "kept.txt")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"grew from {answer.old} to {answer.new} events" in done.stdout

    forked = Checkpoint(kept.checkpoint.origin, kept.checkpoint.size, bytes(32))
    (tmp_path / "forked.txt").write_text(forked.sign(integrity.signer), encoding="utf-8")
    done = run_script(path, integrity.verifier.text(), tmp_path, kept=tmp_path / "forked.txt")
    assert done.returncode == 1
    assert "does not extend the one you kept" in done.stdout
