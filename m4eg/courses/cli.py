"""`flask courses check` (CI) and `flask courses sync`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..extensions import db
from . import services
from .content import CONTENT_DIR, ContentError, load_catalogue

courses_cli = AppGroup("courses", help="Urban Learning Center course content.")


@courses_cli.command("check")
@click.option("--path", type=click.Path(file_okay=False, path_type=Path), default=CONTENT_DIR,
              show_default=True, help="Folder holding the courses.")
def check(path: Path):
    """Validate every course file; stop at the first problem with its path and the reason."""
    try:
        catalogue = load_catalogue(path)
    except ContentError as error:
        raise click.ClickException(str(error)) from error
    for course in catalogue.courses:
        words = sum(lesson.words["en"] for lesson in course.lessons)
        click.echo(f"{course.slug}: {len(course.lessons)} lessons ({words} words in en), "
                   f"{len(course.questions)} quiz questions")
    click.echo(f"{len(catalogue.courses)} courses: all files valid.")


@courses_cli.command("sync")
def sync():
    """Record the content's lessons; archive removed ones (progress is kept)."""
    counts = services.sync_lessons(load_catalogue())
    db.session.commit()
    click.echo(", ".join(f"{key} {value}" for key, value in sorted(counts.items()))
               or "nothing to change")
