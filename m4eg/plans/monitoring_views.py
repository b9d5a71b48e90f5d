"""Monitoring pages: reporting rounds, a plan's monitoring reports (fill in, submit, review,
return, accept, comment, history) and what the plan page shows of them."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.forms import select_choices
from ..core.i18n import current_language
from ..core.markdown import render_plan_text
from ..core.numbers import format_number
from ..core.params import to_int
from ..core.permissions import AUTHENTICATED, allow, can
from ..core.views import act, get_or_404
from ..core.views import submit as submit_form
from ..extensions import db
from . import bp, services, views_extensions
from .forms import ChangesForm, CommentForm
from .monitoring_forms import RoundEditForm, RoundForm, StartReportForm


def _to_report(report_or_id, anchor: str = "") -> str:
    report_id = getattr(report_or_id, "id", report_or_id)
    return url_for("plans.report", report_id=report_id) + anchor


def plan_extras(plan) -> dict:
    """What the plan page shows of checks and monitoring (see plans/_monitoring.html)."""
    lang = current_language()
    form = None
    open_rounds = services.rounds_to_report(plan)
    if open_rounds and can(current_user, "plans.edit", plan):
        form = StartReportForm(formdata=None)
        form.round_id.choices = select_choices((r.id, r.name) for r in open_rounds)
    return {"plan_checks": services.plan_findings(plan, lang)
            if plan.status in services.EDITABLE else [],
            "monitoring_reports": services.reports_of(plan),
            "round_deadlines": views_extensions.round_panels(plan),
            "start_report_form": form, "plan_progress": services.plan_progress(plan, lang)}


@bp.route("/rounds", methods=["GET", "POST"])
@allow(action="plans.review")
def rounds():
    form = RoundForm()
    form.cycle_id.choices = select_choices((c.id, c.name) for c in services.cycles())
    return submit_form(
        form, lambda: services.save_round(
            services.get_cycle(form.cycle_id.data), name=form.name.data,
            starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            deadline=form.deadline.data, reminder_days=form.reminder_days.data),
        page=lambda: render_template("plans/monitoring_rounds.html", form=form,
                                     rounds=services.rounds(),
                                     reports=services.reports_in_rounds(),
                                     overdue=services.overdue_reports()),
        then=url_for("plans.rounds"), done=_("The reporting round has been created."))


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@allow(action="plans.review")
def edit_round(round_id):
    round_ = get_or_404(services.get_round(round_id))
    form = RoundEditForm(obj=round_)

    def page():
        # A stale form (someone saved since): their values beside the form, which keeps what
        # was typed and now carries the version saved, so that saving again is a choice.
        stale = form.is_submitted() and to_int(form.version.data) != round_.version
        if stale:
            form.version.data = str(round_.version)
        return render_template("plans/round_edit.html", form=form, round_=round_,
                               theirs=round_ if stale else None)

    return submit_form(form, lambda version: services.edit_round(
        round_, current_user, version, name=form.name.data, starts_on=form.starts_on.data,
        ends_on=form.ends_on.data, deadline=form.deadline.data,
        reminder_days=form.reminder_days.data),
        page=page, then=url_for("plans.rounds"), done=_("The reporting round has been saved."),
        versioned=True, status=400)


@bp.route("/<int:plan_id>/monitoring", methods=["POST"])
@allow(action="plans.edit")
def start_report(plan_id):
    plan = get_or_404(services.get_plan(plan_id), "plans.edit")
    round_id = to_int(request.form.get("round_id"), minimum=1)
    round_ = services.get_round(round_id) if round_id else None
    return act(lambda: services.start_report(plan, round_, current_user),
               then=lambda report: url_for("plans.edit_report", report_id=report.id),
               refused=url_for("plans.show", plan_id=plan.id) + "#monitoring",
               done=_("The monitoring report has been started."))


def _report_page(report, template="plans/monitoring_show.html", http_status=200, **context):
    lang = current_language()
    actions, targets = services.plan_rows(report)
    editable = report.status in services.REPORT_EDITABLE
    context.setdefault("comment_form", CommentForm(formdata=None))
    context.setdefault("changes_form", ChangesForm(formdata=None))
    if "report_publicity" not in context:
        from .views_public import report_panel

        context.update(report_panel(report))
    return render_template(
        template, report=report, plan=report.plan, lang=lang, actions=actions,
        targets=targets, entries={e["row"]: e for e in report.content.get("actions") or []},
        actuals={e["row"]: e for e in report.content.get("targets") or []},
        narrative=report.content.get("narrative") or {},
        sources=services.source_labels(report.plan, lang),
        statuses=list(services.ActionProgress), needs_reason=services.NEEDS_REASON,
        narrative_fields=services.NARRATIVE, sections=services.SECTIONS,
        missing=services.report_missing(report) if editable else [],
        findings=services.report_findings(report) if editable else [],
        threads=services.report_comments(report),
        return_note=services.return_note(report),
        revisions=services.report_revisions(report),
        round_panel=views_extensions.panel(report.plan, report.round),
        can_edit=editable and can(current_user, "plans.edit", report),
        can_review=can(current_user, "plans.review", report),
        can_comment=can(current_user, "plans.comment", report),
        render_markdown=render_plan_text, format_number=format_number,
        **context), http_status


@bp.route("/monitoring/<int:report_id>")
@allow(AUTHENTICATED)
def report(report_id):
    return _report_page(get_or_404(services.get_report(report_id), "plans.read"))


def _typed(form) -> dict:
    """The form's values as typed, to show again after a refused save."""
    return {key: form.get(key, "") for key in form}


@bp.route("/monitoring/<int:report_id>/edit", methods=["GET", "POST"])
@allow(action="plans.edit")
def edit_report(report_id):
    report = get_or_404(services.get_report(report_id), "plans.edit")
    if request.method == "GET":
        if report.status not in services.REPORT_EDITABLE:
            flash(_("This monitoring report is %(status)s and cannot be edited now.",
                    status=report.status_label), "error")
            return redirect(_to_report(report))
        return _report_page(report, "plans/monitoring_edit.html", typed=None, problems={},
                            version=report.version)
    version = to_int(request.form.get("version"), default=0)
    try:
        services.save_report(report, request.form, current_user, version=version,
                             lang=current_language())
    except services.PlanError as error:
        db.session.rollback()
        conflict = isinstance(error, services.PlanConflict)
        db.session.refresh(report)
        versions = None
        if conflict:
            mine, _problems = services.parse_report(report, request.form, current_language())
            versions = {"theirs": services.report_as_text(report, report.content,
                                                          current_language()),
                        "mine": services.report_as_text(report, mine, current_language()),
                        "by": report.updated_by, "at": report.updated_at}
        return _report_page(report, "plans/monitoring_edit.html", 409 if conflict else 400,
                            typed=_typed(request.form), problems=error.problems,
                            message=error.message, conflict=versions,
                            version=report.version if conflict else version)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(_to_report(report, "#checks" if request.form.get("check") else ""))


@bp.route("/monitoring/<int:report_id>/submit", methods=["GET", "POST"])
@allow(action="plans.edit")
def submit_report(report_id):
    report = get_or_404(services.get_report(report_id), "plans.edit")
    if request.method == "GET":
        return _report_page(report, "plans/monitoring_confirm.html", action="submit")
    return act(lambda: services.submit_report(report, current_user), then=_to_report(report),
               refused=_to_report(report, "#checks"),
               done=_("The monitoring report has been submitted. Coordinators have been "
                      "told."))


@bp.route("/monitoring/<int:report_id>/review", methods=["POST"])
@allow(action="plans.review")
def review_report(report_id):
    report = get_or_404(services.get_report(report_id), "plans.review")
    return act(lambda: services.start_report_review(report, current_user),
               then=_to_report(report), done=_("The monitoring report is now in review."))


@bp.route("/monitoring/<int:report_id>/accept", methods=["GET", "POST"])
@allow(action="plans.review")
def accept_report(report_id):
    report = get_or_404(services.get_report(report_id), "plans.review")
    if request.method == "GET":
        return _report_page(report, "plans/monitoring_confirm.html", action="accept")
    return act(lambda: services.accept_report(report, current_user), then=_to_report(report),
               done=_("The monitoring report has been accepted."))


@bp.route("/monitoring/<int:report_id>/return", methods=["POST"])
@allow(action="plans.review")
def return_report(report_id):
    report = get_or_404(services.get_report(report_id), "plans.review")
    form = ChangesForm()
    return submit_form(form, lambda: services.return_report(report, current_user,
                                                            form.note.data),
                       then=_to_report(report), status=400,
                       page=lambda: _report_page(report, changes_form=form)[0],
                       done=_("The monitoring report has been returned for changes. The "
                              "focal points have been told."))


@bp.route("/monitoring/<int:report_id>/comments", methods=["POST"])
@allow(AUTHENTICATED)
def report_comment(report_id):
    report = get_or_404(services.get_report(report_id), "plans.comment")
    form = CommentForm()
    return submit_form(form, lambda: services.add_report_comment(
        report, form.block.data, form.body.data, current_user,
        parent_id=to_int(form.parent.data, minimum=1)),
        then=lambda comment: _to_report(report, f"#section-{comment.block_key}"), status=400,
        page=lambda: _report_page(report, comment_form=form)[0],
        done=_("Your comment has been added."))


@bp.route("/monitoring/<int:report_id>/comments/<int:comment_id>/resolve",
          methods=["POST"])
@allow(AUTHENTICATED)
def resolve_report_comment(report_id, comment_id):
    report = get_or_404(services.get_report(report_id), "plans.comment")
    comment = get_or_404(services.get_report_comment(report, comment_id))
    return act(lambda: services.resolve_report_comment(
        report, comment, current_user, resolved=request.form.get("reopen") != "1"),
        then=_to_report(report, f"#section-{comment.block_key}"))


@bp.route("/monitoring/<int:report_id>/history")
@allow(AUTHENTICATED)
def report_history(report_id):
    report = get_or_404(services.get_report(report_id), "plans.read")
    revisions = services.report_revisions(report)
    a, b, comparison = services.compare_revisions(
        revisions, to_int(request.args.get("a")), to_int(request.args.get("b")),
        report.content,
        lambda old, new: services.report_diff(report, old, new, current_language()))
    return render_template("plans/monitoring_history.html", report=report, plan=report.plan,
                           entries=services.report_history(report), revisions=revisions,
                           comparison=comparison, a=a, b=b)
