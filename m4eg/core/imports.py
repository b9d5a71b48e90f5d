"""The one shape of an import and the two steps every import takes.

A domain reads an uploaded table into an :class:`ImportPlan`: one :class:`RowResult` per
row, with its line in the file, what it would do (:class:`RowStatus`: new, changed,
unchanged, or an error with the messages saying why) and the data to write. The dry run
(:func:`dry_run`) shows the plan and writes nothing; the confirmation (:func:`confirm_view`)
reads the same file again and writes all of it in one transaction, or nothing: a plan with
an error row is refused as a whole (:meth:`ImportPlan.check_writable`). The page is the
macro ``import_preview`` of ``_macros/imports.html``. The file waits between the steps in
the instance folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app, flash, redirect, render_template
from flask_babel import lazy_gettext as _l

from ..extensions import db
from .enums import LabelledEnum
from .errors import DomainError
from .forms import add_error
from .tables import stash_upload, stashed_upload


class RowStatus(LabelledEnum):
    """What a row of an import would do; the label names it in the preview's table."""

    NEW = "new", _l("create")
    CHANGED = "changed", _l("update")
    UNCHANGED = "unchanged", _l("unchanged")
    ERROR = "error", _l("rejected")

    @property
    def total_label(self):
        """The label of the number of such rows, above the table."""
        return {RowStatus.NEW: _l("to create"), RowStatus.CHANGED: _l("to update")}.get(
            self, self.label)


@dataclass
class RowResult:
    """One row of an imported file: its line (the header is line 1), what it would do, why
    it is rejected (``messages``), who it concerns (``code``, ``name``: shown in the preview),
    what it changes (field → [before, after]) and the data to write."""

    line: int
    status: RowStatus
    code: str = ""
    name: str = ""
    messages: list = field(default_factory=list)
    changes: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    key: Any = None

    @classmethod
    def judge(cls, line: int, messages: list, *, existing: dict | None, after: dict,
              **fields) -> RowResult:
        """A row's result: an error when there are ``messages``, else new when nothing is
        ``existing`` yet, else changed or unchanged by comparing ``after`` with it."""
        if messages:
            return cls(line, RowStatus.ERROR, messages=list(messages), **fields)
        if existing is None:
            return cls(line, RowStatus.NEW, **fields)
        changes = {key: [existing.get(key), value] for key, value in after.items()
                   if existing.get(key) != value}
        status = RowStatus.CHANGED if changes else RowStatus.UNCHANGED
        return cls(line, status, changes=changes, **fields)


@dataclass
class ImportPlan:
    """What an import would do, row by row; ``ok`` when no row is rejected."""

    rows: list[RowResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> list[RowResult]:
        """The rejected rows, each with its line and messages."""
        return [row for row in self.rows if row.status is RowStatus.ERROR]

    def count(self, status: RowStatus | str) -> int:
        """How many rows have ``status`` (a stored name that is no status is an error, not
        a silent zero)."""
        status = RowStatus(status)
        return sum(row.status is status for row in self.rows)

    @property
    def counts(self) -> dict[RowStatus, int]:
        """How many rows of each status, every status present (also at zero)."""
        return {status: self.count(status) for status in RowStatus}

    def preview(self, changes: bool = True) -> list[RowResult]:
        """The rows the dry run lists: those that would change something and the rejected
        ones, or only the rejected ones (without ``changes``)."""
        if not changes:
            return self.errors
        return [row for row in self.rows if row.status is not RowStatus.UNCHANGED]

    def to_write(self, status: RowStatus) -> list[RowResult]:
        """The rows of ``status`` (new or changed), in the file's order."""
        return [row for row in self.rows if row.status is status]

    def check_writable(self, error_type: type[DomainError] = DomainError) -> None:
        """Refuse (nothing is written) a plan with any rejected row."""
        if not self.ok:
            raise error_type(_l("Nothing was imported: correct the rejected rows first."))


def _upload_dir() -> Path:
    return Path(current_app.instance_path) / "imports"


def dry_run(form, read_plan: Callable, max_bytes: int):
    """Read the file of a validated upload ``form``. Returns (plan, token): the plan is None
    when the file itself is refused (the reason is put on the form), the token is set only
    when nothing is rejected and the import can be confirmed."""
    upload = form.file.data
    content = upload.read(max_bytes + 1)
    try:
        plan = read_plan(upload.filename, content)
    except DomainError as error:
        add_error(form, error)
        plan = None
    db.session.rollback()  # a dry run writes nothing
    token = stash_upload(_upload_dir(), upload.filename, content) if plan and plan.ok else None
    return plan, token


def upload_page(form, read_plan: Callable, max_bytes: int, *, confirm_form: type,
                template: str, **context):
    """The upload page: the form, and after a valid upload the dry run of its file with the
    confirmation form (carrying the kept file's token) when nothing is rejected; ``context``
    goes to the template as it is (e.g. the labels of the fields a row changes)."""
    plan = token = None
    if form.validate_on_submit():
        plan, token = dry_run(form, read_plan, max_bytes)
    return render_template(template, form=form, plan=plan,
                           confirm=confirm_form(token=token) if token else None, **context)


def confirm(form, read_plan: Callable, apply: Callable):
    """Apply the file a dry run kept under the token of ``form``, in one transaction.
    Returns (plan, None) once committed, or (None, a translated reason) with nothing written."""
    path = stashed_upload(_upload_dir(), form.token.data) if form.validate() else None
    if path is None:
        return None, _l("The uploaded file is no longer available. Upload it again.")
    try:
        plan = read_plan(path.name, path.read_bytes())
        apply(plan)
    except DomainError as error:
        db.session.rollback()
        return None, error.message
    db.session.commit()
    path.unlink(missing_ok=True)
    return plan, None


def confirm_view(form, read_plan: Callable, apply: Callable, *, then: str, retry: str):
    """The confirmation's answer: flash how many rows were written and go to ``then``, or
    flash why nothing was and go back to the upload (``retry``)."""
    plan, problem = confirm(form, read_plan, apply)
    if plan is None:
        flash(str(problem), "error")
        return redirect(retry)
    flash(str(done_message(plan)), "success")
    return redirect(then)


def done_message(plan: ImportPlan):
    return _l("Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
              created=plan.count(RowStatus.NEW), updated=plan.count(RowStatus.CHANGED),
              unchanged=plan.count(RowStatus.UNCHANGED))
