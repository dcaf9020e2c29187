"""``carepath serve``: run the HTTP API, optionally after seeding the demo caseload."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from services.cli.common import settings_from, version_text
from services.cli.config import storage_description
from services.cli.demo import BULK_FROM, PROGRESS_SECONDS, seed
from services.settings import ENV_PREFIX, Settings, load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from services.access.demo import DemoUser
    from services.composition import Container
    from services.demo import FormatsSummary

DEMO_SIZE = 48
_WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - compared, not bound

SERVE_EPILOG = """\
examples:
  carepath serve                        embedded SQLite in ./data, http://127.0.0.1:8000
  carepath serve --demo                 the same, with 48 synthetic pathways seeded first
  carepath serve --demo-size 10000      a clinic at scale, to try the dashboard with
  CAREPATH_DATABASE_URL=postgresql://carepath@db:5432/carepath carepath serve --host 0.0.0.0
  carepath serve --workers 4            four server processes on one port, one store

The API documentation (OpenAPI) is served at /docs, the clinic dashboard at /ops/dashboard.
"""


def serve_command(args: argparse.Namespace) -> int:
    """Seed the demo once, then serve: in this process, or in ``--workers`` processes.

    Each worker builds its own application from the settings (uvicorn imports
    :func:`worker_app`); their caches stay correct because a command reads the events stored
    after its cached version, whichever process wrote them.
    """
    settings = settings_from(args, "host", "port")
    from services.composition import bootstrap  # noqa: PLC0415 - keep --help fast

    container = bootstrap(settings)
    first_demo = late_joiner = None
    size = getattr(args, "demo_size", None)
    if args.demo or size:
        summary = seed(container.pathways, container.groups, count=size or DEMO_SIZE, seed=7)
        first_demo = str(summary.pathway_ids[0])
        late_joiner = refused_enrolment(summary.formats)
        if size and size > BULK_FROM and settings.projections_in_process \
                and settings.database_url is None:
            build_read_models(container)
    from services.access.demo import demo_tokens  # noqa: PLC0415

    print(banner(settings, first_demo, demo_tokens(settings), late_joiner), flush=True)

    import uvicorn  # noqa: PLC0415 - only serving needs the server

    from services.http.app import create_app  # noqa: PLC0415

    workers = getattr(args, "workers", None) or 1
    access_log = not getattr(args, "no_access_log", False)
    if workers == 1:
        uvicorn.run(create_app(container), host=settings.host, port=settings.port,
                    access_log=access_log)
        return 0
    container.close()
    # Why the environment: worker processes load their settings again, as at start-up.
    os.environ[f"{ENV_PREFIX}DATA_DIR"] = str(settings.data_dir)
    uvicorn.run(f"{__name__}:worker_app", factory=True, workers=workers,
                host=settings.host, port=settings.port, access_log=access_log)
    return 0


def build_read_models(container: Container) -> None:
    """After a large demo on the embedded store, fill every read model, shared out between
    processes each making one pass over the log (``rebuild_in_processes``), so the dashboard
    has its numbers at start.

    Only where no read model has been built yet: otherwise the workers catch up as usual.
    """
    from projections.log import OrderedLog  # noqa: PLC0415
    from projections.rebuild_all import AllProgress  # noqa: PLC0415
    from projections.registry import all_projections  # noqa: PLC0415
    from projections.status import projection_status  # noqa: PLC0415
    from services.rebuild_worker import rebuild_in_processes  # noqa: PLC0415

    log = OrderedLog(container.pathways)
    projections = all_projections()
    status = projection_status(container.read_store, log, projections)
    if any(row.live_generation is not None for row in status):
        return
    started = shown = time.monotonic()

    def progress(done: AllProgress) -> None:
        nonlocal shown
        now = time.monotonic()
        if now - shown >= PROGRESS_SECONDS or done.position >= done.head:
            shown = now
            rate = done.applied / max(1e-6, now - started)
            print(f"  read models: {done.position:,}/{done.head:,} events ({rate:,.0f}/s)",
                  flush=True)

    print(f"  read models: building all {len(projections)} from {log.head():,} events",
          flush=True)
    rebuild_in_processes(container, projections, progress=progress)


def worker_app() -> FastAPI:
    """The application of one server worker process (``uvicorn --factory``)."""
    from services.composition import bootstrap  # noqa: PLC0415
    from services.http.app import create_app  # noqa: PLC0415

    return create_app(bootstrap(load_settings()))


def refused_enrolment(formats: FormatsSummary | None) -> tuple[str, str, str] | None:
    """The demo's late joiner: (group id, pathway id, rule id) of the enrolment refused."""
    for group in formats.groups if formats else ():
        for refusal in group.refusals:
            return str(group.group_id), str(refusal.pathway_id), refusal.rule
    return None


def banner(settings: Settings, demo_pathway: str | None = None,
           tokens: Mapping[DemoUser, str] | None = None,
           late_joiner: tuple[str, str, str] | None = None) -> str:
    """What ``serve`` prints at start: where things are, and (in development) a token per
    role and commands to try with them (``late_joiner``: the demo's running group, the late
    joiner's pathway and the rule that refuses their enrolment)."""
    shown = "127.0.0.1" if settings.host in _WILDCARD_HOSTS else settings.host
    base = f"http://{shown}:{settings.port}"
    headers = "-H \"Authorization: Bearer $THERAPIST\""
    auditor = "-H \"Authorization: Bearer $AUDITOR\""
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    opening = (f'{{"occurred_at": "{now.isoformat()}", "client_ref": "client-001",'
               f' "client_age": 34, "therapist_id": "t-amara", "protocol": "ipt",'
               f' "referral_date": "{now.date().isoformat()}"}}')
    lines = [
        f"carepath {version_text()}",
        f"  data:     {storage_description(settings)}",
        f"  API:      {base}",
        f"  API docs: {base}/docs",
        f"  dashboard: {base}/ops/dashboard   (sign in with a token below)",
        *_token_lines(tokens or {}),
        "  try:",
        f"    curl -s {base}/health",
        f"    curl -s {headers} '{base}/pathways?limit=5'",
        f"    curl -s -X POST {base}/pathways {headers} -H 'Idempotency-Key: try-1' \\",
        f"         -H 'Content-Type: application/json' -d '{opening}'",
    ]
    if demo_pathway:
        refused = (f'{{"occurred_at": "{now.isoformat()}", "number": 1, "minutes": 50,'
                   ' "focus_addressed": "role_dispute"}')
        lines += [
            f"    curl -s {auditor} '{base}/audit/pathways/{demo_pathway}/history"
            "?purpose=demo'",
            f"    curl -s -X POST {base}/pathways/{demo_pathway}/sessions {headers} \\",
            f"         -H 'Content-Type: application/json' -d '{refused}'"
            "   # refused: IPT-01",
        ]
    if late_joiner:
        group, pathway, rule = late_joiner
        enrol = f'{{"occurred_at": "{now.isoformat()}", "pathway_id": "{pathway}"}}'
        lines += [
            f"    curl -s {headers} '{base}/groups/{group}'   # a group running",
            f"    curl -s -X POST {base}/groups/{group}/members {headers} \\",
            f"         -H 'Content-Type: application/json' -d '{enrol}'"
            f"   # a late joiner, refused: {rule}",
        ]
    return "\n".join(lines)


def _token_lines(tokens: Mapping[DemoUser, str]) -> list[str]:
    if not tokens:
        return ["  tokens:   from your identity provider (carepath issue-token in development)"]
    lines = ["  tokens (development, valid 12 h; paste one into the sign-in page, or export"
             " them for curl):"]
    for user, token in tokens.items():
        whom = user.subject + (f", supervising {', '.join(user.therapists)}"
                               if user.therapists else "")
        lines.append(f"    export {user.role.upper()}={token}   # {whom}")
    return lines
