"""Tokens for development and the demo: who each demo role is, and a signer for them.

Only an HMAC secret can sign here (the service itself holds no private key); with an
asymmetric algorithm, ``carepath issue-token --private-key`` signs with the key given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from services.access.keys import BadKey, verification_key
from services.access.principal import Role
from services.access.tokens import HMAC, issue_token
from services.settings import Settings

DEMO_LIFETIME_SECONDS: Final = 12 * 3600


@dataclass(frozen=True)
class DemoUser:
    role: Role
    subject: str
    therapists: tuple[str, ...] = ()


DEMO_USERS: Final[tuple[DemoUser, ...]] = (
    DemoUser("therapist", "t-amara"),
    DemoUser("supervisor", "s-olu", ("t-amara", "t-bruno")),
    DemoUser("ops", "ops-kim"),
    DemoUser("auditor", "auditor-rui"),
    DemoUser("platform", "platform-feed"),
    DemoUser("admin", "admin-sam"),
)
"""One per role; the therapists are the demo caseload's (``services.demo.clinical``)."""


def signing_key(settings: Settings, private_key: Any = None) -> Any:
    """The key tokens are signed with: ``private_key`` (asymmetric), or the HMAC secret."""
    if settings.auth_algorithm in HMAC:
        if private_key is not None:
            msg = f"--private-key goes with an asymmetric algorithm, not {settings.auth_algorithm}"
            raise BadKey(msg)
        return verification_key(settings)
    if private_key is None:
        msg = (f"{settings.auth_algorithm} tokens are signed with a private key: give"
               " --private-key FILE (PEM)")
        raise BadKey(msg)
    _check_pair(private_key, verification_key(settings))
    return private_key


def _check_pair(private_key: Any, public_key: Any) -> None:
    from cryptography.hazmat.primitives.serialization import (  # noqa: PLC0415
        Encoding,
        PublicFormat,
    )

    def spki(key: Any) -> bytes:
        return bytes(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))

    if spki(private_key.public_key()) != spki(public_key):
        msg = "the private key does not match CAREPATH_AUTH_PUBLIC_KEY"
        raise BadKey(msg)


def demo_tokens(settings: Settings, *, now: float | None = None) -> Mapping[DemoUser, str]:
    """A token per demo user (development with an HMAC secret only; else none)."""
    if settings.environment != "development" or settings.auth_algorithm not in HMAC:
        return {}
    from services.access.keys import token_rules  # noqa: PLC0415

    rules = token_rules(settings)
    return {user: issue_token(rules, rules.key, subject=user.subject, role=user.role,
                              therapists=user.therapists,
                              lifetime_seconds=DEMO_LIFETIME_SECONDS, now=now)
            for user in DEMO_USERS}
