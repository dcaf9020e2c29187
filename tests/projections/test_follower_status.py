"""The read models' status, as ops see it: over HTTP (``GET /ops/projections``) and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from projections.follower import worker_name
from projections.log import OrderedLog
from projections.registry import all_projections
from projections.status import projection_status
from services.cli import main
from services.composition import bootstrap
from services.http import create_app
from services.settings import load_settings
from tests.projections.counting import CountByType, open_pathways
from tests.projections.test_follower import until
from tests.tokens import bearer


def test_the_ops_endpoint_shows_every_read_model_caught_up_with_a_heartbeat(
        tmp_path: Path) -> None:
    container = bootstrap(load_settings(data_dir=tmp_path))
    open_pathways(container.pathways, 3, "ops")
    head = OrderedLog(container.pathways).head()
    names = [p.name for p in all_projections()]
    with TestClient(create_app(container),  # the lifespan starts the workers
                    headers=bearer("ops", "o-1")) as client:
        def settled() -> bool:
            rows = client.get("/ops/projections").json()["projections"]
            return all(r["position"] == head and r["heartbeat_at"] for r in rows)

        assert until(settled, 20.0)
        rows = client.get("/ops/projections").json()["projections"]
    assert [r["name"] for r in rows] == names
    assert all(r["lag_events"] == 0 and r["lag_seconds"] == 0 for r in rows)
    assert all(r["live_generation"] == 1 and r["rebuild"] is None for r in rows)


def test_status_reports_lag_and_a_rebuild_in_progress(tmp_path: Path) -> None:
    container = bootstrap(load_settings(data_dir=tmp_path))
    try:
        open_pathways(container.pathways, 4, "lag")
        log = OrderedLog(container.pathways)
        (before,) = projection_status(container.read_store, log, [CountByType()])
        assert (before.live_generation, before.lag_events) == (None, 4)
        assert before.lag_seconds > 0
    finally:
        container.close()


def test_the_cli_prints_status_and_rebuilds(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    container = bootstrap(load_settings(data_dir=tmp_path))
    open_pathways(container.pathways, 2, "cli")
    container.close()
    names = [p.name for p in all_projections()]
    assert names
    assert main(["projections", "rebuild", "--all", "--data-dir", str(tmp_path)]) == 0
    assert "every read model: new generations are live at position 2" in (
        capsys.readouterr().out)
    assert main(["projections", "rebuild", names[0], "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"{names[0]}: generation 2 is live at position 2" in out
    assert main(["projections", "status", "--data-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("read model")
    assert "worker" in lines[0]
    assert len(lines) == 1 + len(names)
    rebuilt = next(line for line in lines if line.startswith(f"{names[0]} "))
    assert worker_name() in rebuilt.split()  # the rebuild's follower led and beat
    assert main(["projections", "rebuild", "no-such", "--data-dir", str(tmp_path)]) == 2
