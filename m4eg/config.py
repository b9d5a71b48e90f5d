"""Configuration: the only module that reads the environment.

Every setting the platform understands is listed here and in the README. A value passed to
``create_app(config=...)`` overrides what the environment says (tests use that).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "production", "testing")
DEFAULT_TIMEZONE = "Asia/Baku"
# The cost of an Argon2id password hash: RFC 9106's "second recommended option" (argon2-cffi's
# defaults): 3 passes over 64 MiB with 4 lanes. Settings may raise it, never lower it; only the
# test suite, which builds its apps with explicit settings, uses cheaper ones.
PASSWORD_HASH_TIME_COST = 3
PASSWORD_HASH_MEMORY_KIB = 64 * 1024
PASSWORD_HASH_PARALLELISM = 4


class ConfigError(RuntimeError):
    """Raised when the environment cannot give a safe configuration."""


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _whole(env, name: str, default: int, *, minimum: int = 0) -> int:
    """A whole-number setting; anything else stops the start with the setting's name."""
    value = (env.get(name) or "").strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or int(value) < minimum:
        raise ConfigError(f"{name} must be a whole number of at least {minimum}")
    return int(value)


def _timezone(env) -> str:
    """``M4EG_TIMEZONE``: an IANA zone name (``Asia/Baku``); a bad name stops the start."""
    name = (env.get("M4EG_TIMEZONE") or "").strip() or DEFAULT_TIMEZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Asia", a directory
        raise ConfigError(f"M4EG_TIMEZONE must be a time zone name such as {DEFAULT_TIMEZONE}, "
                          f"not {name!r}") from None
    return name


def _database_url(value: str | None, instance_path: Path) -> str:
    if not value:
        return f"sqlite:///{instance_path / 'm4eg.db'}"
    # Hosting platforms still hand out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix):]
    return value


def _public_base_url(value: str | None) -> tuple[str, str] | None:
    """(scheme, host[:port]) of ``PUBLIC_BASE_URL``, e.g. ``https://m4eg.az``."""
    if not value or not value.strip():
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path not in {"", "/"} \
            or parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError("PUBLIC_BASE_URL must look like https://m4eg.example (scheme and host, "
                          f"no path), not {value!r}")
    return parts.scheme, parts.netloc.lower()


def _trusted_hosts(value: str | None, server_name: str | None, production: bool):
    """The Host headers the site answers (Flask's ``TRUSTED_HOSTS``); ``None`` means any.

    In production the public host is the default, plus the machine's own names so that a
    health check run on the server itself still gets an answer."""
    if value and value.strip():
        return [host.strip().lower() for host in value.split(",") if host.strip()]
    if production and server_name:
        return [server_name.split(":", 1)[0], "localhost", "127.0.0.1"]
    return None


def load_config(environ: os._Environ | dict | None = None, instance_path: Path | None = None):
    """Build the Flask settings from environment variables.

    ``SECRET_KEY`` is required in production; in development a random key is made for the
    life of the process (sessions end when the server restarts, which is what a developer
    expects and never leaks a key into the repository).
    """
    env = os.environ if environ is None else environ
    instance_path = instance_path or ROOT / "instance"
    m4eg_env = env.get("M4EG_ENV", "development").strip().lower() or "development"
    if m4eg_env not in ENVIRONMENTS:
        raise ConfigError(f"M4EG_ENV must be one of {', '.join(ENVIRONMENTS)}, not {m4eg_env!r}")
    production = m4eg_env == "production"

    secret_key = env.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise ConfigError("SECRET_KEY must be set when M4EG_ENV=production")
        secret_key = secrets.token_hex(32)

    # Every absolute link (password reset mails above all) is built on the configured public
    # address, never on the request's Host header, which anyone can forge.
    base = _public_base_url(env.get("PUBLIC_BASE_URL"))
    server_name = base[1] if base else (env.get("SERVER_NAME") or "").strip().lower() or None
    if production and not server_name:
        raise ConfigError("PUBLIC_BASE_URL (e.g. https://m4eg.az) must be set when "
                          "M4EG_ENV=production: links in mails are built on it")
    scheme = base[0] if base else ("https" if production else "http")

    timezone = _timezone(env)

    mail_port = env.get("MAIL_PORT") or "25"
    if not mail_port.isdigit():
        raise ConfigError("MAIL_PORT must be a number")
    mail_server = (env.get("MAIL_SERVER") or "").strip()
    if production and not mail_server:
        # Without a server the worker can only log a message, and a password-reset link in
        # a production log is a secret in the wrong place.
        raise ConfigError("MAIL_SERVER must be set when M4EG_ENV=production: password "
                          "resets and plan notifications are sent through it")

    return {
        "M4EG_ENV": m4eg_env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": _database_url(env.get("DATABASE_URL"), instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": int(mail_port),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _flag(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _flag(env.get("MAIL_USE_SSL")),
        "MAIL_DEFAULT_SENDER": env.get(
            "MAIL_DEFAULT_SENDER", "M4EG Azerbaijan <no-reply@localhost>"
        ),
        "MAIL_TIMEOUT_SECONDS": _whole(env, "MAIL_TIMEOUT_SECONDS", 15, minimum=1),
        # The delivery worker (flask outbox work): how often it looks for queued mail, how
        # many times a message is tried before it is shown as undeliverable, and how long a
        # claimed message may take before it counts as "the worker stopped mid-send".
        "OUTBOX_POLL_SECONDS": _whole(env, "M4EG_OUTBOX_POLL_SECONDS", 2, minimum=1),
        "OUTBOX_MAX_ATTEMPTS": _whole(env, "M4EG_OUTBOX_MAX_ATTEMPTS", 8, minimum=1),
        "OUTBOX_LEASE_SECONDS": _whole(env, "M4EG_OUTBOX_LEASE_SECONDS", 600, minimum=1),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _flag(env.get("RATELIMIT_ENABLED"), default=True),
        # While the Redis storage does not answer, limits are counted in each worker's memory
        # (one warning in the log) instead of every limited request failing.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # X-RateLimit-* headers tell an attacker how far they are from a limit.
        "RATELIMIT_HEADERS_ENABLED": not production,
        "PREFERRED_URL_SCHEME": scheme,
        "SERVER_NAME": server_name,
        "PUBLIC_BASE_URL": f"{scheme}://{server_name}" if server_name else None,
        "TRUSTED_HOSTS": _trusted_hosts(env.get("TRUSTED_HOSTS"), server_name, production),
        # Reverse proxies in front of gunicorn whose X-Forwarded-For/-Proto are believed.
        "TRUSTED_PROXIES": _whole(env, "M4EG_TRUSTED_PROXIES", 0),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_NAME": "m4eg_session",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        "WTF_CSRF_TIME_LIMIT": 60 * 60 * 4,
        "PASSWORD_RESET_MAX_AGE": 60 * 60,
        # Every hash records its own cost, so hashes made with other values still verify; they
        # are made again with these at the owner's next sign-in.
        "PASSWORD_HASH_TIME_COST": _whole(env, "M4EG_PASSWORD_HASH_TIME_COST",
                                          PASSWORD_HASH_TIME_COST,
                                          minimum=PASSWORD_HASH_TIME_COST),
        "PASSWORD_HASH_MEMORY_KIB": _whole(env, "M4EG_PASSWORD_HASH_MEMORY_KIB",
                                           PASSWORD_HASH_MEMORY_KIB,
                                           minimum=PASSWORD_HASH_MEMORY_KIB),
        "PASSWORD_HASH_PARALLELISM": PASSWORD_HASH_PARALLELISM,
        # Server-side lifetimes of a sign-in session: it ends after this long without a
        # request, and in any case this long after the sign-in.
        "SESSION_IDLE_MINUTES": _whole(env, "M4EG_SESSION_IDLE_MINUTES", 120, minimum=1),
        "SESSION_MAX_HOURS": _whole(env, "M4EG_SESSION_MAX_HOURS", 24 * 7, minimum=1),
        "BABEL_DEFAULT_LOCALE": "az",
        # The zone of "today" (m4eg/core/time.py) and of every displayed date and time.
        "M4EG_TIMEZONE": timezone,
        "BABEL_DEFAULT_TIMEZONE": timezone,
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "SQL_COUNT_HEADER": _flag(env.get("M4EG_SQL_COUNT_HEADER")),
        "PAGE_CACHE": _flag(env.get("M4EG_PAGE_CACHE"), default=True),
        "PAGE_CACHE_SECONDS": _whole(env, "M4EG_PAGE_CACHE_SECONDS", 300),
        "CACHE_REDIS_URL": env.get("CACHE_REDIS_URL", ""),
        # Every key m4eg writes to Redis starts with this (rate limits, cache generation).
        "REDIS_KEY_PREFIX": (env.get("M4EG_REDIS_KEY_PREFIX") or "m4eg").strip() or "m4eg",
        # While Redis is down, how often each worker asks it again.
        "REDIS_RETRY_SECONDS": _whole(env, "M4EG_REDIS_RETRY_SECONDS", 5, minimum=1),
        # Public counts of people from 1 to this minus 1 show as "fewer than N" (0: none).
        "SMALL_CELL_THRESHOLD": _whole(env, "M4EG_SMALL_CELL_THRESHOLD", 5),
        # How many days after a plan's deadline its municipality may still ask for more time.
        "PLAN_EXTENSION_GRACE_DAYS": _whole(env, "M4EG_PLAN_EXTENSION_GRACE_DAYS", 14),
        # How long the link that confirms a new account's email address works.
        "EMAIL_CONFIRMATION_HOURS": _whole(env, "M4EG_EMAIL_CONFIRMATION_HOURS", 72,
                                           minimum=1),
        # Where people write about their personal data (named on the privacy page); unset,
        # the page sends them to the network's coordinators.
        "PRIVACY_CONTACT": (env.get("M4EG_PRIVACY_CONTACT") or "").strip(),
    }
