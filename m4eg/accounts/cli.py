"""`flask accounts purge-sessions`: delete the sign-in sessions past their lifetimes."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from . import services
from .views import lifetimes

accounts_cli = AppGroup("accounts", help="Accounts and sign-in sessions.")


@accounts_cli.command("purge-sessions")
def purge_sessions():
    """Delete the sessions idle longer than M4EG_SESSION_IDLE_MINUTES or older than
    M4EG_SESSION_MAX_HOURS (sign-ins purge them too; run this from cron on a quiet site)."""
    count = services.purge_sessions(lifetimes())
    db.session.commit()
    click.echo(f"{count} expired session(s) deleted.")
