"""Open plans: the public list of approved plans, a public page per plan under its member's
page, and the coordinators' withholding of a plan (m4eg/plans/openplans.py holds the
rules)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.cache import cached_page
from ..core.i18n import current_language
from ..core.markdown import render_plan_text
from ..core.params import to_int
from ..core.permissions import PUBLIC, allow, can
from ..core.sections import render_sections
from ..core.views import act, get_or_404
from ..core.views import submit as submit_form
from ..municipalities import services as municipalities
from . import bp, openplans, services
from .forms_open import WithholdForm


@bp.route("/open")
@cached_page
@allow(PUBLIC)
def open_list():
    filters = openplans.OpenFilters.from_args(request.args)
    page = to_int(request.args.get("page"), default=1, minimum=1, maximum=100_000)
    return render_template(
        "plans/public_list.html", pagination=openplans.open_plans(filters, page=page),
        filters=filters, years=openplans.open_years(), regions=municipalities.regions(),
        rayons=sorted(municipalities.rayons(), key=lambda r: _sort_key(r.name)),
        types=municipalities.MunicipalityType)


def _sort_key(text: str):
    from ..core.text import az_sort_key

    return az_sort_key(text) if current_language() == "az" else text.casefold()


@cached_page
@allow(PUBLIC)
def open_plan(slug, plan_id):
    """The public page of a plan, under its member's page (registered in ``init_app``)."""
    plan = get_or_404(openplans.get_open_plan(plan_id))
    if plan.municipality.slug != slug:
        abort(404)
    lang = current_language()
    return render_template(
        "plans/public_plan.html", plan=plan, lang=lang,
        sections=openplans.public_sections(plan), content=openplans.public_content(plan),
        budget=services.budget_tables(plan, lang), render_markdown=render_plan_text,
        # Accepted monitoring reports register a section of the page "open_plan" here.
        more=render_sections("open_plan", plan))


def open_url(plan, **values) -> str:
    return url_for("plans.open_plan", slug=plan.municipality.slug, plan_id=plan.id, **values)


def panel(plan) -> dict:
    """What the plan page's "public page" panel shows (coordinators act there)."""
    if plan.status != services.PlanStatus.APPROVED:
        return {"publicity": None}
    return {"publicity": {
        "withheld": openplans.current_withholding(plan),
        "history": openplans.withholdings(plan) if can(current_user, "plans.review") else [],
        "url": open_url(plan), "form": WithholdForm(formdata=None)}}


@bp.route("/<int:plan_id>/withhold", methods=["POST"])
@allow(action="plans.review")
def withhold(plan_id):
    plan = get_or_404(services.get_plan(plan_id), "plans.review")
    form = WithholdForm()
    then = url_for("plans.show", plan_id=plan.id) + "#public-heading"
    done = _("The plan is withheld from the public pages. The reason is kept on record.")
    publicity = panel(plan)["publicity"]
    if publicity is None or publicity["withheld"] is not None:
        # No form on the page to show the refusal on (not approved, or withheld already).
        return act(lambda: openplans.withhold(plan, current_user, form.reason.data),
                   then=then, done=done)
    from .views import _overview

    return submit_form(
        form, lambda: openplans.withhold(plan, current_user, form.reason.data),
        then=then, status=400, done=done,
        page=lambda: _overview(plan, publicity={**publicity, "form": form})[0])


@bp.route("/<int:plan_id>/publish", methods=["POST"])
@allow(action="plans.review")
def publish(plan_id):
    plan = get_or_404(services.get_plan(plan_id), "plans.review")
    return act(lambda: openplans.release(plan, current_user),
               then=url_for("plans.show", plan_id=plan.id) + "#public-heading",
               done=_("The plan is public again."))
