"""The offline workbook pages of a plan and of a monitoring report: download it in either
language, upload it back for a dry run, then write what it changes. The same pages serve
both documents (m4eg/plans/workbook.py holds the rules, monitoring_workbook.py the report's
part); what differs is gathered in a :class:`_Document`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
from . import bp, monitoring_workbook, services, workbook
from .forms_open import WorkbookApplyForm, WorkbookUploadForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class _Document:
    """What the workbook pages need of a plan or a report: the object, its kind, whether it
    can take an upload now, its pages, and how to build, read and write its workbook."""

    kind: str
    obj: object
    editable: bool
    endpoint: str  # the pages' endpoints: endpoint + "_page", "_download", "_check", "_apply"
    args: dict
    back: str  # the document's own page
    filename: str
    build: Callable[[str], bytes]
    read: Callable[[str, bytes, str], workbook.Preview]
    apply: Callable[[workbook.Preview], list[str]]

    def url(self, page: str = "page", **values) -> str:
        return url_for(f"{self.endpoint}_{page}", **self.args, **values)


def _plan(plan) -> _Document:
    return _Document(
        kind="plan", obj=plan, editable=plan.status in services.EDITABLE,
        endpoint="plans.workbook", args={"plan_id": plan.id},
        back=url_for("plans.show", plan_id=plan.id), filename=f"p4eg-plan-{plan.id}",
        build=lambda lang: workbook.build(workbook.plan_subject(plan, lang), lang),
        read=lambda name, data, lang: workbook.read_for_plan(plan, name, data, lang),
        apply=lambda preview: workbook.apply_to_plan(plan, preview, current_user))


def _report(report) -> _Document:
    return _Document(
        kind="report", obj=report, editable=report.status in services.REPORT_EDITABLE,
        endpoint="plans.report_workbook", args={"report_id": report.id},
        back=url_for("plans.report", report_id=report.id),
        filename=f"p4eg-monitoring-{report.id}",
        build=lambda lang: monitoring_workbook.build_for_report(report, lang),
        read=lambda name, data, lang: monitoring_workbook.read_for_report(report, name, data,
                                                                          lang),
        apply=lambda preview: monitoring_workbook.apply_to_report(report, preview,
                                                                  current_user))


def _stash_dir() -> Path:
    return Path(current_app.instance_path) / "workbooks"


def _page(doc: _Document, http_status=200, **context):
    context.setdefault("form", WorkbookUploadForm(formdata=None))
    plan = doc.obj if doc.kind == "plan" else doc.obj.plan
    return render_template(
        "plans/workbook_page.html", doc=doc, plan=plan,
        report=doc.obj if doc.kind == "report" else None, editable=doc.editable,
        can_upload=can(current_user, "plans.edit", doc.obj) and doc.editable,
        **context), http_status


def _download(doc: _Document, lang: str):
    return Response(doc.build(lang), mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="{doc.filename}-{lang}.xlsx"'})


def _check(doc: _Document):
    """The dry run of the uploaded file; a file without errors is kept for the apply."""
    form = WorkbookUploadForm()
    if not form.validate_on_submit():
        return _page(doc, 400, form=form)
    upload = form.file.data
    content = upload.read(workbook.MAX_BYTES + 1)
    try:
        preview = doc.read(upload.filename, content, current_language())
    except workbook.WorkbookError as error:
        db.session.rollback()
        add_error(form, error)
        return _page(doc, 400, form=form)
    db.session.rollback()  # a dry run writes nothing
    token = (stash_upload(_stash_dir(), upload.filename, content) if preview.writable
             else None)
    return _page(doc, form=form, preview=preview,
                 apply_form=WorkbookApplyForm(token=token) if token else None)


def _apply(doc: _Document, done: Callable[[list[str]], str]):
    """Read the kept file again (the document may have changed since the dry run) and
    write it; every refusal goes back to the workbook page with its reason."""
    form = WorkbookApplyForm()
    path = stashed_upload(_stash_dir(), form.token.data) if form.validate_on_submit() else None
    if path is None:
        flash(_("The uploaded workbook is no longer available. Upload it again."), "error")
        return redirect(doc.url())
    try:
        preview = doc.read(path.name, path.read_bytes(), current_language())
        written = doc.apply(preview)
    except (workbook.WorkbookError, services.PlanError) as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(doc.url())
    db.session.commit()
    path.unlink(missing_ok=True)
    message = done(written)
    if preview.conflicts:
        message += " " + ngettext(
            "%(num)d field changed online since the download kept its online value.",
            "%(num)d fields changed online since the download kept their online values.",
            len(preview.conflicts))
    flash(message, "success")
    return redirect(doc.back)


# ---------------------------------------------------------------- a plan


@bp.route("/<int:plan_id>/workbook")
@allow(AUTHENTICATED)
def workbook_page(plan_id):
    return _page(_plan(get_or_404(services.get_plan(plan_id), "plans.read")))


@bp.route("/<int:plan_id>/workbook/<any(az, en):wb_lang>.xlsx")
@allow(AUTHENTICATED)
def workbook_download(plan_id, wb_lang):
    return _download(_plan(get_or_404(services.get_plan(plan_id), "plans.read")), wb_lang)


@bp.route("/<int:plan_id>/workbook/check", methods=["POST"])
@allow(action="plans.edit")
def workbook_check(plan_id):
    return _check(_plan(get_or_404(services.get_plan(plan_id), "plans.edit")))


@bp.route("/<int:plan_id>/workbook/apply", methods=["POST"])
@allow(action="plans.edit")
def workbook_apply(plan_id):
    return _apply(_plan(get_or_404(services.get_plan(plan_id), "plans.edit")),
                  lambda written: ngettext(
                      "%(num)d section of the draft was saved from the workbook.",
                      "%(num)d sections of the draft were saved from the workbook.",
                      len(written)))


# ---------------------------------------------------------------- a monitoring report


@bp.route("/monitoring/<int:report_id>/workbook")
@allow(AUTHENTICATED)
def report_workbook_page(report_id):
    return _page(_report(get_or_404(services.get_report(report_id), "plans.read")))


@bp.route("/monitoring/<int:report_id>/workbook/<any(az, en):wb_lang>.xlsx")
@allow(AUTHENTICATED)
def report_workbook_download(report_id, wb_lang):
    return _download(_report(get_or_404(services.get_report(report_id), "plans.read")),
                     wb_lang)


@bp.route("/monitoring/<int:report_id>/workbook/check", methods=["POST"])
@allow(action="plans.edit")
def report_workbook_check(report_id):
    return _check(_report(get_or_404(services.get_report(report_id), "plans.edit")))


@bp.route("/monitoring/<int:report_id>/workbook/apply", methods=["POST"])
@allow(action="plans.edit")
def report_workbook_apply(report_id):
    return _apply(_report(get_or_404(services.get_report(report_id), "plans.edit")),
                  lambda written: _("The monitoring report's draft was saved from the "
                                    "workbook."))
