"""Backups that are safe while the site is running.

SQLite is copied through its online backup API (a plain file copy during writes can capture
a half-written page); PostgreSQL is dumped with pg_dump in its custom format and restored with
pg_restore. Both restores refuse a database that already has tables unless told to replace.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess  # noqa: S404 - runs pg_dump/pg_restore with fixed arguments, no shell
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Engine, make_url


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why."""


def _libpq_url(engine: Engine) -> str:
    return make_url(engine.url).set(drivername="postgresql").render_as_string(
        hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client)")
    return path


def create(engine: Engine, target: Path) -> Path:
    """Write a consistent backup of the database behind ``engine`` to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    url = make_url(engine.url)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        destination = sqlite3.connect(target)
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        result = subprocess.run(  # noqa: S603 - fixed command, URL passed as one argument
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target),
             "--dbname", _libpq_url(engine)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BackupError(result.stderr.strip() or "pg_dump failed")
    else:
        raise BackupError(f"unsupported database: {url.get_backend_name()}")
    return target


def restore(engine: Engine, source: Path, *, replace: bool = False) -> None:
    """Restore ``source`` into the database behind ``engine`` (which must be empty unless
    ``replace``)."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    if inspect(engine).get_table_names() and not replace:
        raise BackupError("the database is not empty: restore into an empty one, or pass "
                          "--replace to overwrite it")
    url = make_url(engine.url)
    engine.dispose()
    if url.get_backend_name() == "sqlite":
        backup = sqlite3.connect(source)
        destination = sqlite3.connect(url.database)
        try:
            with destination:
                backup.backup(destination)
        finally:
            destination.close()
            backup.close()
    elif url.get_backend_name() == "postgresql":
        arguments = [_tool("pg_restore"), "--no-owner", "--dbname", _libpq_url(engine)]
        if replace:
            arguments[1:1] = ["--clean", "--if-exists"]
        result = subprocess.run(  # noqa: S603 - fixed command, URL passed as one argument
            [*arguments, str(source)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BackupError(result.stderr.strip() or "pg_restore failed")
    else:
        raise BackupError(f"unsupported database: {url.get_backend_name()}")
