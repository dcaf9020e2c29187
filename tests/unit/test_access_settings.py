"""Authentication settings: checked at start-up; development works with no configuration."""

from __future__ import annotations

import base64
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from services.access.keys import DEVELOPMENT_SECRET_FILE, token_rules
from services.integrity.keys import new_signer
from services.settings import ConfigurationError, Settings, load_settings

SECRET = base64.b64encode(bytes(range(200, 232))).decode()
PRODUCTION = {"environment": "production", "cipher_key": SECRET,
              "checkpoint_key": new_signer("clinic.example/carepath", bytes(range(32))).text(),
              "auth_issuer": "https://id.clinic.example"}


@pytest.fixture(autouse=True)
def _no_carepath_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"CAREPATH_{name.upper()}", raising=False)


def error_of(**overrides: object) -> str:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(**overrides)
    return str(caught.value)


def pem(key: Any) -> str:
    text: str = key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    return text


def test_development_makes_a_secret_of_its_own_once_readable_by_its_owner_only(
        tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    first = token_rules(settings).key
    assert first == token_rules(settings).key
    assert len(first) >= 32
    mode = (tmp_path / DEVELOPMENT_SECRET_FILE).stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_production_refuses_to_start_without_a_token_key_or_with_the_development_issuer(
        ) -> None:
    message = error_of(**{**PRODUCTION, "auth_issuer": "carepath-development"})
    assert "CAREPATH_AUTH_SECRET: required in production" in message
    assert "CAREPATH_AUTH_ISSUER: production needs the issuer" in message


@pytest.mark.parametrize("secret", [base64.b64encode(b"changeme" * 4).decode(),
                                    base64.b64encode(bytes(32)).decode()])
def test_production_refuses_a_placeholder_secret(secret: str) -> None:
    assert "CAREPATH_AUTH_SECRET: looks like a placeholder" in error_of(
        **PRODUCTION, auth_secret=secret)


@pytest.mark.parametrize("secret", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_secret_that_is_not_base64_of_32_bytes_is_refused_without_echoing_it(
        secret: str) -> None:
    message = error_of(auth_secret=secret)
    assert "CAREPATH_AUTH_SECRET: must be base64" in message
    assert secret not in message


def test_production_starts_with_a_random_secret_and_cannot_switch_the_access_log_off(
        ) -> None:
    assert load_settings(**PRODUCTION, auth_secret=SECRET).access_log
    assert "CAREPATH_ACCESS_LOG: cannot be switched off in production" in error_of(
        **PRODUCTION, auth_secret=SECRET, access_log=False)
    assert not load_settings(access_log=False).access_log  # development may


def test_an_asymmetric_algorithm_takes_a_public_key_as_text_or_file(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    as_text = load_settings(auth_algorithm="EdDSA", auth_public_key=pem(key))
    (tmp_path / "pub.pem").write_text(pem(key))
    as_file = load_settings(auth_algorithm="EdDSA", auth_public_key=str(tmp_path / "pub.pem"))
    assert token_rules(as_text).key.public_bytes_raw() == key.public_bytes_raw()
    assert token_rules(as_file).key.public_bytes_raw() == key.public_bytes_raw()
    assert load_settings(**PRODUCTION, auth_algorithm="EdDSA", auth_public_key=pem(key))


def test_a_key_that_does_not_fit_the_algorithm_is_refused(tmp_path: Path) -> None:
    ed = pem(ed25519.Ed25519PrivateKey.generate().public_key())
    small_rsa = pem(rsa.generate_private_key(
        public_exponent=65537, key_size=1024).public_key())  # noqa: S505 - refused: the point
    assert "must be an RSA public key for RS256" in error_of(auth_algorithm="RS256",
                                                             auth_public_key=ed)
    assert "at least 2048 bits" in error_of(auth_algorithm="RS256", auth_public_key=small_rsa)
    assert "CAREPATH_AUTH_PUBLIC_KEY: required with EdDSA" in error_of(auth_algorithm="EdDSA")
    assert "cannot read" in error_of(auth_algorithm="EdDSA",
                                     auth_public_key=str(tmp_path / "absent.pem"))
    assert "goes with an HMAC" in error_of(auth_algorithm="EdDSA", auth_public_key=ed,
                                           auth_secret=SECRET)
    assert "goes with an asymmetric" in error_of(auth_public_key=ed)
