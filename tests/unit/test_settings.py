"""Settings: defaults, the eventsourcing env they produce, and errors an operator can act on."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest

from services.composition import PLAINTEXT_WARNING, bootstrap
from services.integrity.keys import DEVELOPMENT_KEY, new_signer
from services.settings import ConfigurationError, Settings, load_settings
from services.store.environment import (
    CIPHER_TOPIC,
    MAPPER_TOPIC,
    POSTGRES_FACTORY_TOPIC,
    SQLITE_RECORDER_TOPIC,
    eventsourcing_env,
)

RANDOM_KEY = base64.b64encode(bytes(range(100, 132))).decode()
CHECKPOINT_KEY = new_signer("clinic.example/carepath", bytes(range(32))).text()
PLACEHOLDER_KEY = base64.b64encode(b"changeme" * 4).decode()
AUTH = {"auth_secret": base64.b64encode(bytes(range(200, 232))).decode(),
        "auth_issuer": "https://id.clinic.example"}
"""What production needs besides for tokens (tests/unit/test_access_settings.py)."""


@pytest.fixture(autouse=True)
def _no_carepath_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the overrides they pass, whatever the developer's shell exports."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"CAREPATH_{name.upper()}", raising=False)


def error_of(**overrides: object) -> str:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(**overrides)
    return str(caught.value)


def test_defaults_describe_a_local_development_service() -> None:
    settings = load_settings()
    assert settings.data_dir == Path("./data")
    assert settings.database_url is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.conflict_retries == 12
    assert settings.conflict_wait_seconds == 2.0
    assert settings.database_timeout_seconds == 3.0
    assert settings.lock_timeout_seconds == 5
    assert settings.allow_plaintext_storage is False
    assert settings.pool_size == 5
    assert settings.cipher_key is None
    assert settings.environment == "development"
    assert settings.clock_skew_seconds == 300


def test_values_come_from_carepath_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREPATH_PORT", "9001")
    monkeypatch.setenv("CAREPATH_ENVIRONMENT", "production")
    monkeypatch.setenv("CAREPATH_CIPHER_KEY", RANDOM_KEY)
    monkeypatch.setenv("CAREPATH_CHECKPOINT_KEY", CHECKPOINT_KEY)
    monkeypatch.setenv("CAREPATH_AUTH_SECRET", AUTH["auth_secret"])
    monkeypatch.setenv("CAREPATH_AUTH_ISSUER", AUTH["auth_issuer"])
    monkeypatch.setenv("CAREPATH_TEST_PG_USER", "someone")  # unrelated variables are ignored
    settings = load_settings()
    assert settings.port == 9001
    assert settings.environment == "production"


def test_out_of_range_port_names_the_variable_and_the_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CAREPATH_PORT", "70000")
    message = error_of()
    assert "CAREPATH_PORT: Input should be less than or equal to 65535 (got 70000)" in message


def test_every_bad_setting_is_listed_at_once() -> None:
    message = error_of(pool_size=0, conflict_retries=21, lock_timeout_seconds=0)
    assert "CAREPATH_POOL_SIZE:" in message
    assert "CAREPATH_CONFLICT_RETRIES:" in message
    assert "CAREPATH_LOCK_TIMEOUT_SECONDS:" in message


def test_unknown_environment_is_refused() -> None:
    assert "CAREPATH_ENVIRONMENT: Input should be 'development' or 'production'" in error_of(
        environment="staging"
    )


@pytest.mark.parametrize(
    ("dsn", "reason"),
    [
        ("mysql://u@h/db", "must start with postgresql:// or postgres://"),
        ("postgresql://h/db", "must name the user"),
        (
            "postgresql://u@h/db?sslmode=require",
            "has parameters the event store cannot pass on: sslmode",
        ),
    ],
)
def test_unusable_database_url_is_refused_without_echoing_it(dsn: str, reason: str) -> None:
    message = error_of(database_url=dsn)
    assert f"CAREPATH_DATABASE_URL: {reason}" in message
    assert "(got <redacted>)" in message


def test_blank_database_url_means_embedded_sqlite() -> None:
    assert load_settings(database_url="").database_url is None


def test_sqlite_env_puts_one_file_per_application_in_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "nested" / "data"
    settings = load_settings(data_dir=data_dir, lock_timeout_seconds=2)
    env = eventsourcing_env(settings, "pathways")
    assert env == {
        "MAPPER_TOPIC": MAPPER_TOPIC,
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(data_dir / "pathways.sqlite3"),
        "SQLITE_LOCK_TIMEOUT": "2",
        "APPLICATION_RECORDER_TOPIC": SQLITE_RECORDER_TOPIC,
        "CREATE_TABLE": "y",
    }
    assert data_dir.is_dir()


def test_sqlite_lock_wait_is_bounded_by_the_database_timeout(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, lock_timeout_seconds=30,
                             database_timeout_seconds=1.5, conflict_wait_seconds=0.5)
    assert eventsourcing_env(settings, "pathways")["SQLITE_LOCK_TIMEOUT"] == "2"


def test_postgres_env_is_parsed_from_the_dsn() -> None:
    settings = load_settings(
        database_url="postgres://care:p%40ss@db.example:6543/carepath?connect_timeout=4",
        pool_size=8,
        lock_timeout_seconds=2,
        database_timeout_seconds=2.5,
    )
    assert eventsourcing_env(settings, "pathways") == {
        "MAPPER_TOPIC": MAPPER_TOPIC,
        "PERSISTENCE_MODULE": POSTGRES_FACTORY_TOPIC,
        "POSTGRES_DBNAME": "carepath",
        "POSTGRES_HOST": "db.example",
        "POSTGRES_PORT": "6543",
        "POSTGRES_USER": "care",
        "POSTGRES_PASSWORD": "p@ss",
        "POSTGRES_LOCK_TIMEOUT": "2",
        "POSTGRES_POOL_SIZE": "8",
        "POSTGRES_MAX_OVERFLOW": "8",
        "POSTGRES_CONNECT_TIMEOUT": "3",
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "3",
        "POSTGRES_PRE_PING": "y",
        "POSTGRES_OPERATION_TIMEOUT": "2.5",
        "POSTGRES_LIBPQ_CONNECT_TIMEOUT": "4",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "CREATE_TABLE": "y",
    }


def test_postgres_env_defaults_port_and_empty_password() -> None:
    env = eventsourcing_env(load_settings(database_url="postgresql://care@db/carepath"), "a")
    assert (env["POSTGRES_PORT"], env["POSTGRES_PASSWORD"]) == ("5432", "")


def test_cipher_key_turns_on_encryption() -> None:
    env = eventsourcing_env(load_settings(cipher_key=RANDOM_KEY), "pathways")
    assert env["CIPHER_TOPIC"] == CIPHER_TOPIC
    assert env["CIPHER_KEY"] == RANDOM_KEY


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("changeme", "must be base64 of 32 bytes, got 6;"),
        ("not base64!", "must be base64 of 32 bytes;"),
        (base64.b64encode(b"x" * 16).decode(), "must be base64 of 32 bytes, got 16"),
    ],
)
def test_malformed_cipher_key_is_refused_in_any_environment(key: str, reason: str) -> None:
    message = error_of(cipher_key=key)
    assert f"CAREPATH_CIPHER_KEY: {reason}" in message
    assert key not in message


@pytest.mark.parametrize("key", [PLACEHOLDER_KEY, base64.b64encode(bytes(32)).decode()])
def test_placeholder_cipher_key_is_refused_in_production_only(key: str) -> None:
    assert load_settings(cipher_key=key).cipher_key is not None
    message = error_of(cipher_key=key, environment="production")
    assert "CAREPATH_CIPHER_KEY: looks like a placeholder" in message


def test_random_cipher_key_is_accepted_in_production() -> None:
    assert load_settings(cipher_key=RANDOM_KEY, environment="production",
                         checkpoint_key=CHECKPOINT_KEY, **AUTH).cipher_key


def test_production_without_a_cipher_key_refuses_to_start() -> None:
    message = error_of(environment="production")
    assert "CAREPATH_CIPHER_KEY: required in production" in message
    assert "CAREPATH_ALLOW_PLAINTEXT_STORAGE=true" in message


def test_production_without_a_key_starts_only_when_plaintext_is_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CAREPATH_ENVIRONMENT", "production")
    monkeypatch.setenv("CAREPATH_ALLOW_PLAINTEXT_STORAGE", "true")
    monkeypatch.setenv("CAREPATH_CHECKPOINT_KEY", CHECKPOINT_KEY)
    settings = load_settings(**AUTH)
    assert settings.stores_plaintext
    assert not load_settings(cipher_key=RANDOM_KEY, **AUTH).stores_plaintext


def test_development_without_a_key_needs_no_acceptance() -> None:
    assert not load_settings().stores_plaintext


def test_accepted_plaintext_storage_is_announced_at_start_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    settings = load_settings(environment="production", allow_plaintext_storage=True,
                             data_dir=tmp_path, checkpoint_key=CHECKPOINT_KEY, **AUTH)
    with caplog.at_level(logging.WARNING, logger="carepath"):
        bootstrap(settings).close()
    assert [record.getMessage() for record in caplog.records] == [PLAINTEXT_WARNING]
    assert "CAREPATH_CIPHER_KEY" in PLAINTEXT_WARNING


def test_encrypted_production_start_up_warns_of_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    settings = load_settings(environment="production", cipher_key=RANDOM_KEY, data_dir=tmp_path,
                             checkpoint_key=CHECKPOINT_KEY, **AUTH)
    with caplog.at_level(logging.WARNING, logger="carepath"):
        bootstrap(settings).close()
    assert caplog.records == []


def test_conflict_wait_stays_below_the_database_timeout() -> None:
    message = error_of(conflict_wait_seconds=3, database_timeout_seconds=3)
    assert "CAREPATH_CONFLICT_WAIT_SECONDS: must be below CAREPATH_DATABASE_TIMEOUT_SECONDS" in (
        message)
    assert load_settings(conflict_wait_seconds=0.5, database_timeout_seconds=0.6)


def test_database_timeout_is_bounded_to_a_few_seconds_or_more() -> None:
    assert "CAREPATH_DATABASE_TIMEOUT_SECONDS:" in error_of(database_timeout_seconds=0)
    assert "CAREPATH_DATABASE_TIMEOUT_SECONDS:" in error_of(database_timeout_seconds=61)


def test_the_url_connect_timeout_drives_only_the_connection_attempt() -> None:
    settings = load_settings(database_url="postgresql://care@db/carepath",
                             database_timeout_seconds=1.2, conflict_wait_seconds=0.5)
    env = eventsourcing_env(settings, "pathways")
    assert env["POSTGRES_OPERATION_TIMEOUT"] == "1.2"
    assert env["POSTGRES_LIBPQ_CONNECT_TIMEOUT"] == "2"
    assert env["POSTGRES_CONNECT_TIMEOUT"] == "2"


def test_application_name_must_be_a_safe_identifier(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="application name"):
        eventsourcing_env(load_settings(data_dir=tmp_path), "../escape")


def test_secrets_do_not_show_in_repr() -> None:
    settings = load_settings(database_url="postgresql://u:hunter2@h/db", cipher_key=RANDOM_KEY)
    assert "hunter2" not in repr(settings)
    assert RANDOM_KEY not in repr(settings)


def test_development_signs_checkpoints_with_the_public_development_key() -> None:
    settings = load_settings()
    assert settings.checkpoint_key is None
    assert settings.checkpoint_signer == DEVELOPMENT_KEY
    assert settings.checkpoint_interval_seconds == 5.0
    assert settings.create_event_tables is True


def test_production_refuses_to_start_without_a_checkpoint_key() -> None:
    message = error_of(environment="production", cipher_key=RANDOM_KEY)
    assert "CAREPATH_CHECKPOINT_KEY: required in production" in message
    assert "carepath checkpoint-key" in message


def test_production_refuses_the_public_development_checkpoint_key() -> None:
    message = error_of(environment="production", cipher_key=RANDOM_KEY,
                       checkpoint_key=DEVELOPMENT_KEY.text())
    assert "CAREPATH_CHECKPOINT_KEY: is the public development key" in message
    assert DEVELOPMENT_KEY.text() not in message


def test_a_configured_checkpoint_key_signs_and_is_redacted() -> None:
    settings = load_settings(environment="production", cipher_key=RANDOM_KEY,
                             checkpoint_key=CHECKPOINT_KEY, **AUTH)
    assert settings.checkpoint_signer.name == "clinic.example/carepath"
    assert CHECKPOINT_KEY not in repr(settings)


@pytest.mark.parametrize("key", [
    "not a key", CHECKPOINT_KEY.replace("PRIVATE+KEY+", ""), CHECKPOINT_KEY[:-4] + "AAA=",
])
def test_a_malformed_checkpoint_key_is_refused_without_echoing_it(key: str) -> None:
    message = error_of(checkpoint_key=key)
    assert "CAREPATH_CHECKPOINT_KEY:" in message
    assert "(got <redacted>)" in message
    assert key not in message


def test_checkpoint_interval_is_bounded() -> None:
    assert "CAREPATH_CHECKPOINT_INTERVAL_SECONDS:" in error_of(checkpoint_interval_seconds=0)
    assert "CAREPATH_CHECKPOINT_INTERVAL_SECONDS:" in error_of(checkpoint_interval_seconds=3601)


def test_a_service_that_may_not_create_tables_tells_the_store_so() -> None:
    settings = load_settings(database_url="postgresql://carepath@db:5432/carepath",
                             create_event_tables=False)
    assert eventsourcing_env(settings, "Pathways")["CREATE_TABLE"] == "n"


def test_a_process_that_only_reads_the_embedded_store_tells_it_so_too(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, create_event_tables=False)
    assert eventsourcing_env(settings, "Pathways")["CREATE_TABLE"] == "n"


def test_the_public_url_is_where_serve_listens_unless_set() -> None:
    assert load_settings().base_url == "http://127.0.0.1:8000"
    assert load_settings(public_url="https://care.example.org/").base_url == (
        "https://care.example.org")
    assert load_settings(public_url="").public_url is None


@pytest.mark.parametrize("url", ["care.example.org", "ftp://care.example.org",
                                 "https://care example.org", "https://care.example.org/?a=1"])
def test_a_public_url_that_is_not_an_http_url_is_refused(url: str) -> None:
    assert "CAREPATH_PUBLIC_URL: String should match pattern" in error_of(public_url=url)
