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


def test_upgrade_to_0002_fills_the_ulc_registration_date_from_enrolments(app_ctx):
    from datetime import UTC, datetime

    _empty_database()
    upgrade()
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO users (id, email, name, password_hash, role, position, sex, "
            "preferred_language, is_demo, created_at, version) VALUES (1, 'a@example.org', "
            "'A', 'x', 'staff', '', 'female', 'az', false, :now, 1)"),
            {"now": datetime(2024, 1, 1, tzinfo=UTC)})
        for slug, day in (("one", datetime(2025, 3, 1, tzinfo=UTC)),
                          ("two", datetime(2024, 6, 1, tzinfo=UTC))):
            connection.execute(text(
                "INSERT INTO enrolments (user_id, course_slug, enrolled_at) "
                "VALUES (1, :slug, :day)"), {"slug": slug, "day": day})
    downgrade(revision="0001")
    upgrade()
    with db.engine.connect() as connection:
        value = connection.execute(text("SELECT ulc_registered_at FROM users")).scalar()
    if isinstance(value, str):  # SQLite hands back text through a raw query
        value = datetime.fromisoformat(value)
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    assert value == datetime(2024, 6, 1, tzinfo=UTC)
