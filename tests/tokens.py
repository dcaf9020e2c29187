"""Bearer tokens for the tests: signed with the secret every test's settings use.

The root conftest sets ``CAREPATH_AUTH_SECRET`` to :data:`TEST_SECRET` (random per run) before
any settings are loaded, so an application a test builds checks tokens with it; a test that
needs another key passes its own settings. ``bearer("auditor", "a-1")`` is a header dict.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Sequence
from typing import Any

from services.access.keys import DEVELOPMENT_ISSUER
from services.access.principal import Role
from services.access.tokens import TokenRules, issue_token

SECRET_VARIABLE = "CAREPATH_AUTH_SECRET"  # noqa: S105 - the name of the variable
TEST_SECRET = os.environ.get(SECRET_VARIABLE) or base64.b64encode(os.urandom(32)).decode()
RULES = TokenRules(issuer=DEVELOPMENT_ISSUER, audience="carepath", algorithm="HS256",
                   key=base64.b64decode(TEST_SECRET))
DAY = 86_400


def token(role: Role = "therapist", subject: str = "t-1", *, therapists: Sequence[str] = (),
          lifetime: float = DAY, now: float | None = None, rules: TokenRules = RULES,
          key: Any = None) -> str:
    return issue_token(rules, rules.key if key is None else key, subject=subject, role=role,
                       therapists=therapists, lifetime_seconds=lifetime,
                       now=time.time() if now is None else now)


def bearer(role: Role = "therapist", subject: str = "t-1", **kwargs: Any) -> dict[str, str]:
    """``{"Authorization": "Bearer <token>"}`` for ``role`` and ``subject``."""
    return {"Authorization": f"Bearer {token(role, subject, **kwargs)}"}


def rules_of(container: Any) -> TokenRules:
    """The token rules of a running container (another key than the tests' own)."""
    found: TokenRules = container.gate.verifier.rules
    return found
