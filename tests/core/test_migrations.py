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


def test_upgrade_to_0003_moves_each_plans_content_into_its_blocks(app_ctx):
    """A plan drafted before 0003 keeps every word: each block becomes a row with its own
    version, unwritten blocks included, and the downgrade puts the content back."""
    import json
    from datetime import UTC, datetime

    _empty_database()
    upgrade(revision="0002")
    now = datetime(2025, 1, 1, tzinfo=UTC)
    definition = {"blocks": [{"key": "vision"}, {"key": "actions"}]}
    content = {"vision": {"vision": "Yaşıl qəsəbə"}}
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO plan_templates (id, code, version, title_az, title_en, definition, "
            "loaded_at) VALUES (1, 'p4eg', 1, 'P', 'P', :d, :now)"),
            {"d": json.dumps(definition), "now": now})
        connection.execute(text(
            "INSERT INTO plan_cycles (id, name, deadline, reminder_days, is_demo) "
            "VALUES (1, 'c', '2030-01-01', 14, false)"))
        connection.execute(text(
            "INSERT INTO municipalities (id, code, slug, name_az, name_en, type, status, "
            "is_demo, email, phone, website, search_text, sort_key_az, sort_key_en, version, "
            "created_at, updated_at) VALUES (1, 'X', 'x', 'X', 'X', 'village', 'active', false, "
            "'', '', '', 'x', 'x', 'x', 1, :now, :now)"), {"now": now})
        connection.execute(text(
            "INSERT INTO plans (id, municipality_id, cycle_id, template_id, status, content, "
            "version, created_at, updated_at, is_demo) VALUES (1, 1, 1, 1, 'draft', :c, 3, "
            ":now, :now, false)"), {"c": json.dumps(content), "now": now})
    upgrade()
    with db.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT block_key, content, version FROM plan_blocks ORDER BY block_key")).all()
    loaded = [(key, json.loads(value) if isinstance(value, str) else value, version)
              for key, value, version in rows]
    assert loaded == [("actions", {}, 1), ("vision", {"vision": "Yaşıl qəsəbə"}, 1)]
    downgrade(revision="0002")
    with db.engine.connect() as connection:
        back = connection.execute(text("SELECT content FROM plans")).scalar()
    assert (json.loads(back) if isinstance(back, str) else back) == {
        "vision": {"vision": "Yaşıl qəsəbə"}, "actions": {}}
