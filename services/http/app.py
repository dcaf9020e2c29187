"""The HTTP application: built from a container by the composition root, never at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import Depends, FastAPI

from services.composition import Container, broker_runtime
from services.feed.pages import EventFeed
from services.feed.signal import LogSignal
from services.http import (
    access_log,
    audit,
    broker,
    commands,
    dashboard,
    docs,
    fast_commands,
    feed,
    group_list,
    groups,
    integrity,
    metrics,
    ops,
    problems,
    queries,
    schemas,
)
from services.http.auth import answers as access_answers
from services.http.auth import login
from services.http.auth.guard import guard
from services.http.headers import CorrelationMiddleware
from services.http.limits import BodyLimitMiddleware
from services.http.openapi import DocumentedAPI

MAX_BODY_BYTES = 64 * 1024

DESCRIPTION = """
Runs interpersonal psychotherapy (IPT) care pathways. Every change is a command that the
pathway decides against the clinical rules (`IPT-xx`) and records as events; reads replay them.

**Authentication.** Every endpoint but health, the documents and the log's public key needs
`Authorization: Bearer <token>`: a signed JWT whose `sub` and `role` say who acts (the actor
and role recorded with each event come from it, never from a header). Without a usable token
the answer is 401 (`token-missing`, `token-expired`, `token-bad-signature`,
`token-wrong-issuer`, `token-wrong-audience`, ...) with `WWW-Authenticate`; a role the policy
does not allow, or a pathway outside the caller's caseload, answers 403. Roles: `therapist`
(own caseload), `supervisor` (the caseloads of the therapists in the token's `therapists`
claim), `ops` (dashboard, read-model status, metrics), `auditor` (histories, as-of, verify,
exports; each read is recorded in the access log with its stated `purpose`), `platform` (the
event feed), `admin`.

**Headers on commands.** `Idempotency-Key` recognises retries: the same key with the same body
answers 200 with the first answer and records nothing new; the same key with another body
answers 422. Without a key the server generates one and returns it, so **a client that may
retry must send its own key**. `X-Correlation-Id` is generated if absent and always echoed.
`If-Match: "<version>"` (the `ETag` of a read or of a command answer) makes the command fail
with 412 if the pathway moved on.

**Errors** are `application/problem+json` (RFC 9457). A broken clinical rule answers 422 with
its `rule`; a soft rule answers 422 `reason-required` listing every `deviation`, and the same
command with a `reason` records them as deviations. Field errors list `errors: [{field,
reason}]`. Bodies are limited to 64 KiB.

**Bodies** are JSON (`Content-Type: application/json`, else 415) in UTF-8, each member named
once at every depth (else 400 naming it). **Times** are ISO 8601 text with an offset; any
offset is accepted and stored and shown in UTC. A clinical time before 1900, or later than the
server's clock plus its clock-skew allowance, is refused, as is a referral dated after today.
"""

TAGS = [
    {"name": "commands", "description": "Change a pathway: each records one or more events."},
    {"name": "queries", "description": "Read pathways: state, state as of a version, history."},
    {"name": "ops", "description": "Health and the protocol table."},
    groups.TAG,
    audit.TAG,
    {"name": "integrity", "description": "Tamper evidence: verify, checkpoints, evidence."},
    {"name": "access log", "description": "Who read which history, as-of or export, when and"
                                          " why (the auditor's); reports; its chain checked."},
    {"name": "events", "description": "For platform teams: the CloudEvents every stored event"
                                      " is published as, and their JSON Schemas."},
]


def _version() -> str:
    try:
        return version("carepath")
    except PackageNotFoundError:
        return "0.0.0"


def create_app(container: Container) -> FastAPI:
    """The API over one container; the container is closed when the application shuts down."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if container.settings.projections_in_process:  # the read models' workers, threads
            container.start_projections()
        container.integrity.start_sealing()  # signed checkpoints of the log, periodically
        settings = container.settings
        if settings.broker_url is not None:  # the relay and broker commands, as configured
            app.state.broker = broker_runtime(container, relay=settings.relay_in_process,
                                              commands=settings.broker_commands)
            await app.state.broker.start()
        try:
            yield
        finally:
            if app.state.broker is not None:
                await app.state.broker.stop()
            container.close()

    app = DocumentedAPI(title="carepath: IPT care pathways", version=_version(),
                        description=DESCRIPTION, openapi_tags=TAGS, lifespan=lifespan,
                        dependencies=[Depends(guard)],  # every route: token and policy first
                        docs_url=None, redoc_url=None)  # FastAPI's pages use a CDN: see docs
    app.state.container = container
    app.state.broker = None
    problems.install(app)
    access_answers.install(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(CorrelationMiddleware)
    app.include_router(commands.router)
    app.include_router(queries.router)
    app.include_router(groups.commands)  # /groups: group IPT, a session in one transaction
    app.include_router(groups.queries)
    app.include_router(group_list.router)  # GET /groups: the groups read model's list
    app.include_router(ops.router)
    app.include_router(dashboard.router)
    app.include_router(login.router)  # the pages' sign-in: a token kept in a cookie
    audit.install(app)  # /audit: histories, as-of, steps, exports and the audit page
    app.include_router(integrity.router)
    app.include_router(access_log.router)  # who read which record: the auditor's
    app.include_router(schemas.router)  # /schemas/events: the integration events' schemas
    signal = LogSignal()  # streams of the feed wake on this process's saves
    container.pathways.on_saved.append(signal.notify)
    feed.install(app, EventFeed(container.pathways, container.envelopes), signal)
    metrics.install(app)  # /metrics: read-side lag, open flags, commands by outcome and rule
    broker.install(app)  # /ops/relay, the AsyncAPI document, the relay's lag on /metrics
    docs.install(app)  # /docs and /asyncapi as pages, every file served locally
    fast_commands.install(app)  # the command routes' happy path, ahead of the routes above
    return app
