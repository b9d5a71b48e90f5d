"""The offline workbook pages of a plan: download it in either language, upload it back for
a dry run, then write what it changes (m4eg/plans/workbook.py holds the rules)."""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..core.forms import add_error
from ..core.i18n import current_language
from ..core.permissions import AUTHENTICATED, allow, can
from ..core.tables import stash_upload, stashed_upload
from ..core.views import get_or_404
from ..extensions import db
from . import bp, services, workbook
from .forms_open import WorkbookApplyForm, WorkbookUploadForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _stash_dir() -> Path:
    return Path(current_app.instance_path) / "workbooks"


def _page(plan, http_status=200, **context):
    context.setdefault("form", WorkbookUploadForm(formdata=None))
    editable = plan.status in services.EDITABLE
    return render_template(
        "plans/workbook_page.html", plan=plan, editable=editable,
        can_upload=can(current_user, "plans.edit", plan) and editable, **context), http_status


@bp.route("/<int:plan_id>/workbook")
@allow(AUTHENTICATED)
def workbook_page(plan_id):
    return _page(get_or_404(services.get_plan(plan_id), "plans.read"))


@bp.route("/<int:plan_id>/workbook/<any(az, en):wb_lang>.xlsx")
@allow(AUTHENTICATED)
def workbook_download(plan_id, wb_lang):
    plan = get_or_404(services.get_plan(plan_id), "plans.read")
    data = workbook.build(workbook.plan_subject(plan, wb_lang), wb_lang)
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="p4eg-plan-{plan.id}-{wb_lang}.xlsx"'})


@bp.route("/<int:plan_id>/workbook/check", methods=["POST"])
@allow(action="plans.edit")
def workbook_check(plan_id):
    plan = get_or_404(services.get_plan(plan_id), "plans.edit")
    form = WorkbookUploadForm()
    if not form.validate_on_submit():
        return _page(plan, 400, form=form)
    upload = form.file.data
    content = upload.read(workbook.MAX_BYTES + 1)
    try:
        preview = workbook.read_for_plan(plan, upload.filename, content, current_language())
    except workbook.WorkbookError as error:
        db.session.rollback()
        add_error(form, error)
        return _page(plan, 400, form=form)
    db.session.rollback()  # a dry run writes nothing
    token = (stash_upload(_stash_dir(), upload.filename, content) if preview.writable
             else None)
    return _page(plan, form=form, preview=preview,
                 apply_form=WorkbookApplyForm(token=token) if token else None)


@bp.route("/<int:plan_id>/workbook/apply", methods=["POST"])
@allow(action="plans.edit")
def workbook_apply(plan_id):
    plan = get_or_404(services.get_plan(plan_id), "plans.edit")
    form = WorkbookApplyForm()
    path = stashed_upload(_stash_dir(), form.token.data) if form.validate_on_submit() else None
    back = url_for("plans.workbook_page", plan_id=plan.id)
    if path is None:
        flash(_("The uploaded workbook is no longer available. Upload it again."), "error")
        return redirect(back)
    try:
        preview = workbook.read_for_plan(plan, path.name, path.read_bytes(),
                                         current_language())
        written = workbook.apply_to_plan(plan, preview, current_user)
    except (workbook.WorkbookError, services.PlanError) as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(back)
    db.session.commit()
    path.unlink(missing_ok=True)
    message = ngettext("%(num)d section of the draft was saved from the workbook.",
                       "%(num)d sections of the draft were saved from the workbook.",
                       len(written))
    if preview.conflicts:
        message += " " + ngettext(
            "%(num)d field changed online since the download kept its online value.",
            "%(num)d fields changed online since the download kept their online values.",
            len(preview.conflicts))
    flash(message, "success")
    return redirect(url_for("plans.show", plan_id=plan.id))
