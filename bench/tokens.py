"""Bearer tokens for the benchmark's servers and applications (development secrets only)."""

from __future__ import annotations

import base64
import os
from typing import Any

from services.access.principal import Role
from services.access.tokens import TokenRules, issue_token

DAY = 86_400


def headers_for(container: Any, role: Role = "ops", subject: str = "bench") -> dict[str, str]:
    """``Authorization`` for an application built in this process (signed with its key)."""
    rules: TokenRules = container.gate.verifier.rules
    token = issue_token(rules, rules.key, subject=subject, role=role, lifetime_seconds=DAY)
    return {"Authorization": f"Bearer {token}"}


def new_secret() -> str:
    """A ``CAREPATH_AUTH_SECRET`` for a server this benchmark starts."""
    return base64.b64encode(os.urandom(32)).decode()


def headers_with(secret: str, role: Role = "therapist", subject: str = "t-bench",
                 issuer: str = "carepath-development", audience: str = "carepath",
                 ) -> dict[str, str]:
    """``Authorization`` for a server started with ``CAREPATH_AUTH_SECRET=secret``."""
    key = base64.b64decode(secret)
    rules = TokenRules(issuer=issuer, audience=audience, algorithm="HS256", key=key)
    token = issue_token(rules, key, subject=subject, role=role, lifetime_seconds=DAY)
    return {"Authorization": f"Bearer {token}"}
