"""A deterministic synthetic caseload for demos, dashboards and manual testing.

``seed_demo(pathways)`` drives the application layer with the command sequences a clinic would
send: pathways in every phase, under every individual protocol, with every outcome, missed
sessions, deviations, safety flags, maintenance and closures. ``seed_formats(pathways,
groups)`` adds, on the same anchor day, two ipt-g groups (one completed, one running with a
late joiner refused and a safety hold) and a couple pathway. Everything is synthetic: client
references are ``demo-client-NNN`` and no free text about a person is written.

Seeding is idempotent: every command carries a deterministic idempotency key, so a second run
on the same data directory records nothing new.
"""

from __future__ import annotations

from services.demo.formats import seed_formats
from services.demo.formats_summary import FormatsSummary
from services.demo.seed import DemoConflict, seed_demo
from services.demo.summary import DemoSummary

__all__ = ["DemoConflict", "DemoSummary", "FormatsSummary", "seed_demo", "seed_formats"]
