"""The ``carepath`` command line: help a new user can follow, clean configuration errors."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from pydantic import SecretStr

from services import cli
from services.settings import load_settings

SECRET = "s3cr3t-pw"  # noqa: S105 - a fake password the output must not show


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CAREPATH_"):
            monkeypatch.delenv(name)


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*argv, "--help"])
    assert exit_info.value.code == 0
    return capsys.readouterr().out


def test_top_level_help_lists_every_command_with_examples(
        capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys)
    for command in ("serve", "demo", "check-config"):
        assert command in text
    assert "examples:" in text
    assert "IPT" in text


@pytest.mark.parametrize(("command", "expected"), [
    ("serve", ("--host", "--port", "--demo", "--data-dir", "/docs", "examples:")),
    ("demo", ("--count", "--seed", "--data-dir", "idempotent", "examples:")),
    ("check-config", ("redacted", "CAREPATH_PORT", "examples:")),
])
def test_each_command_has_help(capsys: pytest.CaptureFixture[str], command: str,
                               expected: Sequence[str]) -> None:
    text = _help(capsys, command)
    for fragment in expected:
        assert fragment in text


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == cli.EXIT_CONFIG
    assert "serve" in capsys.readouterr().out


def test_check_config_names_the_bad_variable_and_exits_2(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CAREPATH_PORT", "99999")
    assert cli.main(["check-config"]) == 2
    captured = capsys.readouterr()
    assert "CAREPATH_PORT" in captured.err
    assert "Traceback" not in captured.err


def test_check_config_prints_settings_with_secrets_redacted(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CAREPATH_DATABASE_URL", f"postgresql://carepath:{SECRET}@db:5432/cp")
    assert cli.main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "CAREPATH_DATABASE_URL" in out
    assert "db:5432/cp" in out
    assert SECRET not in out


def test_serve_refuses_a_bad_configuration_before_starting(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CAREPATH_ENVIRONMENT", "staging")
    assert cli.main(["serve"]) == 2
    assert "CAREPATH_ENVIRONMENT" in capsys.readouterr().err


def test_demo_seeds_the_data_directory_from_the_environment(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    monkeypatch.setenv("CAREPATH_DATA_DIR", str(tmp_path))
    assert cli.main(["demo", "--count", "8"]) == 0
    out = capsys.readouterr().out
    assert "demo: 8/8 pathways" in out
    assert "demo caseload: 8 pathways" in out
    assert (tmp_path / "Pathways.sqlite3").exists()
    assert cli.main(["demo", "--count", "8"]) == 0
    assert "(0 events recorded" in capsys.readouterr().out


def test_banner_shows_where_data_lives_without_the_password() -> None:
    settings = load_settings(database_url=SecretStr(f"postgresql://u:{SECRET}@db/cp"),
                             host="0.0.0.0")  # noqa: S104 - a value under test
    text = cli.banner(settings, "some-id")
    assert "postgresql" in text
    assert SECRET not in text
    assert "http://127.0.0.1:8000/docs" in text
    assert "curl" in text


def test_a_demo_from_another_generator_version_is_reported_with_what_to_do(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    from services import demo  # noqa: PLC0415 - the module the command imports lazily

    def conflicting(*_: Any, **__: Any) -> Any:
        raise demo.DemoConflict("the store already holds a different demo command")

    monkeypatch.setattr(demo, "seed_demo", conflicting)
    assert cli.main(["demo", "--data-dir", str(tmp_path)]) == cli.EXIT_CONFIG
    err = capsys.readouterr().err
    assert "different demo command" in err
    assert "--data-dir" in err
    assert "Traceback" not in err


def test_an_unreachable_database_is_reported_without_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CAREPATH_DATABASE_URL",
                       f"postgresql://u:{SECRET}@127.0.0.1:1/cp?connect_timeout=1")
    assert cli.main(["demo", "--count", "1"]) == cli.EXIT_UNAVAILABLE
    err = capsys.readouterr().err
    assert "cannot use the event store" in err
    assert "127.0.0.1:1/cp" in err
    assert SECRET not in err
    assert "Traceback" not in err


def test_serve_seeds_the_demo_prints_the_banner_and_runs_the_app(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    served: list[tuple[str, int]] = []

    def fake_run(app: Any, *, host: str, port: int, access_log: bool) -> None:
        served.append((host, port))
        assert access_log
        app.state.container.close()

    monkeypatch.setattr(uvicorn, "run", fake_run)
    assert cli.main(["serve", "--demo", "--port", "8123", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert served == [("127.0.0.1", 8123)]
    assert "demo: 48/48 pathways" in out
    assert str(tmp_path.resolve() / "Pathways.sqlite3") in out
    assert "http://127.0.0.1:8123/docs" in out
    assert "curl -s http://127.0.0.1:8123/health" in out


def test_serve_with_workers_seeds_once_then_hands_uvicorn_a_factory(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []

    def fake_run(app: Any, **options: Any) -> None:
        calls.append({"app": app, **options})

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setenv("CAREPATH_DATA_DIR", "unset-after-the-test")  # serve sets it for workers
    argv = ["serve", "--demo", "--workers", "3", "--no-access-log", "--data-dir", str(tmp_path)]
    assert cli.main(argv) == 0
    assert "demo: 48/48 pathways" in capsys.readouterr().out
    [call] = calls
    assert call["app"] == "services.cli.serve:worker_app"
    assert (call["factory"], call["workers"], call["access_log"]) == (True, 3, False)
    assert os.environ["CAREPATH_DATA_DIR"] == str(tmp_path)
    app = cli.serve.worker_app()  # what each worker process builds
    assert app.state.container.settings.data_dir == tmp_path
    app.state.container.close()


def test_serve_refuses_zero_workers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--workers", "0"])
    assert "must be at least 1" in capsys.readouterr().err
