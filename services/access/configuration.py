"""Start-up checks of the authentication settings, across variables (``services.settings``
calls them): the key matches the algorithm; production has its own key and issuer, and keeps
the access log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.access.keys import DEVELOPMENT_ISSUER, SECRET_HINT, BadKey, public_key
from services.access.tokens import HMAC

if TYPE_CHECKING:
    from services.settings import Settings

_PREFIX = "CAREPATH_"


def auth_problems(settings: Settings) -> list[str]:
    """One line per problem, naming the variable to change."""
    problems = []
    production = settings.environment == "production"
    algorithm = settings.auth_algorithm
    if algorithm in HMAC:
        if settings.auth_public_key is not None:
            problems.append(f"{_PREFIX}AUTH_PUBLIC_KEY: goes with an asymmetric"
                            f" {_PREFIX}AUTH_ALGORITHM (EdDSA, RS256, ES256), not {algorithm}")
        if production and settings.auth_secret is None:
            problems.append(f"{_PREFIX}AUTH_SECRET: required in production with {algorithm}"
                            f" (or set {_PREFIX}AUTH_ALGORITHM and {_PREFIX}AUTH_PUBLIC_KEY);"
                            f" {SECRET_HINT}")
    else:
        if settings.auth_secret is not None:
            problems.append(f"{_PREFIX}AUTH_SECRET: goes with an HMAC {_PREFIX}AUTH_ALGORITHM"
                            f" (HS256, HS384, HS512), not {algorithm}")
        if settings.auth_public_key is None:
            problems.append(f"{_PREFIX}AUTH_PUBLIC_KEY: required with {algorithm}: the PEM"
                            " public key tokens are checked with, or the path of a file"
                            " holding it")
        else:
            try:
                public_key(settings.auth_public_key, algorithm)
            except BadKey as error:
                problems.append(f"{_PREFIX}AUTH_PUBLIC_KEY: {error}")
    if production and settings.auth_issuer == DEVELOPMENT_ISSUER:
        problems.append(f"{_PREFIX}AUTH_ISSUER: production needs the issuer of its own identity"
                        " provider, not the development issuer")
    if production and not settings.access_log:
        problems.append(f"{_PREFIX}ACCESS_LOG: cannot be switched off in production (every"
                        " read of a history, an as-of or an export is recorded)")
    return problems
