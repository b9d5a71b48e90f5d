"""Backups while writes continue, restored into an empty database with every row intact."""

import json
import threading
import uuid

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from m4eg.core import audit, backup
from m4eg.extensions import db
from tests.conftest import TEST_DATABASE_URL


def _freeze(value):
    # JSON columns come back as dicts and lists on PostgreSQL: compare them as text.
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def _rows(engine) -> dict[str, set]:
    with engine.connect() as connection:
        return {table: {tuple(map(_freeze, row)) for row in connection.execute(text(
            f'SELECT * FROM "{table}"'))}  # noqa: S608 - table names from the schema
            for table in inspect(engine).get_table_names()}


@pytest.fixture
def empty_database(tmp_path):
    """An empty database of the same kind as the one under test."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"m4eg_restore_{uuid.uuid4().hex[:8]}"
    server = create_engine(make_url(TEST_DATABASE_URL).set(database="postgres"),
                           isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def test_backup_during_writes_restores_every_row(app, make_app, tmp_path, empty_database):
    app.test_cli_runner().invoke(args=["demo", "load"])
    stop, written, errors = threading.Event(), [], []

    def keep_writing():
        with app.app_context():
            while not stop.is_set():
                try:
                    event = audit.record("backup.test", after={"n": len(written)})
                    db.session.commit()
                    written.append(event.id)
                except OperationalError:  # SQLite: the backup holds the lock for a moment
                    db.session.rollback()
                except Exception as error:  # reported below
                    errors.append(error)
                    return
            db.session.remove()

    with app.app_context():
        engine = db.engine
        writer = threading.Thread(target=keep_writing)
        writer.start()
        while len(written) < 5 and writer.is_alive():
            pass
        before = _rows(engine)
        archive = backup.create(engine, tmp_path / "m4eg.backup")
        stop.set()
        writer.join(timeout=30)
        after = _rows(engine)
    assert errors == [] and len(written) >= 5

    restored_app = make_app(SQLALCHEMY_DATABASE_URI=empty_database)
    result = restored_app.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
    assert result.exit_code == 0, result.output
    with restored_app.app_context():
        restored = _rows(db.engine)
    assert set(restored) == set(before)
    for table, rows in restored.items():
        assert before[table] <= rows, f"{table}: rows written before the backup are missing"
        assert rows <= after[table], f"{table}: restored rows differ from the source"
    assert len(restored["municipalities"]) == 55


def test_restore_refuses_a_database_that_is_not_empty(app, tmp_path):
    with app.app_context():
        archive = backup.create(db.engine, tmp_path / "m4eg.backup")
        with pytest.raises(backup.BackupError, match="not empty"):
            backup.restore(db.engine, archive)
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
    assert result.exit_code != 0 and "not empty" in result.output
