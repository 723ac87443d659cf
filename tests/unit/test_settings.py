"""Settings from the environment: every variable's bad value is refused with a message naming it."""

from __future__ import annotations

import pytest

from src.infrastructure.settings import DEFAULT_CURRENCIES, Settings, SettingsError


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"PAGE_SIZE": "ten"}, "PAGE_SIZE"),
        ({"PAGE_SIZE": "0"}, "PAGE_SIZE"),
        ({"PAGE_SIZE": "101"}, "PAGE_SIZE"),
        ({"MAX_PAGE_SIZE": "1.5"}, "MAX_PAGE_SIZE"),
        ({"MAX_PAGE_SIZE": "10"}, "MAX_PAGE_SIZE"),  # below the default PAGE_SIZE of 20
        ({"MAX_BODY_BYTES": "1MB"}, "MAX_BODY_BYTES"),
        ({"MAX_BODY_BYTES": "0"}, "MAX_BODY_BYTES"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"IDEMPOTENCY_TTL_SECONDS": "a day"}, "IDEMPOTENCY_TTL_SECONDS"),
        ({"IDEMPOTENCY_TTL_SECONDS": "0"}, "IDEMPOTENCY_TTL_SECONDS"),
        ({"TOKEN_TTL_SECONDS": "-5"}, "TOKEN_TTL_SECONDS"),
        ({"TOKEN_TTL_SECONDS": "1h"}, "TOKEN_TTL_SECONDS"),
        ({"ADMIN_EMAIL": "root@example.com"}, "ADMIN_PASSWORD"),
        ({"ADMIN_PASSWORD": "correct horse battery"}, "ADMIN_EMAIL"),
        ({"CORS_ORIGINS": "app.example.com"}, "CORS_ORIGINS"),
        ({"CORS_ORIGINS": "https://ok.example.com, ftp://files.example.com"}, "CORS_ORIGINS"),
        ({"CURRENCIES": "U$"}, "CURRENCIES"),
        ({"CURRENCIES": "U$=DOLLAR"}, "CURRENCIES"),
        ({"CURRENCIES": "=USD"}, "CURRENCIES"),
        ({"CURRENCIES": "U$=US1"}, "CURRENCIES"),
        ({"MAX_IMPORT_BYTES": "0"}, "MAX_IMPORT_BYTES"),
        ({"MAX_IMPORT_BYTES": "lots"}, "MAX_IMPORT_BYTES"),
        ({"IMPORT_BATCH_SIZE": "0"}, "IMPORT_BATCH_SIZE"),
        ({"IMPORT_BATCH_SIZE": "1e4"}, "IMPORT_BATCH_SIZE"),
        ({"MAX_REPORTED_IMPORT_ERRORS": "-1"}, "MAX_REPORTED_IMPORT_ERRORS"),
        ({"IMPORT_JOB_THRESHOLD_BYTES": "-1"}, "IMPORT_JOB_THRESHOLD_BYTES"),
        ({"IMPORT_JOB_THRESHOLD_BYTES": "5M"}, "IMPORT_JOB_THRESHOLD_BYTES"),
        ({"TRUST_PROXY_HEADERS": "-1"}, "TRUST_PROXY_HEADERS"),
        ({"TRUST_PROXY_HEADERS": "yes"}, "TRUST_PROXY_HEADERS"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(environ)
    assert named in str(refused.value)


def test_an_empty_environment_gives_the_defaults() -> None:
    settings = Settings.from_env({})
    assert (settings.page_size, settings.max_page_size, settings.log_level, settings.log_format) == (
        20,
        100,
        "INFO",
        "text",
    )
    assert settings.currencies == {"U$": "USD", "R$": "BRL", "€": "EUR"}
    assert DEFAULT_CURRENCIES == "U$=USD,R$=BRL,€=EUR"
    assert (settings.admin_email, settings.admin_password, settings.cors_origins) == (None, None, ())
    assert settings.debug is False
    assert settings.prepared_reads is True


@pytest.mark.parametrize(
    ("raw", "prepared"), [("0", False), ("false", False), ("no", False), ("1", True), ("TRUE", True)]
)
def test_prepared_reads_are_on_unless_turned_off(raw: str, prepared: bool) -> None:
    assert Settings.from_env({"PREPARED_READS": raw}).prepared_reads is prepared


def test_good_values_are_read_and_normalised() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://db/inventory",
            "PAGE_SIZE": "50",
            "MAX_PAGE_SIZE": "500",
            "LOG_LEVEL": "debug",
            "LOG_FORMAT": "JSON",
            "FLASK_DEBUG": "true",
            "CURRENCIES": " £ = gbp ,U$=USD",
            "CORS_ORIGINS": "https://a.example.com/, http://b.example.com",
            "TOKEN_TTL_SECONDS": "60",
            "IDEMPOTENCY_TTL_SECONDS": "120",
            "IMPORT_JOB_THRESHOLD_BYTES": "0",
            "TRUST_PROXY_HEADERS": "1",
        }
    )
    assert settings.database_url == "postgresql://db/inventory"
    assert (settings.page_size, settings.max_page_size) == (50, 500)
    assert (settings.log_level, settings.log_format, settings.debug) == ("DEBUG", "json", True)
    assert settings.currencies == {"£": "GBP", "U$": "USD"}
    assert settings.cors_origins == ("https://a.example.com", "http://b.example.com")
    assert (settings.token_ttl_seconds, settings.idempotency_ttl_seconds) == (60, 120)
    assert (settings.import_job_threshold_bytes, settings.trust_proxy_headers) == (0, 1)


def test_secrets_are_kept_out_of_the_settings_repr() -> None:
    settings = Settings.from_env(
        {"ADMIN_EMAIL": "root@example.com", "ADMIN_PASSWORD": "hunter2-hunter2", "SECRET_KEY": "s3cr3t-key"}
    )
    assert "hunter2" not in repr(settings)
    assert "s3cr3t" not in repr(settings)
