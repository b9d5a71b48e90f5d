"""Deadline extensions and cycle edits: a focal point asks for more time, coordinators
grant or refuse it and edit a cycle's deadline and reminder days (m4eg/plans/extensions.py
holds the rules)."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import versions
from ..core.audit import record
from ..core.permissions import allow, can
from ..core.views import get_or_404
from ..core.views import submit as submit_form
from . import bp, extensions, services
from .forms_open import CycleEditForm, ExtensionRequestForm, GrantForm, RefuseForm


def panel(plan, round_=None) -> dict:
    """What a page shows of a deadline of the plan (its cycle's, or with ``round_`` that of
    its monitoring report for the round): the date in force and any request."""
    subject = round_ or plan.cycle
    request_ = extensions.request_for(plan.municipality_id, subject)
    deadline = extensions.deadline_for(plan.municipality_id, subject)
    return {"deadline": deadline, "extended": deadline != subject.deadline,
            "extension": request_, "round_": round_,
            "can_ask": (request_ is None and can(current_user, "plans.edit", plan)
                        and extensions.may_ask(plan, subject))}


def round_panels(plan) -> list[dict]:
    """The deadline panel of each reporting round of an approved plan's cycle."""
    if plan.status != services.PlanStatus.APPROVED:
        return []
    return [panel(plan, round_) for round_ in reversed(services.rounds(plan.cycle_id))]


@bp.route("/<int:plan_id>/extension", methods=["GET", "POST"])
@bp.route("/<int:plan_id>/rounds/<int:round_id>/extension", methods=["GET", "POST"])
@allow(action="plans.edit")
def ask_extension(plan_id, round_id=None):
    plan = get_or_404(services.get_plan(plan_id), "plans.edit")
    round_ = get_or_404(services.get_round(round_id)) if round_id is not None else None
    form = ExtensionRequestForm()
    back = url_for("plans.show", plan_id=plan.id) + ("#monitoring" if round_ else "#deadline")
    return submit_form(
        form, lambda: extensions.ask(plan, current_user, form.reason.data, round_=round_),
        page=lambda: render_template(
            "plans/extension_ask.html", plan=plan, form=form, back=back,
            refused=extensions.why_not(plan, round_ or plan.cycle), **panel(plan, round_)),
        then=back, done=_("Your request has been sent. The coordinators will answer it."),
        status=400)


@bp.route("/extensions")
@allow(action="plans.review")
def extension_list():
    return _list_page()


def _list_page(forms=None, http_status=200):
    forms = forms or {}
    return render_template("plans/extensions.html", requests=extensions.requests(),
                           deadline_in_force=extensions.deadline_in_force,
                           grant_forms=forms.get("grant", {}),
                           refuse_forms=forms.get("refuse", {}),
                           GrantForm=GrantForm, RefuseForm=RefuseForm), http_status


def _decision(request_id, form, decide, done):
    extension = get_or_404(extensions.get_request(request_id))
    kind = "grant" if isinstance(form, GrantForm) else "refuse"
    return submit_form(form, lambda: decide(extension),
                       page=lambda: _list_page({kind: {extension.id: form}})[0],
                       then=url_for("plans.extension_list"), done=done, status=400)


@bp.route("/extensions/<int:request_id>/grant", methods=["POST"])
@allow(action="plans.review")
def grant_extension(request_id):
    form = GrantForm(prefix=f"g{request_id}")
    return _decision(request_id, form, lambda extension: extensions.grant(
        extension, current_user, form.new_deadline.data, form.note.data),
        _("The extension has been granted. The focal points have been told."))


@bp.route("/extensions/<int:request_id>/refuse", methods=["POST"])
@allow(action="plans.review")
def refuse_extension(request_id):
    form = RefuseForm(prefix=f"r{request_id}")
    return _decision(request_id, form, lambda extension: extensions.refuse(
        extension, current_user, form.note.data),
        _("The request has been refused. The focal points have been told."))


@bp.route("/cycles/<int:cycle_id>/edit", methods=["GET", "POST"])
@allow(action="plans.review")
def edit_cycle(cycle_id):
    cycle = get_or_404(services.get_cycle(cycle_id))
    form = CycleEditForm(obj=cycle)
    return submit_form(form, lambda version: _save_cycle(cycle, form, version),
                       page=lambda: render_template("plans/cycle_edit.html", form=form,
                                                    cycle=cycle),
                       then=url_for("plans.cycles"), done=_("The cycle has been saved."),
                       versioned=True)


def _save_cycle(cycle, form, version):
    before = {"name": cycle.name, "deadline": cycle.deadline.isoformat(),
              "reminder_days": cycle.reminder_days}
    versions.claim(cycle, version, services.PlanConflict(_(
        "Someone else saved this cycle after you opened it. Reload the page to see their "
        "version.")))
    saved = services.save_cycle(cycle, name=form.name.data, deadline=form.deadline.data,
                                reminder_days=form.reminder_days.data)
    record("plans.cycle_edited", actor=current_user, target=saved, before=before,
           after={"name": saved.name, "deadline": saved.deadline.isoformat(),
                  "reminder_days": saved.reminder_days})
    return saved
