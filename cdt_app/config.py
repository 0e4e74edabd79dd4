"""Settings, read from the environment (see the configuration table in README.md)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

#: the project's folder: templates/, static/, translations/ and instance/ live there
ROOT = Path(__file__).resolve().parent.parent
#: where login counts live in production: one store shared by every gunicorn worker
PRODUCTION_RATELIMIT_STORAGE = "redis://127.0.0.1:6379/0"
#: SQLite ``PRAGMA synchronous`` levels allowed; FULL keeps acknowledged commits on power loss
SQLITE_SYNCHRONOUS = ("FULL", "EXTRA", "NORMAL")
#: what the app compresses itself (CDT_COMPRESS): text, never the exports (text/csv streams
#: row by row and must reach the browser as it goes; an XLSX file is already a zip)
COMPRESSED_TYPES = (
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "application/problem+json",
    "image/svg+xml",
)


class ConfigError(RuntimeError):
    """The settings do not allow the app to start."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret_key(instance_path: Path) -> str:
    """A random key made once per machine and kept in instance/ (development only)."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def ratelimit_storage_uri(env: Mapping[str, str], production: bool) -> str:
    """Flask-Limiter storage: ``CDT_RATELIMIT_STORAGE_URI`` (or ``…_URL``), else Redis on this
    machine in production and process memory elsewhere."""
    uri = env.get("CDT_RATELIMIT_STORAGE_URI") or env.get("CDT_RATELIMIT_STORAGE_URL")
    return uri or (PRODUCTION_RATELIMIT_STORAGE if production else "memory://")


def check_server_workers(workers: int, env: Mapping[str, str] | None = None) -> None:
    """Refuse several server processes that would each keep their own login counts, or a
    rate-limit store that does not answer (gunicorn.conf.py calls this before starting)."""
    env = os.environ if env is None else env
    if not _bool(env.get("CDT_RATELIMIT_ENABLED"), default=True):
        return
    uri = ratelimit_storage_uri(env, env.get("CDT_ENV") == "production")
    if workers > 1 and uri.startswith("memory://"):
        raise ConfigError(
            f"{workers} workers with rate-limit counts in memory: each worker would count login "
            "attempts on its own and let through several times the limit. Set "
            "CDT_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 (shared by every worker) "
            "or start a single worker."
        )
    if not uri.startswith("memory://"):
        from limits.storage import storage_from_string

        try:
            reachable = storage_from_string(uri).check()
        except Exception:  # a bad address, a missing driver: the same refusal
            reachable = False
        if not reachable:
            raise ConfigError(
                f"The rate-limit store {uri} does not answer. Start it (e.g. "
                "`systemctl start redis-server`) or set CDT_RATELIMIT_STORAGE_URI."
            )


def _sqlite_synchronous(env: Mapping[str, str]) -> str:
    level = (env.get("CDT_SQLITE_SYNCHRONOUS") or "FULL").strip().upper()
    if level not in SQLITE_SYNCHRONOUS:
        raise ConfigError(
            f"CDT_SQLITE_SYNCHRONOUS={level!r}: use one of {', '.join(SQLITE_SYNCHRONOUS)}."
        )
    return level


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the Flask config dict from the environment, then apply ``overrides``."""
    env = os.environ
    overrides = dict(overrides or {})
    cdt_env = overrides.get("CDT_ENV", env.get("CDT_ENV", "development"))
    production = cdt_env == "production"

    secret = overrides.get("SECRET_KEY") or env.get("CDT_SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError(
                "CDT_SECRET_KEY is not set. In production the secret key must come from the "
                "environment, e.g. CDT_SECRET_KEY=$(python -c 'import secrets; "
                "print(secrets.token_hex(32))')."
            )
        secret = _dev_secret_key(instance_path)

    default_db = "sqlite:///" + str(instance_path / "cdt.sqlite3")
    config: dict = {
        "CDT_ENV": cdt_env,
        "SECRET_KEY": secret,
        "CDT_DATABASE_URL": env.get("CDT_DATABASE_URL", default_db),
        "CDT_DEMO": _bool(env.get("CDT_DEMO")) and not production,
        #: how long a transaction waits for a lock (SQLite busy timeout, PostgreSQL lock_timeout)
        "CDT_LOCK_TIMEOUT_MS": int(
            env.get("CDT_LOCK_TIMEOUT_MS") or env.get("CDT_SQLITE_BUSY_TIMEOUT_MS") or "10000"
        ),
        #: SQLite PRAGMA synchronous; FULL: a commit is on disk before it is acknowledged
        "CDT_SQLITE_SYNCHRONOUS": _sqlite_synchronous(env),
        "CDT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "CDT_IDLE_TIMEOUT": timedelta(hours=float(env.get("CDT_IDLE_TIMEOUT_HOURS", "8"))),
        "CDT_ABSOLUTE_TIMEOUT": timedelta(hours=float(env.get("CDT_ABSOLUTE_TIMEOUT_HOURS", "24"))),
        "CDT_RETENTION_DAYS": int(env.get("CDT_RETENTION_DAYS", "0")),
        # the demo admin has a published password: two-step login would only block the demo
        "CDT_ADMIN_TOTP_REQUIRED": _bool(
            env.get("CDT_ADMIN_TOTP_REQUIRED"), default=production or not _bool(env.get("CDT_DEMO"))
        ),
        "CDT_TRUSTED_PROXIES": int(env.get("CDT_TRUSTED_PROXIES", "0")),
        #: the app compresses pages, CSS, JS and JSON itself (Flask-Compress); off when a
        #: proxy in front (nginx ``gzip on``) does it
        "CDT_COMPRESS": _bool(env.get("CDT_COMPRESS"), default=True),
        "COMPRESS_MIMETYPES": list(COMPRESSED_TYPES),
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        # a static file is sent as a stream and compressed as it goes (over plain HTTP, as on
        # a commune's own server, Chrome offers gzip only)
        "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],
        "COMPRESS_LEVEL": 6,
        "COMPRESS_BR_LEVEL": 5,
        #: login limits (cdt_app/auth/throttle.py): every attempt per address; guesses of one
        #: account from one address; failures of one account from every address, past which
        #: the addresses that failed wait a growing delay (an address that did not fail does not)
        "CDT_LOGIN_LIMIT_ADDRESS": env.get("CDT_LOGIN_LIMIT_ADDRESS", "30/minute;300/hour"),
        "CDT_LOGIN_LIMIT_ACCOUNT_ADDRESS": env.get(
            "CDT_LOGIN_LIMIT_ACCOUNT_ADDRESS", "5/minute;20/hour"
        ),
        "CDT_LOGIN_LIMIT_ACCOUNT": env.get("CDT_LOGIN_LIMIT_ACCOUNT", "10 per 15 minutes"),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent.parent / "translations"),
        "LANGUAGES": ["vi", "en"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("CDT_SECURE_COOKIES"), default=production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": timedelta(
            hours=float(env.get("CDT_ABSOLUTE_TIMEOUT_HOURS", "24"))
        ),
        "WTF_CSRF_TIME_LIMIT": 3600 * 8,
        "MAX_CONTENT_LENGTH": int(env.get("CDT_MAX_CONTENT_LENGTH", str(5 * 1024 * 1024))),
        "RATELIMIT_STORAGE_URI": ratelimit_storage_uri(env, production),
        #: keeps apart the counts of several apps (or test runs) sharing one Redis
        "RATELIMIT_KEY_PREFIX": env.get("CDT_RATELIMIT_KEY_PREFIX", ""),
        # counted over the last minute/hour, not per clock minute: no double burst at a boundary
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_ENABLED": _bool(env.get("CDT_RATELIMIT_ENABLED"), default=True),
        "RATELIMIT_HEADERS_ENABLED": False,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
    }
    config.update(overrides)
    return config
