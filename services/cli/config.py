"""``carepath check-config``: the settings in effect, secrets redacted, and where data lives."""

from __future__ import annotations

import argparse
from typing import Any

from pydantic import SecretStr

from services.settings import Settings, load_settings, postgres_params

CHECK_EPILOG = """\
examples:
  carepath check-config
  CAREPATH_PORT=99999 carepath check-config      exits 2 and names CAREPATH_PORT
"""


def check_config_command(_args: argparse.Namespace) -> int:
    settings = load_settings()
    print("carepath settings (from CAREPATH_* variables and defaults):")
    for name in type(settings).model_fields:
        print(f"  CAREPATH_{name.upper():<26} {_shown(name, getattr(settings, name))}")
    print(f"storage: {storage_description(settings)}")
    return 0


def _shown(name: str, value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, SecretStr):
        if name == "broker_url":
            from services.broker.url import redacted  # noqa: PLC0415

            return redacted(value.get_secret_value())
        return redacted_dsn(value) if name == "database_url" else "<redacted>"
    return str(value)


def storage_description(settings: Settings) -> str:
    """Where the data lives, with no secret in it."""
    if settings.database_url is None:
        return f"sqlite file {(settings.data_dir / 'Pathways.sqlite3').resolve()}"
    return f"postgresql ({redacted_dsn(settings.database_url)})"


def redacted_dsn(dsn: SecretStr) -> str:
    params = postgres_params(dsn.get_secret_value())
    password = ":<redacted>" if params.get("password") else ""
    return (f"postgresql://{params['user']}{password}@{params['host']}:"
            f"{params.get('port', '5432')}/{params['dbname']}")
