"""The keys tokens are checked with: an HMAC secret, or a public key; in development, a secret
generated once into the data directory so a fresh machine works without configuration.

Settings validate the configured key at start-up (:func:`public_key`, :func:`hmac_secret`);
:func:`token_rules` turns the settings into what the verifier needs.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import (
    load_pem_private_key,
    load_pem_public_key,
)

from services.access.tokens import HMAC, TokenRules

if TYPE_CHECKING:
    from services.settings import Settings

DEVELOPMENT_ISSUER: Final = "carepath-development"
DEVELOPMENT_SECRET_FILE: Final = Path("auth") / "development-token-secret"
MIN_SECRET_BYTES: Final = 32
MIN_RSA_BITS: Final = 2048
_MAKE_ONE = "python -c 'import base64,os;print(base64.b64encode(os.urandom(32)).decode())'"
SECRET_HINT: Final = f"generate one with: {_MAKE_ONE}"
_KEY_TYPES: Final[dict[str, tuple[type[Any], str]]] = {
    "EdDSA": (ed25519.Ed25519PublicKey, "an Ed25519 public key"),
    "RS256": (rsa.RSAPublicKey, "an RSA public key"),
    "ES256": (ec.EllipticCurvePublicKey, "a P-256 public key"),
}


class BadKey(ValueError):
    """A configured key cannot be used; the message says why."""


def hmac_secret(text: str) -> bytes:
    """The secret a ``CAREPATH_AUTH_SECRET`` names: base64 of at least 32 random bytes."""
    try:
        secret = base64.b64decode(text, validate=True)
    except binascii.Error:
        msg = f"must be base64 of at least {MIN_SECRET_BYTES} random bytes; {SECRET_HINT}"
        raise BadKey(msg) from None
    if len(secret) < MIN_SECRET_BYTES:
        msg = (f"must be base64 of at least {MIN_SECRET_BYTES} bytes, got {len(secret)};"
               f" {SECRET_HINT}")
        raise BadKey(msg)
    return secret


def public_key(text: str, algorithm: str) -> Any:
    """The public key ``text`` holds (PEM), or names (a file of PEM), for ``algorithm``."""
    pem = text if "-----BEGIN" in text else _read(Path(text))
    try:
        key = load_pem_public_key(pem.encode())
    except ValueError:
        msg = "is not a PEM public key (-----BEGIN PUBLIC KEY-----), nor a file holding one"
        raise BadKey(msg) from None
    wanted, words = _KEY_TYPES[algorithm]
    if not isinstance(key, wanted):
        msg = f"must be {words} for {algorithm}"
        raise BadKey(msg)
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        msg = f"an RSA key must have at least {MIN_RSA_BITS} bits, got {key.key_size}"
        raise BadKey(msg)
    if isinstance(key, ec.EllipticCurvePublicKey) and not isinstance(key.curve, ec.SECP256R1):
        msg = "must be on the P-256 curve for ES256"
        raise BadKey(msg)
    return key


def private_key(path: Path) -> Any:
    """A PEM private key from a file (``carepath issue-token --private-key``)."""
    try:
        return load_pem_private_key(_read(path).encode(), password=None)
    except (ValueError, TypeError):
        msg = f"{path} is not an unencrypted PEM private key"
        raise BadKey(msg) from None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as error:
        msg = f"cannot read {path}: {error.strerror}"
        raise BadKey(msg) from None


def development_secret(data_dir: Path) -> bytes:
    """The development token secret in ``data_dir``, made on first use (readable only by its
    owner). Processes starting together agree on one: the first to link its file wins."""
    path = data_dir / DEVELOPMENT_SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(base64.b64encode(secrets.token_bytes(MIN_SECRET_BYTES)).decode() + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return hmac_secret(path.read_text().strip())


def verification_key(settings: Settings) -> Any:
    """The key the service checks signatures with (validated by the settings already)."""
    if settings.auth_algorithm in HMAC:
        if settings.auth_secret is None:  # development only: production refuses to start
            return development_secret(settings.data_dir)
        return hmac_secret(settings.auth_secret.get_secret_value())
    assert settings.auth_public_key is not None  # noqa: S101 - the settings require it
    return public_key(settings.auth_public_key, settings.auth_algorithm)


def token_rules(settings: Settings) -> TokenRules:
    return TokenRules(issuer=settings.auth_issuer, audience=settings.auth_audience,
                      algorithm=settings.auth_algorithm, key=verification_key(settings),
                      leeway_seconds=settings.auth_leeway_seconds)
