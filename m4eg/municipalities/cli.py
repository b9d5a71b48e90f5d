"""`flask municipalities …`: reference data and roster import from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..core.imports import RowStatus
from ..extensions import db
from . import services

municipalities_cli = AppGroup("municipalities", help="The register of members.")


@municipalities_cli.command("load-reference")
def load_reference():
    """Create or update the economic regions and rayons."""
    regions, rayons = services.load_reference_data()
    db.session.commit()
    click.echo(f"{regions} economic regions, {rayons} rayons.")


@municipalities_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--apply", "apply_", is_flag=True, help="Write the changes (default: dry run).")
def import_roster(path: Path, apply_: bool):
    """Import a roster (CSV or XLSX). Without --apply, only shows what would happen."""
    services.load_reference_data()
    try:
        plan = services.plan_import(services.read_table(path.name, path.read_bytes()))
    except services.ImportFileError as error:
        raise click.ClickException(str(error.message)) from error
    for row in plan.errors:
        reasons = "; ".join(str(reason) for reason in row.messages)
        click.echo(f"line {row.line} ({row.code or '—'}): rejected: {reasons}")
    counts = plan.counts
    click.echo(f"create {counts[RowStatus.NEW]}, update {counts[RowStatus.CHANGED]}, "
               f"unchanged {counts[RowStatus.UNCHANGED]}, rejected {counts[RowStatus.ERROR]}")
    if not plan.ok:
        db.session.rollback()
        raise click.ClickException("nothing written: correct the rejected rows")
    if apply_:
        services.apply_import(plan, actor=None)
        db.session.commit()
        click.echo("written")
    else:
        db.session.rollback()
        click.echo("dry run: nothing written (use --apply)")
