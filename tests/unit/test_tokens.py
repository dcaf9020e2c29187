"""Bearer tokens: what the verifier accepts and why it refuses, for each algorithm."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from services.access.principal import Principal
from services.access.tokens import TokenRefused, TokenRules, TokenVerifier, issue_token

SECRET = bytes(range(200, 232))
HS256 = TokenRules(issuer="https://id.clinic.example", audience="carepath", algorithm="HS256",
                   key=SECRET)
NOW = float(int(time.time()))
"""PyJWT reads the real clock: tokens here are made around it (reset before each test)."""
_RELATIVE = ("exp", "nbf")


@pytest.fixture(autouse=True)
def _now() -> None:
    global NOW  # noqa: PLW0603 - the clock every helper here reads
    NOW = float(int(time.time()))


def verifier(rules: TokenRules = HS256, now: float | None = None) -> TokenVerifier:
    return TokenVerifier(rules, clock=lambda: NOW if now is None else now)


def signed(claims: dict[str, Any], key: Any = SECRET, algorithm: str = "HS256") -> str:
    base = {"iss": HS256.issuer, "aud": HS256.audience, "sub": "t-1", "role": "therapist",
            "iat": int(NOW), "exp": int(NOW) + 600}
    return jwt.encode({**base, **claims}, key, algorithm=algorithm)


def refusal(token: str | None, rules: TokenRules = HS256) -> str:
    with pytest.raises(TokenRefused) as refused:
        verifier(rules).verify(token)
    return refused.value.slug


def test_a_valid_token_names_its_subject_role_and_supervised_therapists() -> None:
    token = issue_token(HS256, SECRET, subject="s-olu", role="supervisor",
                        therapists=["t-amara", "t-bruno"], now=NOW)
    principal = verifier().verify(token)

    assert principal.subject == "s-olu"
    assert principal.role == "supervisor"
    assert principal.caseload == {"s-olu", "t-amara", "t-bruno"}
    assert principal.expires_at == NOW + 3600
    assert principal.token_id


@pytest.mark.parametrize(("claims", "slug"), [
    ({"exp": -31}, "token-expired"),  # seconds from now
    ({"nbf": 120}, "token-not-yet-valid"),
    ({"iss": "https://elsewhere.example"}, "token-wrong-issuer"),
    ({"aud": "another-service"}, "token-wrong-audience"),
    ({"role": "wizard"}, "token-claims"),
    ({"role": "client"}, "token-claims"),
    ({"sub": ""}, "token-claims"),
    ({"sub": " t-1"}, "token-claims"),
    ({"therapists": ["t-2"]}, "token-claims"),  # only a supervisor names therapists
    ({"role": "supervisor", "therapists": "t-2"}, "token-claims"),
])
def test_a_token_with_wrong_claims_is_refused_saying_which(
        claims: dict[str, Any], slug: str) -> None:
    claims = {name: int(NOW) + value if name in _RELATIVE else value
              for name, value in claims.items()}
    assert refusal(signed(claims)) == slug


@pytest.mark.parametrize("missing", ["exp", "iss", "aud", "sub"])
def test_a_token_without_a_required_claim_is_refused(
        missing: str) -> None:
    claims = jwt.decode(signed({}), options={"verify_signature": False})
    del claims[missing]
    expected = {"iss": "token-wrong-issuer", "aud": "token-wrong-audience"}.get(missing,
                                                                                "token-claims")
    assert refusal(jwt.encode(claims, SECRET, algorithm="HS256")) in {expected, "token-claims"}


def test_a_missing_malformed_or_badly_signed_token_is_refused() -> None:
    assert refusal(None) == "token-missing"
    assert refusal("") == "token-missing"
    assert refusal("abc.def") == "token-malformed"
    assert refusal("x" * 9000) == "token-malformed"
    assert refusal(signed({}, key=b"another secret of thirty-two b!!")) == "token-bad-signature"
    unsigned = jwt.encode(jwt.decode(signed({}), options={"verify_signature": False}),
                          None, algorithm="none")  # type: ignore[arg-type]
    assert refusal(unsigned) == "token-bad-signature"


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    token = signed({"exp": int(NOW) + 60})
    moments = [NOW, NOW + 120]
    checking = TokenVerifier(HS256, clock=lambda: moments[0])
    assert checking.verify(token).subject == "t-1"
    moments.pop(0)
    with pytest.raises(TokenRefused) as refused:
        checking.verify(token)  # remembered, but past its exp (and the leeway)
    assert refused.value.slug == "token-expired"


@pytest.mark.parametrize(("algorithm", "make"), [
    ("EdDSA", ed25519.Ed25519PrivateKey.generate),
    ("RS256", lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    ("ES256", lambda: ec.generate_private_key(ec.SECP256R1())),
])
def test_an_asymmetric_token_verifies_with_the_public_key_only(
        algorithm: str, make: Any) -> None:
    private = make()
    rules = TokenRules(HS256.issuer, HS256.audience, algorithm, private.public_key())
    token = issue_token(rules, private, subject="a-1", role="auditor", now=NOW)

    assert verifier(rules).verify(token) == Principal(
        "a-1", "auditor", expires_at=NOW + 3600, token_id=verifier(rules).verify(token).token_id)
    assert refusal(issue_token(rules, make(), subject="a-1", role="auditor", now=NOW),
                   rules) == "token-bad-signature"
    # Algorithm confusion: an HMAC token keyed with the public key's text is never accepted.
    forged = jwt.encode({"iss": rules.issuer, "aud": rules.audience, "sub": "a-1",
                         "role": "admin", "exp": int(NOW) + 60}, SECRET, algorithm="HS256")
    assert refusal(forged, rules) == "token-bad-signature"


def test_the_issuing_helper_signs_nothing_the_verifier_would_refuse() -> None:
    with pytest.raises(TokenRefused):
        issue_token(HS256, SECRET, subject="t-1", role="therapist", therapists=["t-2"])
