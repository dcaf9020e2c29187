"""Bearer tokens: signed JWTs (RFC 7519) verified with PyJWT, one configured algorithm only.

A token names its subject (``sub``), its ``role``, and for a supervisor the ``therapists``
supervised; it must carry ``iss``, ``aud`` and ``exp`` matching the configuration. The
algorithm is fixed by configuration (never taken from the token's header), so a token signed
with the HMAC secret cannot pass where a public key is expected, nor ``alg: none`` anywhere.

A verified token is remembered (bounded LRU, keyed by the whole token) until it expires, so a
client that sends the same token with every request pays for the signature check once.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, cast

import jwt

from services.access.principal import ROLES, SUPERVISOR, Principal, Role

CACHE_SIZE: Final = 4096
"""Verified tokens remembered per process (a few hundred bytes each)."""
MAX_TOKEN_BYTES: Final = 8192
MAX_SUPERVISED: Final = 500
_ID = re.compile(r"^[!-~]([ -~]*[!-~])?$")
_MAX_ID = 200
HMAC: Final = frozenset({"HS256", "HS384", "HS512"})
ASYMMETRIC: Final = frozenset({"EdDSA", "RS256", "ES256"})
ALGORITHMS: Final = tuple(sorted(HMAC | ASYMMETRIC))


class TokenRefused(Exception):
    """The request's token does not authenticate anyone (401). ``slug`` names the kind of
    refusal for the problem document: token-missing, token-malformed, token-expired,
    token-not-yet-valid, token-bad-signature, token-wrong-issuer, token-wrong-audience,
    token-claims."""

    def __init__(self, slug: str, detail: str) -> None:
        super().__init__(detail)
        self.slug = slug
        self.detail = detail


@dataclass(frozen=True)
class TokenRules:
    """What a token must say to be accepted, and the key that checks its signature."""

    issuer: str
    audience: str
    algorithm: str
    key: Any
    """The HMAC secret (bytes) or the public key (a ``cryptography`` key object)."""
    leeway_seconds: int = 30


class TokenVerifier:
    """Verifies bearer tokens into principals; remembers the verified ones until they expire."""

    def __init__(self, rules: TokenRules, *, clock: Callable[[], float] = time.time,
                 cache_size: int = CACHE_SIZE) -> None:
        self.rules = rules
        self.clock = clock
        self._jwt = jwt.PyJWT(options={"require": ["exp", "iss", "aud", "sub"]})
        self._verified = lru_cache(maxsize=cache_size)(self._decode)

    def verify(self, token: str | None) -> Principal:
        """The token's principal, or :class:`TokenRefused` saying why not."""
        if not token:
            raise TokenRefused("token-missing", "This request needs a bearer token:"
                               " send `Authorization: Bearer <token>`.")
        if len(token) > MAX_TOKEN_BYTES:
            raise TokenRefused("token-malformed", "The bearer token is too long.")
        principal = self._verified(token)
        if principal.expires_at + self.rules.leeway_seconds <= self.clock():
            raise _expired()
        return principal

    def _decode(self, token: str) -> Principal:
        rules = self.rules
        try:
            claims = self._jwt.decode(
                token, rules.key, algorithms=[rules.algorithm], audience=rules.audience,
                issuer=rules.issuer, leeway=rules.leeway_seconds)
        except jwt.ExpiredSignatureError:
            raise _expired() from None
        except jwt.ImmatureSignatureError:
            raise TokenRefused("token-not-yet-valid", "The bearer token is not valid yet"
                               " (its nbf or iat lies in the future).") from None
        except jwt.InvalidSignatureError:
            raise TokenRefused("token-bad-signature", "The bearer token's signature does not"
                               " verify with this service's key.") from None
        except jwt.InvalidIssuerError:
            raise TokenRefused("token-wrong-issuer", "The bearer token was issued by"
                               f" another issuer; this service accepts {rules.issuer!r}.") from None
        except jwt.InvalidAudienceError:
            raise TokenRefused("token-wrong-audience", "The bearer token is meant for another"
                               f" audience; this service is {rules.audience!r}.") from None
        except jwt.MissingRequiredClaimError as error:
            raise TokenRefused("token-claims", f"The bearer token lacks the {error.claim!r}"
                               " claim.") from None
        except jwt.InvalidAlgorithmError:
            raise TokenRefused("token-bad-signature", "The bearer token is signed with another"
                               f" algorithm; this service accepts {rules.algorithm}.") from None
        except jwt.InvalidTokenError:
            raise TokenRefused("token-malformed", "The bearer token is not a well-formed signed"
                               " JWT.") from None
        return principal_of(claims)


def principal_of(claims: dict[str, Any]) -> Principal:
    """The principal the verified ``claims`` name, or :class:`TokenRefused` (token-claims)."""
    subject, role = claims.get("sub"), claims.get("role")
    if not isinstance(subject, str) or not _is_id(subject):
        raise _claims("sub must be a printable id of at most 200 characters")
    if role not in ROLES:
        raise _claims(f"role must be one of {', '.join(ROLES)}")
    therapists = claims.get("therapists", [])
    if (not isinstance(therapists, list) or len(therapists) > MAX_SUPERVISED
            or not all(isinstance(t, str) and _is_id(t) for t in therapists)):
        raise _claims(f"therapists must be a list of at most {MAX_SUPERVISED} therapist ids")
    if therapists and role != SUPERVISOR:
        raise _claims("only a supervisor's token names therapists")
    token_id = claims.get("jti")
    return Principal(subject=subject, role=cast("Role", role), therapists=frozenset(therapists),
                     expires_at=float(claims["exp"]),
                     token_id=token_id if isinstance(token_id, str) and _is_id(token_id)
                     else None)


def issue_token(rules: TokenRules, signing_key: Any, *, subject: str, role: Role,
                therapists: Sequence[str] = (), lifetime_seconds: float = 3600,
                now: float | None = None) -> str:
    """A signed token for development, the demo and tests (production has its own issuer)."""
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {"iss": rules.issuer, "aud": rules.audience, "sub": subject,
                              "role": role, "iat": issued,
                              "exp": issued + int(lifetime_seconds), "jti": str(uuid.uuid4())}
    if therapists:
        claims["therapists"] = list(therapists)
    principal_of(claims)  # refuse to sign what the verifier would refuse
    return jwt.encode(claims, signing_key, algorithm=rules.algorithm)


def _is_id(text: str) -> bool:
    return len(text) <= _MAX_ID and _ID.fullmatch(text) is not None


def _expired() -> TokenRefused:
    return TokenRefused("token-expired", "The bearer token has expired: get a new one.")


def _claims(reason: str) -> TokenRefused:
    return TokenRefused("token-claims", f"The bearer token's claims are not usable: {reason}.")
