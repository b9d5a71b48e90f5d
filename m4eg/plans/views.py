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
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_login import current_user

from ..core import rescue
from ..core.exports import table_response
from ..core.forms import select_choices
from ..core.i18n import current_language
from ..core.markdown import render_plan_text
from ..core.numbers import format_number
from ..core.params import to_int
from ..core.permissions import AUTHENTICATED, allow, authorize, can
from ..core.time import utcnow
from ..core.views import act, get_or_404
from ..core.views import submit as submit_form
from ..extensions import db
from ..municipalities import services as municipalities
from ..readiness import services as readiness
from . import blockform, bp, services
from .forms import ChangesForm, CommentForm, CycleForm, StartForm
from .monitoring_views import plan_extras
from .pdf import plan_pdf


def _to_plan(plan_or_id, anchor: str = "") -> str:
    plan_id = getattr(plan_or_id, "id", plan_or_id)
    return url_for("plans.show", plan_id=plan_id) + anchor


@bp.route("/")
@allow(action="plans.browse")
def index():
    if can(current_user, "plans.review"):
        return redirect(url_for("plans.queue"))
    if not can(current_user, "plans.list", current_user.municipality_id):
        return render_template("plans/index.html", plans=[], form=None, can_start=False,
                               unconfirmed=True)
    form = StartForm()
    started = {p.cycle_id for p in services.plans_of(current_user.municipality_id)}
    form.cycle_id.choices = select_choices(
        (c.id, c.name) for c in services.cycles() if c.id not in started)
    return render_template("plans/index.html", plans=services.plans_of(
        current_user.municipality_id), form=form,
        can_start=can(current_user, "plans.start", current_user.municipality_id))


@bp.route("/start", methods=["POST"])
@allow(action="plans.start")
def start():
    authorize("plans.start", current_user.municipality_id)
    cycle_id = to_int(request.form.get("cycle_id"), minimum=1)
    cycle = services.get_cycle(cycle_id) if cycle_id else None
    template = services.latest_template()
    if cycle is None or template is None:
        flash(_("Choose a planning cycle."), "error")
        return redirect(url_for("plans.index"))
    return act(lambda: services.start_plan(current_user.municipality_id, cycle, current_user,
                                           template),
               then=_to_plan, refused=url_for("plans.index"))


QUEUE_PAGE = 50


@bp.route("/queue")
@allow(action="plans.review")
def queue():
    filters = _queue_filters()
    after = to_int(request.args.get("after"), minimum=1)
    plans = services.queue(**filters, after=after, limit=QUEUE_PAGE + 1)
    following = plans[QUEUE_PAGE - 1].id if len(plans) > QUEUE_PAGE else None
    return render_template("plans/queue.html", plans=plans[:QUEUE_PAGE], filters=filters,
                           total=services.queue_count(**filters), following=following,
                           continued=after is not None, page_size=QUEUE_PAGE,
                           cycles=services.cycles(), regions=municipalities.regions(),
                           services=services)


def _queue_filters() -> dict:
    status = request.args.get("status", "")
    region = request.args.get("region", "")
    return {"status": services.PlanStatus.parse(status) or "",
            "cycle_id": to_int(request.args.get("cycle"), minimum=1),
            "region": region if region in {r.code for r in municipalities.regions()} else "",
            "overdue": request.args.get("overdue") == "1"}


@bp.route("/queue.<any(csv, xlsx):fmt>")
@allow(action="plans.review")
def export_queue(fmt):
    # For people (headers and values in the page's language); the API keeps the keys.
    rows = [[_("Municipality"), _("Cycle"), _("Status"), _("Deadline"), _("Days left"),
             _("Submitted"), _("Revisions")]]
    plans = services.queue(**_queue_filters())
    revisions = services.revision_counts([plan.id for plan in plans])
    for plan in plans:
        rows.append([plan.municipality.name, plan.cycle.name, str(plan.status_label),
                     format_date(services.deadline_for(plan)),
                     services.days_left(plan) if plan.status in services.EDITABLE else "",
                     format_date(plan.submitted_at) if plan.submitted_at else "",
                     revisions.get(plan.id, 0)])
    return table_response(rows, fmt, "m4eg-p4eg-plans", sheet_title="Plans")


@bp.route("/cycles", methods=["GET", "POST"])
@allow(action="plans.review")
def cycles():
    form = CycleForm()
    return submit_form(
        form, lambda: services.save_cycle(None, name=form.name.data,
                                          deadline=form.deadline.data,
                                          reminder_days=form.reminder_days.data),
        page=lambda: render_template("plans/cycles.html", form=form,
                                     cycles=services.cycles()),
        then=url_for("plans.cycles"), done=_("The cycle has been created."))


def _readiness(plan):
    """The municipality's readiness profile for the diagnostic block, when data exists."""
    if plan.municipality.type != "village":
        return None
    data = readiness.profile_for_municipality(plan.municipality.code)
    if data is None:
        return None
    return {"data": data, "classes": readiness.classes(), "dimensions": readiness.DIMENSIONS,
            "labels": readiness.DIMENSION_LABELS, "demo": readiness.has_demo_values("village")}


def _overview(plan, http_status=200, **extra):
    lang = current_language()
    done, sections = services.progress(plan)
    return render_template(
        "plans/show.html", plan=plan, lang=lang, missing=services.missing(plan),
        comments=services.comments(plan), open_counts=services.open_comment_counts(plan),
        revisions=services.revisions(plan), budget=services.budget_tables(plan, lang),
        days_left=services.days_left(plan), reviewer_note=services.reviewer_note(plan),
        steps=services.steps(plan), done=done, sections=sections,
        complete=services.complete_blocks(plan),
        can_edit=can(current_user, "plans.edit", plan) and plan.status in services.EDITABLE,
        can_review=can(current_user, "plans.review", plan),
        can_comment=can(current_user, "plans.comment", plan),
        comment_form=extra.pop("comment_form", None) or CommentForm(formdata=None),
        changes_form=extra.pop("changes_form", None) or ChangesForm(formdata=None),
        render_markdown=render_plan_text, readiness=_readiness(plan),
        **{**_panels(plan), **plan_extras(plan), **extra}), http_status


def _panels(plan) -> dict:
    """The plan page's panels of the open plans and the deadline extensions."""
    from . import views_extensions, views_public

    return {**views_public.panel(plan), **views_extensions.panel(plan)}


@bp.route("/<int:plan_id>")
@allow(AUTHENTICATED)
def show(plan_id):
    return _overview(get_or_404(services.get_plan(plan_id), "plans.read"))


def _block_page(plan, block, http_status=200, **context):
    """The block editor: the form, the block's comment threads and, after a refused save,
    the problems per field and cell or the other person's version beside the user's."""
    lang = current_language()
    context.setdefault("values", (plan.content or {}).get(block["key"], {}))
    context.setdefault("version", plan.block_version(block["key"]))
    context.setdefault("problems", {})
    return render_template(
        "plans/block.html", plan=plan, block=block, lang=lang, extra_rows=_extra_rows(block),
        threads=services.comments(plan).get(block["key"], []),
        can_comment=can(current_user, "plans.comment", plan),
        comment_form=CommentForm(formdata=None), next_block=services.next_block(
            plan, block["key"]), complete=services.complete_blocks(plan),
        render_markdown=render_plan_text,
        format_number=format_number, is_year=services.is_year, **context), http_status


def _typed_version() -> int:
    return to_int(request.form.get(blockform.VERSION), default=0)


@bp.route("/<int:plan_id>/blocks/<block_key>", methods=["GET", "POST"])
@allow(action="plans.edit")
def edit_block(plan_id, block_key):
    plan = get_or_404(services.get_plan(plan_id), "plans.edit")
    block = plan.template.block(block_key)
    if block is None:
        abort(404)
    if request.method == "GET":
        restored = rescue.restore(request.path, request.args.get("restore"))
        if restored is not None:
            return _block_page(plan, block, values=blockform.typed(block, restored),
                               version=to_int(restored.get(blockform.VERSION), default=0),
                               message=_("Your text from before you signed in again is back "
                                         "in the form. It is not saved yet: check it and "
                                         "press Save."))
        return _block_page(plan, block)
    autosave = request.headers.get("X-Autosave") == "1"
    if request.form.get("preview") and not autosave:
        return _block_page(plan, block, values=blockform.typed(block, request.form),
                           version=_typed_version(), preview=True)
    try:
        services.save_block(plan, block_key, request.form, current_user,
                            version=_typed_version(), lang=current_language())
    except services.PlanError as error:
        db.session.rollback()
        conflict = isinstance(error, services.PlanConflict)
        if autosave:
            return jsonify(ok=False, message=str(error.message), conflict=conflict,
                           problems={k: [str(m) for m in v] for k, v in error.problems.items()}
                           ), 409 if conflict else 400
        versions = services.conflict_versions(plan, block_key, request.form,
                                              current_language()) if conflict else None
        return _block_page(plan, block, 409 if conflict else 400,
                           values=blockform.typed(block, request.form), problems=error.problems,
                           message=error.message, conflict=versions,
                           version=versions["version"] if conflict else _typed_version())
    db.session.commit()
    if autosave:
        return jsonify(ok=True, version=plan.block_version(block_key),
                       saved_at=format_time(utcnow(), "short"))
    return _after_save(plan, block)


def _after_save(plan, block):
    added = request.form.get("add_row")
    if added in {f["key"] for f in block["fields"] if f["type"] == "table"}:
        return redirect(url_for("plans.edit_block", plan_id=plan.id, block_key=block["key"],
                                add=added) + f"#field-{added}")
    flash(_("Saved."), "success")
    following = services.next_block(plan, block["key"])
    if request.form.get("next") and following is not None:
        return redirect(url_for("plans.edit_block", plan_id=plan.id,
                                block_key=following["key"]))
    return redirect(url_for("plans.show", plan_id=plan.id) + f"#block-{block['key']}")


@rescue.rescues("plans.edit_block")
def _rescue_block(signed_in: bool):
    """Save pressed after the session (or the form's token) expired: the typed text comes
    back in the form, never lost."""
    args = request.view_args or {}
    plan = services.get_plan(args.get("plan_id", 0))
    block = plan.template.block(args.get("block_key", "")) if plan else None
    if block is None:
        return None
    if request.headers.get("X-Autosave") == "1":
        return jsonify(ok=False, signed_out=not signed_in, message=_(
            "Not saved: the page has expired. Press Save to send your text again.")
            if signed_in else _("Not saved: you are signed out. Your text is kept in this "
                                "browser.")), 401
    values = blockform.typed(block, request.form)
    if signed_in:
        if not can(current_user, "plans.edit", plan):
            return None
        return _block_page(plan, block, 400, values=values, version=_typed_version(),
                           message=_("This page was open so long that its security check "
                                     "expired. Your text is below, not saved yet: press Save "
                                     "again."))
    token = rescue.stash(request.path, request.form)
    login = url_for("accounts.login", next=f"{request.path}?restore={token}")
    return render_template("plans/block.html", plan=None, block=block,
                           lang=current_language(), values=values, problems={},
                           version=_typed_version(), extra_rows=_extra_rows(block),
                           signed_out=True, login_url=login, threads=[], can_comment=False,
                           next_block=None, format_number=format_number,
                           is_year=services.is_year, render_markdown=render_plan_text), 401


def _extra_rows(block) -> dict[str, int]:
    """Blank rows to offer under each table: one, plus one more per "add a row" click."""
    added = request.args.get("add", "")
    return {f["key"]: 2 if f["key"] == added else 1
            for f in block["fields"] if f["type"] == "table"}


@bp.route("/<int:plan_id>/submit", methods=["GET", "POST"])
@allow(action="plans.edit")
def submit(plan_id):
    plan = get_or_404(services.get_plan(plan_id), "plans.edit")
    if request.method == "GET":
        return render_template("plans/confirm.html", plan=plan, action="submit",
                               missing=services.missing(plan), lang=current_language())
    # An incomplete plan is refused by the service (its message is flashed).
    return act(lambda: services.submit(plan, current_user), then=_to_plan(plan),
               refused=_to_plan(plan, "#submit-heading"),
               done=_("The plan has been submitted. Coordinators have been told."))


def _review_action(plan_id, action, message):
    plan = get_or_404(services.get_plan(plan_id), "plans.review")
    return act(lambda: action(plan), then=_to_plan(plan), done=message)


@bp.route("/<int:plan_id>/review", methods=["POST"])
@allow(action="plans.review")
def start_review(plan_id):
    return _review_action(plan_id, lambda p: services.start_review(p, current_user),
                          _("The plan is now in review."))


@bp.route("/<int:plan_id>/approve", methods=["GET", "POST"])
@allow(action="plans.review")
def approve(plan_id):
    if request.method == "GET":
        plan = get_or_404(services.get_plan(plan_id), "plans.review")
        return render_template("plans/confirm.html", plan=plan, action="approve", missing=[],
                               lang=current_language())
    return _review_action(plan_id, lambda p: services.approve(p, current_user),
                          _("The plan has been approved."))


@bp.route("/<int:plan_id>/request-changes", methods=["POST"])
@allow(action="plans.review")
def request_changes(plan_id):
    plan = get_or_404(services.get_plan(plan_id), "plans.review")
    form = ChangesForm()
    if request.form.get("confirmed") != "1" and form.validate_on_submit():
        # The note written on the plan page: asked once more, on a page of its own.
        return render_template("plans/confirm.html", plan=plan, action="request_changes",
                               form=form)
    # Posted from the plan page: shown again with the errors, it answers 400.
    return submit_form(form, lambda: services.request_changes(plan, current_user, form.note.data),
                  then=_to_plan(plan), status=400,
                  page=lambda: _overview(plan, changes_form=form)[0],
                  done=_("Changes have been requested. The focal points have been told."))


def _back_to_block(plan, block_key) -> str:
    """Back where the comment was written: the block editor or the plan page."""
    if request.form.get("from") == "editor" and can(current_user, "plans.edit", plan):
        return url_for("plans.edit_block", plan_id=plan.id, block_key=block_key) + "#comments"
    return _to_plan(plan, f"#block-{block_key}")


@bp.route("/<int:plan_id>/comments", methods=["POST"])
@allow(AUTHENTICATED)
def comment(plan_id):
    plan = get_or_404(services.get_plan(plan_id), "plans.comment")
    form = CommentForm()
    return submit_form(form, lambda: services.add_comment(
        plan, form.block.data, form.body.data, current_user,
        parent_id=to_int(form.parent.data, minimum=1)),
        then=lambda comment: _back_to_block(plan, comment.block_key), status=400,
        page=lambda: _overview(plan, comment_form=form)[0])


@bp.route("/<int:plan_id>/comments/<int:comment_id>/resolve", methods=["POST"])
@allow(AUTHENTICATED)
def resolve_comment(plan_id, comment_id):
    plan = get_or_404(services.get_plan(plan_id), "plans.comment")
    comment = get_or_404(services.get_comment(plan, comment_id))
    return act(lambda: services.resolve_comment(comment, current_user,
                                                resolved=request.form.get("reopen") != "1"),
               then=_back_to_block(plan, comment.block_key))


@bp.route("/<int:plan_id>/history")
@allow(AUTHENTICATED)
def history(plan_id):
    plan = get_or_404(services.get_plan(plan_id), "plans.read")
    revisions = services.revisions(plan)
    a, b, comparison = services.compare_revisions(
        revisions, to_int(request.args.get("a")), to_int(request.args.get("b")), plan.content,
        lambda old, new: services.diff(plan.template, old, new, current_language()))
    return render_template("plans/history.html", plan=plan,
                           entries=services.history(plan, current_language()),
                           revisions=revisions, comparison=comparison, a=a, b=b)


@bp.route("/<int:plan_id>/print")
@allow(AUTHENTICATED)
def print_view(plan_id):
    plan = get_or_404(services.get_plan(plan_id), "plans.read")
    lang = current_language()
    return render_template("plans/print.html", plan=plan, lang=lang,
                           budget=services.budget_tables(plan, lang),
                           revisions=services.revisions(plan), render_markdown=render_plan_text)


@bp.route("/<int:plan_id>.pdf")
@allow(AUTHENTICATED)
def pdf(plan_id):
    plan = get_or_404(services.get_plan(plan_id), "plans.read")
    lang = current_language()
    return Response(plan_pdf(plan, lang), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="p4eg-plan-{plan.id}-{lang}.pdf"'})


def member_section(municipality):
    """The member page's P4EG plan section (registered in ``init_app``)."""
    return render_template("plans/_member_section.html",
                           plans=services.status_for(municipality.id),
                           public={p.id for p in services.open_plans_of(municipality.id)})
