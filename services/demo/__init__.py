"""A deterministic synthetic caseload for demos, dashboards and manual testing.

``seed_demo(pathways)`` drives the application layer with the command sequences a clinic would
send: pathways in every phase, under every available protocol, with every outcome, missed
sessions, deviations, safety flags, maintenance and closures. Everything is synthetic: client
references are ``demo-client-NNN`` and no free text about a person is written.

Seeding is idempotent: every command carries a deterministic idempotency key, so a second run
on the same data directory records nothing new.
"""

from __future__ import annotations

from services.demo.seed import DemoConflict, seed_demo
from services.demo.summary import DemoSummary

__all__ = ["DemoConflict", "DemoSummary", "seed_demo"]
