"""Plan pages: the municipality's plans, block editing, review, history, diff, print/PDF."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..core.exports import csv_response, xlsx_response
from ..core.forms import add_error, select_choices
from ..core.i18n import current_language
from ..core.markdown import render_markdown
from ..core.params import to_int
from ..core.permissions import AUTHENTICATED, allow, authorize, can
from ..extensions import db
from ..municipalities import services as municipalities
from ..readiness import services as readiness
from ..readiness.compute import DIMENSIONS
from ..readiness.labels import DIMENSION_LABELS
from . import bp, services
from .forms import ChangesForm, CommentForm, CycleForm, StartForm
from .models import PLAN_STATUSES
from .pdf import plan_pdf


def _plan_or_404(plan_id: int, action: str = "plans.read"):
    plan = services.get_plan(plan_id)
    if plan is None:
        abort(404)
    authorize(action, plan)
    return plan


@bp.route("/")
@allow(AUTHENTICATED)
def index():
    if can(current_user, "plans.review"):
        return redirect(url_for("plans.queue"))
    if current_user.municipality_id is None:
        abort(403)
    form = StartForm()
    started = {p.cycle_id for p in services.plans_of(current_user.municipality_id)}
    form.cycle_id.choices = select_choices(
        (c.id, c.name) for c in services.cycles() if c.id not in started)
    return render_template("plans/index.html", plans=services.plans_of(
        current_user.municipality_id), form=form,
        can_start=can(current_user, "plans.start", current_user.municipality_id))


@bp.route("/start", methods=["POST"])
@allow("focal_point")
def start():
    if not can(current_user, "plans.start", current_user.municipality_id):
        abort(403)
    cycle_id = to_int(request.form.get("cycle_id"), minimum=1)
    cycle = services.get_cycle(cycle_id) if cycle_id else None
    template = services.latest_template()
    if cycle is None or template is None:
        flash(_("Choose a planning cycle."), "error")
        return redirect(url_for("plans.index"))
    try:
        plan = services.start_plan(current_user.municipality_id, cycle, current_user, template)
    except services.PlanError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("plans.index"))
    db.session.commit()
    return redirect(url_for("plans.show", plan_id=plan.id))


QUEUE_PAGE = 50


@bp.route("/queue")
@allow("coordinator")
def queue():
    authorize("plans.review")
    filters = _queue_filters()
    after = to_int(request.args.get("after"), minimum=1)
    plans = services.queue(**filters, after=after, limit=QUEUE_PAGE + 1)
    following = plans[QUEUE_PAGE - 1].id if len(plans) > QUEUE_PAGE else None
    return render_template("plans/queue.html", plans=plans[:QUEUE_PAGE], filters=filters,
                           total=services.queue_count(**filters), following=following,
                           continued=after is not None, page_size=QUEUE_PAGE,
                           statuses=PLAN_STATUSES,
                           cycles=services.cycles(), regions=municipalities.regions(),
                           services=services)


def _queue_filters() -> dict:
    status = request.args.get("status", "")
    region = request.args.get("region", "")
    return {"status": status if status in PLAN_STATUSES else "",
            "cycle_id": to_int(request.args.get("cycle"), minimum=1),
            "region": region if region in {r.code for r in municipalities.regions()} else "",
            "overdue": request.args.get("overdue") == "1"}


@bp.route("/queue.<any(csv, xlsx):fmt>")
@allow("coordinator")
def export_queue(fmt):
    authorize("plans.review")
    rows = [["municipality", "cycle", "status", "deadline", "days_left", "submitted_at",
             "revisions"]]
    plans = services.queue(**_queue_filters())
    revisions = services.revision_counts([plan.id for plan in plans])
    for plan in plans:
        rows.append([plan.municipality.name_en, plan.cycle.name, plan.status,
                     plan.cycle.deadline.isoformat(), services.days_left(plan),
                     plan.submitted_at.isoformat() if plan.submitted_at else "",
                     revisions.get(plan.id, 0)])
    if fmt == "csv":
        return csv_response(rows, "m4eg-p4eg-plans.csv")
    return xlsx_response(rows, "m4eg-p4eg-plans.xlsx", sheet_title="Plans")


@bp.route("/cycles", methods=["GET", "POST"])
@allow("coordinator")
def cycles():
    authorize("plans.review")
    form = CycleForm()
    if form.validate_on_submit():
        try:
            services.save_cycle(None, name=form.name.data, deadline=form.deadline.data,
                                reminder_days=form.reminder_days.data)
        except services.PlanError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash(_("The cycle has been created."), "success")
            return redirect(url_for("plans.cycles"))
    return render_template("plans/cycles.html", form=form, cycles=services.cycles())


def _readiness(plan):
    """The municipality's readiness profile for the diagnostic block, when data exists."""
    if plan.municipality.type != "village":
        return None
    data = readiness.profile_for_municipality(plan.municipality.code)
    if data is None:
        return None
    return {"data": data, "classes": readiness.classes(), "dimensions": DIMENSIONS,
            "labels": DIMENSION_LABELS, "demo": readiness.has_demo_values("village")}


def _overview(plan, http_status=200, **extra):
    lang = current_language()
    return render_template(
        "plans/show.html", plan=plan, lang=lang, missing=services.missing(plan),
        comments=services.comments(plan), revisions=services.revisions(plan),
        totals=services.totals(plan), days_left=services.days_left(plan),
        can_edit=can(current_user, "plans.edit", plan) and plan.status in services.EDITABLE,
        can_review=can(current_user, "plans.review", plan),
        can_comment=can(current_user, "plans.comment", plan),
        comment_form=extra.pop("comment_form", None) or CommentForm(formdata=None),
        changes_form=extra.pop("changes_form", None) or ChangesForm(formdata=None),
        render_markdown=render_markdown, readiness=_readiness(plan), **extra), http_status


@bp.route("/<int:plan_id>")
@allow(AUTHENTICATED)
def show(plan_id):
    return _overview(_plan_or_404(plan_id))


@bp.route("/<int:plan_id>/blocks/<block_key>", methods=["GET", "POST"])
@allow("focal_point")
def edit_block(plan_id, block_key):
    plan = _plan_or_404(plan_id, "plans.edit")
    block = plan.template.block(block_key)
    if block is None:
        abort(404)
    lang, problems, message = current_language(), {}, None
    values = (plan.content or {}).get(block_key, {})
    if request.method == "POST":
        autosave = request.headers.get("X-Autosave") == "1"
        version = to_int(request.form.get("version"), default=0)
        try:
            services.save_block(plan, block_key, request.form, current_user, version=version,
                                lang=lang)
        except services.PlanError as error:
            db.session.rollback()
            conflict = isinstance(error, services.PlanConflict)
            if autosave:
                return jsonify(ok=False, message=str(error.message),
                               conflict=conflict), 409 if conflict else 400
            problems, message = error.problems, error.message
            values = _as_typed(block, request.form)
            status = 409 if conflict else 400
            return render_template("plans/block.html", plan=plan, block=block, lang=lang,
                                   values=values, problems=problems, message=message,
                                   version=version, extra_rows=_extra_rows(block)), status
        db.session.commit()
        if autosave:
            return jsonify(ok=True, version=plan.version)
        added = request.form.get("add_row")
        if added:
            return redirect(url_for("plans.edit_block", plan_id=plan.id, block_key=block_key,
                                    add=added) + f"#field-{added}")
        flash(_("Saved."), "success")
        return redirect(url_for("plans.show", plan_id=plan.id) + f"#block-{block_key}")
    return render_template("plans/block.html", plan=plan, block=block, lang=lang,
                           values=values, problems=problems, message=message,
                           version=plan.version, extra_rows=_extra_rows(block))


def _as_typed(block, form) -> dict:
    """The block's values exactly as the user typed them, to show again after an error."""
    values = {}
    for field in block["fields"]:
        key = field["key"]
        if field["type"] != "table":
            values[key] = form.get(f"f-{key}", "")
            continue
        count = form.get(f"rows-{key}", "0")
        rows = []
        for index in range(to_int(count, default=0, maximum=500)):
            row = {c["key"]: form.get(f"t-{key}-{index}-{c['key']}", "")
                   for c in field["columns"]}
            if any(value.strip() for value in row.values()):
                rows.append(row)
        values[key] = rows
    return values


def _extra_rows(block) -> dict[str, int]:
    """Blank rows to offer under each table: one, plus one more per "add a row" click."""
    added = request.args.get("add", "")
    return {f["key"]: 2 if f["key"] == added else 1
            for f in block["fields"] if f["type"] == "table"}


@bp.route("/<int:plan_id>/submit", methods=["POST"])
@allow("focal_point")
def submit(plan_id):
    plan = _plan_or_404(plan_id, "plans.edit")
    try:
        services.submit(plan, current_user)
    except services.PlanError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _overview(plan, 400)
    db.session.commit()
    flash(_("The plan has been submitted. Coordinators have been told."), "success")
    return redirect(url_for("plans.show", plan_id=plan.id))


def _review_action(plan_id, action, message):
    plan = _plan_or_404(plan_id, "plans.review")
    try:
        action(plan)
    except services.PlanError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _overview(plan, 400)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("plans.show", plan_id=plan.id))


@bp.route("/<int:plan_id>/review", methods=["POST"])
@allow("coordinator")
def start_review(plan_id):
    return _review_action(plan_id, lambda p: services.start_review(p, current_user),
                          _("The plan is now in review."))


@bp.route("/<int:plan_id>/approve", methods=["POST"])
@allow("coordinator")
def approve(plan_id):
    return _review_action(plan_id, lambda p: services.approve(p, current_user),
                          _("The plan has been approved."))


@bp.route("/<int:plan_id>/request-changes", methods=["POST"])
@allow("coordinator")
def request_changes(plan_id):
    plan = _plan_or_404(plan_id, "plans.review")
    form = ChangesForm()
    if form.validate():
        try:
            services.request_changes(plan, current_user, form.note.data)
        except services.PlanError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash(_("Changes have been requested. The focal points have been told."), "success")
            return redirect(url_for("plans.show", plan_id=plan.id))
    return _overview(plan, 400, changes_form=form)


@bp.route("/<int:plan_id>/comments", methods=["POST"])
@allow(AUTHENTICATED)
def comment(plan_id):
    plan = _plan_or_404(plan_id, "plans.comment")
    form = CommentForm()
    if form.validate():
        try:
            services.add_comment(plan, form.block.data, form.body.data, current_user)
        except services.PlanError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("plans.show", plan_id=plan.id) + f"#block-{form.block.data}")
    return _overview(plan, 400, comment_form=form)


@bp.route("/<int:plan_id>/history")
@allow(AUTHENTICATED)
def history(plan_id):
    plan = _plan_or_404(plan_id)
    revisions = services.revisions(plan)
    numbers = [r.number for r in revisions]
    a = to_int(request.args.get("a"))
    b = to_int(request.args.get("b"))
    comparison = None
    if len(revisions) >= 2:
        a = a if a in numbers else numbers[-2]
        b = b if b in numbers else numbers[-1]
        by_number = {r.number: r for r in revisions}
        comparison = services.diff(plan.template, by_number[a].content, by_number[b].content,
                                   current_language())
    elif len(revisions) == 1:
        comparison = services.diff(plan.template, revisions[0].content, plan.content,
                                   current_language())
    return render_template("plans/history.html", plan=plan, events=services.events(plan),
                           revisions=revisions, comparison=comparison, a=a, b=b)


@bp.route("/<int:plan_id>/print")
@allow(AUTHENTICATED)
def print_view(plan_id):
    plan = _plan_or_404(plan_id)
    return render_template("plans/print.html", plan=plan, lang=current_language(),
                           totals=services.totals(plan), render_markdown=render_markdown)


@bp.route("/<int:plan_id>.pdf")
@allow(AUTHENTICATED)
def pdf(plan_id):
    plan = _plan_or_404(plan_id)
    lang = current_language()
    return Response(plan_pdf(plan, lang), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="p4eg-plan-{plan.id}-{lang}.pdf"'})
