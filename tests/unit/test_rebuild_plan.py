"""How a rebuild's read models are shared out between processes: the ones sharing the pathway
fold stay together, every process gets work, and one pass builds read models standing at one
position; the settings sent to a process load as the same settings."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from projections.projection import Projection
from projections.rebuild_plan import plan
from projections.registry import all_projections
from services.rebuild_worker import settings_payload
from services.settings import load_settings

FAMILY = {"pathways", "caseload", "funnel"}


def _names(shares: list[list[list[Projection]]]) -> list[list[set[str]]]:
    return [[{p.name for p in group} for group in share] for share in shares]


def test_one_process_builds_every_read_model_in_one_pass() -> None:
    projections = all_projections()
    shares = plan(projections, dict.fromkeys((p.name for p in projections), 0), 1)
    assert _names(shares) == [[{p.name for p in projections}]]


def test_two_processes_keep_the_pathway_fold_together_and_share_the_rest() -> None:
    projections = all_projections()
    shares = _names(plan(projections, dict.fromkeys((p.name for p in projections), 0), 2))
    assert len(shares) == 2
    assert all(len(share) == 1 for share in shares)  # one pass each
    together = [share[0] for share in shares if FAMILY & share[0]]
    assert len(together) == 1
    assert together[0] >= FAMILY
    assert set().union(*(share[0] for share in shares)) == {p.name for p in projections}


def test_more_processes_than_read_models_leave_none_idle() -> None:
    projections = all_projections()
    shares = plan(projections, dict.fromkeys((p.name for p in projections), 0), 64)
    assert len(shares) == len(projections) - len(FAMILY) + 1
    assert all(share and all(share) for share in shares)


def test_read_models_stopped_at_different_positions_are_built_in_separate_passes() -> None:
    projections = all_projections()
    positions = {p.name: 40 if p.name in FAMILY else 0 for p in projections}
    (share,) = _names(plan(projections, positions, 1))
    assert share == [{p.name for p in projections} - FAMILY, FAMILY]  # position 0 first


def test_the_settings_a_rebuild_process_is_sent_load_as_the_same_settings(tmp_path: Path
                                                                         ) -> None:
    settings = load_settings(
        data_dir=tmp_path, database_url="postgresql://u:secret@db:5432/care",
        cipher_key=base64.b64encode(bytes(range(32))).decode())
    payload = settings_payload(settings)
    assert json.loads(json.dumps(payload)) == payload  # plain JSON, secrets included
    assert load_settings(**payload) == settings
