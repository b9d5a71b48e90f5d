"""Schema changes go through migrations: models and migrations agree, and they reverse."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from m4eg.extensions import db


def _empty_database():
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _diff():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True})
        return compare_metadata(context, db.metadata)


def test_migrations_create_exactly_the_models_schema(app_ctx):
    _empty_database()
    upgrade()
    assert _diff() == []


def test_upgrade_downgrade_upgrade(app_ctx):
    _empty_database()
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert {"users", "municipalities", "audit_events"} <= set(
        inspect(db.engine).get_table_names())
