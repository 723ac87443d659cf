"""Settings, read once from the environment into one object that create_app receives."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'instance' / 'number_inventory.sqlite3'}"
DEFAULT_CURRENCIES = "U$=USD,R$=BRL,€=EUR"
DEFAULT_ALLOWED_HOSTS = ("localhost", "127.0.0.1", "[::1]")
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    """A setting in the environment is not usable; the message names it."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    page_size: int = 20
    max_page_size: int = 100
    currencies: Mapping[str, str] = field(default_factory=lambda: parse_currencies(DEFAULT_CURRENCIES))
    max_body_bytes: int = 1024 * 1024
    log_level: str = "INFO"
    log_format: str = "text"
    debug: bool = False
    idempotency_ttl_seconds: int = 24 * 60 * 60
    cors_origins: tuple[str, ...] = ()
    token_ttl_seconds: int = 12 * 60 * 60
    password_hash_method: str = "scrypt"  # noqa: S105 - a hashing method, not a secret
    admin_email: str | None = None
    admin_password: str | None = field(default=None, repr=False)
    # How many reverse proxies in front set X-Forwarded-* (nginx in deploy/: 1). 0 ignores them.
    trust_proxy_headers: int = 0
    # Signs the keyset cursors of GET /numbers so that a client cannot forge one. From the
    # environment it is required (None when unset: the app refuses to start, unless DEVELOPMENT=1,
    # when it makes one up); built in code, each Settings gets a random one.
    secret_key: str | None = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    # The host names clients may address (Host, or X-Forwarded-Host behind nginx); any other is a
    # 400, so that Location and Link never point at a host an attacker chose. ".example.com" also
    # allows its subdomains. The default is a developer's machine; production names its own.
    allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS
    # A developer's machine (`make run`, the development compose file): a missing SECRET_KEY is made up.
    development: bool = False
    # CSV imports: their own body limit (other bodies keep MAX_BODY_BYTES).
    max_import_bytes: int = 200 * 1024 * 1024
    import_batch_size: int = 20_000
    max_reported_import_errors: int = 1000
    # An import whose body is larger runs as a job (PostgreSQL only): 202 and a status to follow.
    # 0: every import is answered in the request, whatever its size.
    import_job_threshold_bytes: int = 5 * 1024 * 1024
    # The change history keeps everything unless told how many days to keep (0: forever).
    changes_retention_days: int = 0
    # The reads of every request as server-side prepared statements (PostgreSQL): off behind a
    # pooler that hands each transaction another server connection (PgBouncer's transaction mode).
    prepared_reads: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= self.max_page_size:
            raise SettingsError("PAGE_SIZE must be between 1 and MAX_PAGE_SIZE")
        if self.max_body_bytes < 1:
            raise SettingsError("MAX_BODY_BYTES must be positive")
        if self.log_format not in LOG_FORMATS:
            raise SettingsError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
        if self.token_ttl_seconds < 1:
            raise SettingsError("TOKEN_TTL_SECONDS must be positive")
        if bool(self.admin_email) != bool(self.admin_password):
            raise SettingsError("ADMIN_EMAIL and ADMIN_PASSWORD go together: set both or neither")
        if self.idempotency_ttl_seconds < 1:
            raise SettingsError("IDEMPOTENCY_TTL_SECONDS must be positive")
        if any(not origin.startswith(("http://", "https://")) for origin in self.cors_origins):
            raise SettingsError("CORS_ORIGINS must be origins such as https://app.example.com")
        if self.max_import_bytes < 1 or self.import_batch_size < 1 or self.max_reported_import_errors < 1:
            raise SettingsError(
                "MAX_IMPORT_BYTES, IMPORT_BATCH_SIZE and MAX_REPORTED_IMPORT_ERRORS must be positive"
            )
        if self.import_job_threshold_bytes < 0:
            raise SettingsError("IMPORT_JOB_THRESHOLD_BYTES must be 0 (no jobs) or a size in bytes")
        if self.changes_retention_days < 0:
            raise SettingsError("CHANGES_RETENTION_DAYS must be 0 (keep everything) or a number of days")
        if self.log_level not in LOG_LEVELS:
            raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        if not self.allowed_hosts or any(not host or "/" in host for host in self.allowed_hosts):
            raise SettingsError("ALLOWED_HOSTS must be host names such as api.example.com,.example.com")
        if self.trust_proxy_headers < 0:
            raise SettingsError("TRUST_PROXY_HEADERS must be 0 (no proxy) or the number of proxies in front")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            database_url=env.get("DATABASE_URL") or defaults.database_url,
            page_size=_integer(env, "PAGE_SIZE", defaults.page_size),
            max_page_size=_integer(env, "MAX_PAGE_SIZE", defaults.max_page_size),
            currencies=parse_currencies(env.get("CURRENCIES") or DEFAULT_CURRENCIES),
            max_body_bytes=_integer(env, "MAX_BODY_BYTES", defaults.max_body_bytes),
            log_level=(env.get("LOG_LEVEL") or defaults.log_level).upper(),
            log_format=(env.get("LOG_FORMAT") or defaults.log_format).lower(),
            debug=_flag(env, "FLASK_DEBUG"),
            idempotency_ttl_seconds=_integer(
                env, "IDEMPOTENCY_TTL_SECONDS", defaults.idempotency_ttl_seconds
            ),
            token_ttl_seconds=_integer(env, "TOKEN_TTL_SECONDS", defaults.token_ttl_seconds),
            password_hash_method=env.get("PASSWORD_HASH_METHOD") or defaults.password_hash_method,
            admin_email=env.get("ADMIN_EMAIL") or None,
            admin_password=env.get("ADMIN_PASSWORD") or None,
            secret_key=env.get("SECRET_KEY") or None,
            development=_flag(env, "DEVELOPMENT"),
            max_import_bytes=_integer(env, "MAX_IMPORT_BYTES", defaults.max_import_bytes),
            import_batch_size=_integer(env, "IMPORT_BATCH_SIZE", defaults.import_batch_size),
            max_reported_import_errors=_integer(
                env, "MAX_REPORTED_IMPORT_ERRORS", defaults.max_reported_import_errors
            ),
            import_job_threshold_bytes=_integer(
                env, "IMPORT_JOB_THRESHOLD_BYTES", defaults.import_job_threshold_bytes
            ),
            cors_origins=tuple(
                origin.strip().rstrip("/")
                for origin in (env.get("CORS_ORIGINS") or "").split(",")
                if origin.strip()
            ),
            trust_proxy_headers=_integer(env, "TRUST_PROXY_HEADERS", defaults.trust_proxy_headers),
            allowed_hosts=tuple(
                host.strip().lower() for host in (env.get("ALLOWED_HOSTS") or "").split(",") if host.strip()
            )
            or defaults.allowed_hosts,
            changes_retention_days=_integer(env, "CHANGES_RETENTION_DAYS", defaults.changes_retention_days),
            prepared_reads=_flag(env, "PREPARED_READS", default=defaults.prepared_reads),
        )


def parse_currencies(text: str) -> dict[str, str]:
    """'U$=USD,R$=BRL' -> {'U$': 'USD', 'R$': 'BRL'}."""
    pairs: dict[str, str] = {}
    for item in text.split(","):
        symbol, sep, code = item.strip().partition("=")
        if not sep or not symbol.strip() or len(code.strip()) != 3 or not code.strip().isalpha():
            raise SettingsError(f"CURRENCIES must read like {DEFAULT_CURRENCIES!r}, not {text!r}")
        pairs[symbol.strip()] = code.strip().upper()
    return pairs


def _flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = env.get(name)
    return default if not raw else raw.lower() in ("1", "true", "yes")


def _integer(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
