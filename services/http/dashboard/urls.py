"""Where the dashboard lives."""

from __future__ import annotations

PREFIX = "/ops/dashboard"
