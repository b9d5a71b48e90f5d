"""The two steps every import takes: a dry run of an uploaded file (what would change, what
is rejected and why; nothing written), then its confirmation (all of it, or nothing).

A domain passes its own ``read_plan(filename, content)``, which returns an import plan with
``ok`` and ``count(action)``, its ``apply(plan)``, and the exception its rules raise (with a
translated ``message``). The file waits between the steps in the instance folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..extensions import db
from .forms import add_error
from .tables import stash_upload, stashed_upload


def _upload_dir() -> Path:
    return Path(current_app.instance_path) / "imports"


def dry_run(form, read_plan: Callable, error_type: type[Exception], max_bytes: int):
    """Read the file of a validated upload ``form``. Returns (plan, token): the plan is None
    when the file itself is refused (the reason is put on the form), the token is set only
    when nothing is rejected and the import can be confirmed."""
    upload = form.file.data
    content = upload.read(max_bytes + 1)
    try:
        plan = read_plan(upload.filename, content)
    except error_type as error:
        add_error(form, error)
        plan = None
    db.session.rollback()  # a dry run writes nothing
    token = stash_upload(_upload_dir(), upload.filename, content) if plan and plan.ok else None
    return plan, token


def confirm(form, read_plan: Callable, apply: Callable, error_type: type[Exception]):
    """Apply the file a dry run kept under the token of ``form``, in one transaction.
    Returns (plan, None) once committed, or (None, a translated reason) with nothing written."""
    path = stashed_upload(_upload_dir(), form.token.data) if form.validate() else None
    if path is None:
        return None, _l("The uploaded file is no longer available. Upload it again.")
    try:
        plan = read_plan(path.name, path.read_bytes())
        apply(plan)
    except error_type as error:
        db.session.rollback()
        return None, error.message
    db.session.commit()
    path.unlink(missing_ok=True)
    return plan, None


def done_message(plan):
    return _l("Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
              created=plan.count("create"), updated=plan.count("update"),
              unchanged=plan.count("unchanged"))
