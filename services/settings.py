"""The one validated settings object of the service, read from ``CAREPATH_*`` variables.

Everything configurable is declared here so a bad deployment fails at start-up with a message
that names the variable to fix, instead of failing on the first command. The eventsourcing
library is configured from these settings by ``services.store.environment``, never through
``os.environ``, so tests and several applications in one process cannot leak into each other.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from psycopg import conninfo
from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from services.integrity.keys import SignerKey

ENV_PREFIX = "CAREPATH_"
CIPHER_KEY_BYTES = 32
# Why these DSN parameters only: eventsourcing's PostgreSQL factory accepts no others, and
# silently dropping e.g. ``sslmode`` would weaken a deployment without anyone noticing.
_DSN_SUPPORTED = frozenset({"host", "port", "user", "password", "dbname", "connect_timeout"})
_DSN_REQUIRED = ("host", "user", "dbname")
_ASCII_END = 0x80
_MIN_DISTINCT_KEY_BYTES = 8
_SECRET_FIELDS = frozenset({"database_url", "cipher_key", "checkpoint_key", "broker_url",
                            "auth_secret"})
_LINE = "\n  "
_KEY_HINT = (
    "generate one with: "
    "python -c 'import base64,os;print(base64.b64encode(os.urandom(32)).decode())'"
)


class ConfigurationError(ValueError):
    """A setting is missing or invalid; the message names each variable to fix."""


class Settings(BaseSettings):
    """Validated service settings; field ``x`` is read from ``CAREPATH_X``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    # Declared first: the cipher-key check below reads it from already-validated data.
    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path("./data")
    database_url: SecretStr | None = None
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    conflict_retries: Annotated[int, Field(ge=0, le=20)] = 12
    conflict_wait_seconds: Annotated[float, Field(ge=0, le=10)] = 2.0
    database_timeout_seconds: Annotated[float, Field(ge=0.1, le=60)] = 3.0
    # Whole seconds: both eventsourcing stores parse their lock timeout with int(). The database
    # timeout bounds the lock wait too, so the effective wait is the smaller of the two.
    lock_timeout_seconds: Annotated[int, Field(gt=0)] = 5
    pool_size: Annotated[int, Field(ge=1, le=50)] = 5
    cipher_key: SecretStr | None = None
    allow_plaintext_storage: bool = False
    clock_skew_seconds: Annotated[int, Field(ge=0, le=3600)] = 300
    # The read models' workers run inside ``serve`` unless turned off (on PostgreSQL, when
    # ``carepath projections run`` runs them as a process of their own).
    projections_in_process: bool = True
    # Tamper evidence (services/integrity): the Ed25519 key that signs the log's checkpoints,
    # how often a checkpoint seals the newest events, and whether the service creates the
    # event store's tables (false where a deployment gives it a role that may only insert).
    checkpoint_key: SecretStr | None = None
    checkpoint_interval_seconds: Annotated[float, Field(ge=0.2, le=3600)] = 5.0
    create_event_tables: bool = True
    # The service's URL as platform teams reach it: each event's ``dataschema`` points below it
    # (default ``http://<host>:<port>``, the embedded default's own address).
    public_url: Annotated[str | None, Field(pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")] = None
    # The broker (services/broker): where every stored event is published and commands are
    # also taken by request/reply. Unset: no broker (the HTTP event feed still serves).
    broker_url: SecretStr | None = None
    broker_prefix: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")] = "carepath"
    relay_in_process: bool = True
    broker_commands: bool = True
    # Authentication (services/access): bearer JWTs from this issuer for this audience, signed
    # with the HMAC secret or checked with the public key; the access log of record reads.
    auth_issuer: Annotated[str, Field(min_length=1, max_length=200)] = "carepath-development"
    auth_audience: Annotated[str, Field(min_length=1, max_length=200)] = "carepath"
    auth_algorithm: Literal["HS256", "HS384", "HS512", "EdDSA", "RS256", "ES256"] = "HS256"
    auth_secret: SecretStr | None = None
    auth_public_key: str | None = None
    auth_leeway_seconds: Annotated[int, Field(ge=0, le=300)] = 30
    access_log: bool = True

    @field_validator("database_url", "cipher_key", "checkpoint_key", "public_url", "broker_url",
                     "auth_secret", "auth_public_key", mode="before")
    @classmethod
    def _blank_means_unset(cls, value: Any) -> Any:
        """``CAREPATH_DATABASE_URL=`` in a compose file means "not set", not "empty DSN"."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("database_url")
    @classmethod
    def _check_dsn(cls, value: SecretStr | None) -> SecretStr | None:
        """Reject DSNs the eventsourcing PostgreSQL store could not use exactly as written."""
        if value is not None:
            postgres_params(value.get_secret_value())
        return value

    @field_validator("broker_url")
    @classmethod
    def _check_broker_url(cls, value: SecretStr | None) -> SecretStr | None:
        """A URL of a broker family the relay speaks (NATS, RabbitMQ, Redis)."""
        if value is not None:
            from services.broker.url import broker_family  # noqa: PLC0415

            broker_family(value.get_secret_value())
        return value

    @field_validator("cipher_key")
    @classmethod
    def _check_cipher_key(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        """AES-256 needs 32 random bytes; refuse hand-made keys where data is real."""
        if value is None:
            return None
        try:
            key = b64decode(value.get_secret_value(), validate=True)
        except binascii.Error:
            msg = f"must be base64 of {CIPHER_KEY_BYTES} bytes; {_KEY_HINT}"
            raise ValueError(msg) from None
        if len(key) != CIPHER_KEY_BYTES:
            msg = f"must be base64 of {CIPHER_KEY_BYTES} bytes, got {len(key)}; {_KEY_HINT}"
            raise ValueError(msg)
        if info.data.get("environment") == "production" and looks_like_placeholder(key):
            msg = f"looks like a placeholder, not a random key; {_KEY_HINT}"
            raise ValueError(msg)
        return value

    @field_validator("checkpoint_key")
    @classmethod
    def _check_checkpoint_key(cls, value: SecretStr | None,
                              info: ValidationInfo) -> SecretStr | None:
        """A signed-note signer key; the development key is public, so production refuses it."""
        if value is None:
            return None
        from services.integrity.keys import (  # noqa: PLC0415
            DEVELOPMENT_KEY,
            KEY_HINT,
            BadKey,
            parse_signer,
        )

        try:
            signer = parse_signer(value.get_secret_value())
        except BadKey as error:
            msg = f"{error}; {KEY_HINT}"
            raise ValueError(msg) from None
        if info.data.get("environment") == "production" and signer == DEVELOPMENT_KEY:
            msg = f"is the public development key; {KEY_HINT}"
            raise ValueError(msg)
        return value

    @field_validator("auth_secret")
    @classmethod
    def _check_auth_secret(cls, value: SecretStr | None,
                           info: ValidationInfo) -> SecretStr | None:
        """The HMAC secret tokens are signed with: random bytes, never a typed password."""
        if value is None:
            return None
        from services.access.keys import SECRET_HINT, BadKey, hmac_secret  # noqa: PLC0415

        try:
            secret = hmac_secret(value.get_secret_value())
        except BadKey as error:
            raise ValueError(str(error)) from None
        if info.data.get("environment") == "production" and looks_like_placeholder(secret):
            msg = f"looks like a placeholder, not a random secret; {SECRET_HINT}"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _check_together(self) -> Settings:
        """Rules across settings; each message names the variables to change."""
        from services.access.configuration import auth_problems  # noqa: PLC0415

        problems = auth_problems(self)
        if (self.environment == "production" and self.cipher_key is None
                and not self.allow_plaintext_storage):
            problems.append(
                f"{ENV_PREFIX}CIPHER_KEY: required in production, or stored PHI is plaintext;"
                f" {_KEY_HINT} (or set {ENV_PREFIX}ALLOW_PLAINTEXT_STORAGE=true to accept"
                " plaintext storage)")
        if self.environment == "production" and self.checkpoint_key is None:
            from services.integrity.keys import KEY_HINT  # noqa: PLC0415

            problems.append(
                f"{ENV_PREFIX}CHECKPOINT_KEY: required in production, or the log's checkpoints"
                f" are signed with the public development key; {KEY_HINT}")
        if self.conflict_wait_seconds >= self.database_timeout_seconds:
            problems.append(
                f"{ENV_PREFIX}CONFLICT_WAIT_SECONDS: must be below"
                f" {ENV_PREFIX}DATABASE_TIMEOUT_SECONDS ({self.database_timeout_seconds:g}),"
                " so a contended command answers before a stuck one would")
        if problems:
            raise ValueError(_LINE.join(problems))
        return self

    @property
    def checkpoint_signer(self) -> SignerKey:
        """The key that signs checkpoints: the configured one, or in development the public
        development key (production refuses to start without its own)."""
        from services.integrity.keys import DEVELOPMENT_KEY, parse_signer  # noqa: PLC0415

        if self.checkpoint_key is None:
            return DEVELOPMENT_KEY
        return parse_signer(self.checkpoint_key.get_secret_value())

    @property
    def base_url(self) -> str:
        """The public URL, or where ``carepath serve`` listens (no trailing slash)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return (self.public_url or f"http://{host}:{self.port}").rstrip("/")

    @property
    def stores_plaintext(self) -> bool:
        """True when production data is stored unencrypted because a setting accepts it."""
        return self.environment == "production" and self.cipher_key is None


def looks_like_placeholder(key: bytes) -> bool:
    """True for keys a person typed rather than generated.

    32 random bytes are all printable ASCII with probability ~1e-14 and have fewer than 8
    distinct values with probability ~1e-34, so neither test rejects a real key, while
    ``base64("changeme" * 4)`` or 32 zero bytes are caught.
    """
    printable = all(chr(byte).isprintable() and byte < _ASCII_END for byte in key)
    return printable or len(set(key)) < _MIN_DISTINCT_KEY_BYTES


def postgres_params(dsn: str) -> dict[str, str]:
    """Parse a ``postgresql://`` DSN into libpq parameters, or raise ValueError saying why."""
    if not dsn.startswith(("postgresql://", "postgres://")):
        msg = "must start with postgresql:// or postgres://"
        raise ValueError(msg)
    try:
        params = {k: str(v) for k, v in conninfo.conninfo_to_dict(dsn).items() if v is not None}
    except Exception as error:  # noqa: BLE001 - psycopg raises several types for bad input
        msg = f"is not a valid PostgreSQL URL ({type(error).__name__})"
        raise ValueError(msg) from None
    unsupported = sorted(params.keys() - _DSN_SUPPORTED)
    if unsupported:
        msg = f"has parameters the event store cannot pass on: {', '.join(unsupported)}"
        raise ValueError(msg)
    missing = [name for name in _DSN_REQUIRED if not params.get(name)]
    if missing:
        msg = f"must name the {', '.join(missing)}"
        raise ValueError(msg)
    return params


def load_settings(**overrides: Any) -> Settings:
    """Build the settings (overrides win over the environment) or raise ConfigurationError."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise ConfigurationError(_describe(error)) from None


def _describe(error: ValidationError) -> str:
    """One line per bad setting, named as the operator would set it."""
    lines = []
    for item in error.errors(include_url=False):
        message = item["msg"].removeprefix("Value error, ")
        if not item["loc"]:  # rules across settings: their messages name the variables
            lines.append(message)
            continue
        field = str(item["loc"][0])
        shown = "<redacted>" if field in _SECRET_FIELDS else item.get("input")
        lines.append(f"{ENV_PREFIX}{field.upper()}: {message} (got {shown})")
    return "invalid configuration:" + _LINE + _LINE.join(lines)
