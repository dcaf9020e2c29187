"""What authentication costs a command: the same command with and without it, same run.

Two services, each on a store of its own, answer the same one-event command (a PHQ-9 on a
prepopulated pathway) through the HTTP application as a server calls it (raw ASGI calls, no
network, no client), taking turns, so drift hits both: one as built (the bearer token verified,
remembered after its first use, the role and the pathway's caseload decided by the policy
table), one whose gate trusts whoever calls (no token read, no policy). The cost is the
median of the pairwise differences (bar: <= 0.3 ms at p50). Beside it: what verifying a token
costs the first time it is seen (HS256 and EdDSA) and each time after (remembered).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric import ed25519

from bench.carepath import as_url, extra_measure, prepopulated
from bench.database import fresh_database
from services.access.gate import Gate
from services.access.tokens import TokenRules, TokenVerifier, issue_token
from services.application import Caller
from services.composition import Container, bootstrap
from services.http.app import create_app
from services.settings import load_settings

BAR_MS = 0.3
SUBJECT = "t-bench"


class TrustingGate(Gate):
    """A gate without authentication: every caller is the benchmark's therapist, unchecked."""

    def caller(self, token: str | None, *, correlation_id: str,
               idempotency_key: str | None = None) -> Caller:
        del token
        return Caller(actor_id=SUBJECT, actor_role="therapist", correlation_id=correlation_id,
                      idempotency_key=idempotency_key or "bench")


@dataclass(frozen=True)
class AuthResult:
    store: str
    commands: int
    with_auth_p50_ms: float
    without_auth_p50_ms: float
    cost_ms: float
    first_hs256_us: float
    first_eddsa_us: float
    remembered_us: float

    def meets_bar(self) -> bool:
        return self.cost_ms <= BAR_MS

    def render(self) -> list[str]:
        verdict = "meets" if self.meets_bar() else "ABOVE"
        return [
            f"auth ({self.store}): a command p50 {self.with_auth_p50_ms:.2f} ms with a bearer"
            f" token and the policy table, {self.without_auth_p50_ms:.2f} ms without; auth"
            f" adds {self.cost_ms:+.3f} ms a command (median of {self.commands} pairs;"
            f" {verdict} bar <= {BAR_MS} ms)",
            f"auth ({self.store}): verifying a token the first time {self.first_hs256_us:.0f} us"
            f" (HS256), {self.first_eddsa_us:.0f} us (EdDSA); a remembered token"
            f" {self.remembered_us:.1f} us",
        ]


async def _post(app: Any, path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> float:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    started = time.perf_counter()
    await app(scope, receive, send)
    took = (time.perf_counter() - started) * 1e3
    if status != 201:  # noqa: PLR2004 - recorded, as every command here must be
        msg = f"POST {path} answered {status}"
        raise RuntimeError(msg)
    return took


def _service(database_url: str | None, data_dir: Path, *, trusting: bool) -> Container:
    container = bootstrap(load_settings(database_url=database_url, data_dir=data_dir,
                                        checkpoint_interval_seconds=3600))
    if trusting:
        container.gate = TrustingGate(container.gate.verifier, container.gate.caseloads)
    return container


async def _rounds(apps: list[Any], paths: list[str], token: str,
                  commands: int) -> list[list[float]]:
    body = orjson.dumps(extra_measure(datetime.now(UTC) - timedelta(days=200)).model_dump(
        mode="json"))
    timings: list[list[float]] = [[], []]
    for step in range(commands + 1):
        for which, (app, path) in enumerate(zip(apps, paths, strict=True)):
            headers = [(b"content-type", b"application/json"),
                       (b"authorization", f"Bearer {token}".encode()),
                       (b"idempotency-key", f"auth:{step}".encode())]
            timings[which].append(await _post(app, path, body, headers))
    return [series[1:] for series in timings]  # the first of each warms caches and routes


def measure_auth(urls: tuple[str | None, str | None], *, commands: int) -> AuthResult:
    with tempfile.TemporaryDirectory(prefix="carepath-bench-") as one, \
            tempfile.TemporaryDirectory(prefix="carepath-bench-") as two:
        services = [_service(urls[0], Path(one), trusting=False),
                    _service(urls[1], Path(two), trusting=True)]
        try:
            start = datetime.now(UTC) - timedelta(days=200)
            paths = []
            for service in services:
                pathway = prepopulated(1, start)
                service.pathways.save(pathway)
                paths.append(f"/pathways/{pathway.id}/measures")
            rules = services[0].gate.verifier.rules
            token = issue_token(rules, rules.key, subject=SUBJECT, role="therapist",
                                lifetime_seconds=3600)
            apps = [create_app(service) for service in services]
            with_auth, without = asyncio.run(_rounds(apps, paths, token, commands))
        finally:
            for service in services:
                service.close()
    first_hs, first_ed, remembered = _verification_costs()
    return AuthResult(
        "postgresql" if urls[0] else "sqlite", commands, statistics.median(with_auth),
        statistics.median(without),
        statistics.median(a - b for a, b in zip(with_auth, without, strict=True)),
        first_hs, first_ed, remembered)


def _verification_costs(count: int = 300) -> tuple[float, float, float]:
    """Microseconds to verify a token seen for the first time (HS256, EdDSA), and again."""
    secret = os.urandom(32)
    private = ed25519.Ed25519PrivateKey.generate()
    hs = TokenRules("bench", "carepath", "HS256", secret)
    ed = TokenRules("bench", "carepath", "EdDSA", private.public_key())

    def first_time(rules: TokenRules, key: Any) -> float:
        tokens = [issue_token(rules, key, subject=f"t-{n}", role="therapist")
                  for n in range(count)]
        verifier = TokenVerifier(rules)
        started = time.perf_counter()
        for token in tokens:
            verifier.verify(token)
        return (time.perf_counter() - started) / count * 1e6

    verifier = TokenVerifier(hs)
    token = issue_token(hs, secret, subject="t-1", role="therapist")
    verifier.verify(token)
    started = time.perf_counter()
    for _ in range(count * 10):
        verifier.verify(token)
    remembered = (time.perf_counter() - started) / (count * 10) * 1e6
    return first_time(hs, secret), first_time(ed, private), remembered


def run_auth(server_dsn: str, *, commands: int = 300) -> list[AuthResult]:
    results = [measure_auth((None, None), commands=commands)]
    with fresh_database(server_dsn) as first, fresh_database(server_dsn) as second:
        results.append(measure_auth((as_url(first), as_url(second)), commands=commands))
    return results


__all__ = ["BAR_MS", "AuthResult", "measure_auth", "run_auth"]


def auth_sections(args: Any, lines: list[str], sections: dict[str, Any], say: Any) -> bool:
    """Issue 8's auth line: a command with and without authentication (bar), both stores."""
    if "auth" not in args.sections:
        return True
    say("auth: a command with and without a bearer token and the policy, SQLite and"
        " PostgreSQL ...")
    met = True
    for result in run_auth(args.dsn, commands=args.auth_commands):
        lines.extend(result.render())
        sections[f"auth_{result.store}"] = {**vars(result), "bar_ms": BAR_MS}
        met = met and result.meets_bar()
    return met
