"""What every subcommand shares: exit statuses, settings from options, the version."""

from __future__ import annotations

import argparse
from importlib.metadata import PackageNotFoundError, version

from services.settings import Settings, load_settings

EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 1


def settings_from(args: argparse.Namespace, *names: str) -> Settings:
    """The settings, with the options the person gave (``--data-dir``, ``--port``...) winning."""
    overrides = {name: getattr(args, name) for name in ("data_dir", *names)
                 if getattr(args, name, None) is not None}
    return load_settings(**overrides)


def version_text() -> str:
    try:
        return version("carepath")
    except PackageNotFoundError:
        return "0.0.0"
