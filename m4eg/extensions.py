"""Flask extensions, created unbound and initialised by the app factory."""

import sqlite3

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so that migrations can drop and alter them on SQLite (batch mode) and
# PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)

# Redis answers within a millisecond: a second without an answer means it is gone, and the
# request goes on with the local fallback instead of hanging (core.failover).
REDIS_TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 1}
REDIS_SCHEMES = {"redis", "rediss", "redis+unix"}


def init_limiter(app) -> None:
    """Flask-Limiter on the configured storage. A Redis storage gets the short timeouts and
    its keys under ``REDIS_KEY_PREFIX`` (several sites, or test runs, can share one Redis);
    ``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED`` (config.py) makes Flask-Limiter count in memory
    while Redis is down, with one warning in the log."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or ""
    if uri.split("://", 1)[0] in REDIS_SCHEMES:
        prefix = app.config.get("REDIS_KEY_PREFIX", "m4eg")
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            **REDIS_TIMEOUTS, "key_prefix": f"{prefix}:limits",
            **app.config.get("RATELIMIT_STORAGE_OPTIONS", {})}
    limiter.init_app(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite served by several gunicorn workers: readers never wait for the writer (WAL),
    a writer waits up to 5 s for the lock instead of failing, and commits are durable at
    checkpoints (synchronous=NORMAL, safe with WAL)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
