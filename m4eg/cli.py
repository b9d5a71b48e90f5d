"""`flask demo load` (the demo data set, labelled as demo, refused in production) and
`flask backup create|restore`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .extensions import db

demo_cli = AppGroup("demo", help="Demo data for trying the platform out.")


@demo_cli.command("load")
def load_demo():
    """Load the roster, one account per role and the demo workshops (idempotent)."""
    if current_app.config["M4EG_ENV"] == "production":
        raise click.ClickException("Demo data is never loaded when M4EG_ENV=production.")
    from .accounts import services as accounts
    from .courses import services as courses
    from .figures import services as figures
    from .municipalities import services as municipalities
    from .plans.cli import ensure_demo_open_plan_and_extension, ensure_demo_plans
    from .portfolios.cli import load_demonstrators
    from .readiness.services import ensure_demo_values
    from .workshops import services as workshops

    members = municipalities.ensure_demo_municipalities()
    accounts.ensure_demo_users(members)
    accounts.ensure_demo_newcomer(members)
    courses.sync_lessons()
    workshops.ensure_demo_workshops()
    load_demonstrators()
    ensure_demo_plans()
    ensure_demo_open_plan_and_extension()
    ensure_demo_values()
    figures.ensure_demo_reach()
    db.session.commit()
    click.echo("Demo data ready. Log in as staff@example.org, focal@example.org, "
               "focal.urva@example.org, coordinator@example.org or admin@example.org "
               f"with the password {accounts.DEMO_PASSWORD}.")


backup_cli = AppGroup("backup", help="Back up and restore the database (safe while running).")


@backup_cli.command("create")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def create_backup(target: Path):
    """Write a consistent backup of the database to TARGET."""
    from .core import backup

    try:
        backup.create(db.engine, target)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup written to {target}")


@backup_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite a database that has tables.")
def restore_backup(source: Path, replace: bool):
    """Restore SOURCE into the database (empty unless --replace)."""
    from .core import backup, cache

    try:
        backup.restore(db.engine, source, replace=replace)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    cache.invalidate()  # the restore wrote outside the ORM: no cached page may outlive it
    click.echo(f"restored from {source}")


outbox_cli = AppGroup("outbox", help="The mail outbox and its delivery worker.")


@outbox_cli.command("work")
def outbox_work():
    """Deliver queued mail until stopped (SIGTERM/Ctrl-C): the delivery worker."""
    from .core import outbox

    outbox.work(poll_seconds=current_app.config["OUTBOX_POLL_SECONDS"])


@outbox_cli.command("deliver")
@click.option("--limit", default=500, show_default=True, help="Messages at most.")
def outbox_deliver(limit):
    """One delivery pass (for cron or a check by hand), then exit."""
    from .core import outbox

    click.echo(str(outbox.deliver(limit)))


@outbox_cli.command("status")
def outbox_status():
    """How many messages are in each state."""
    from .core import outbox

    for status, count in outbox.counts().items():
        click.echo(f"{status:10} {count}")
