"""Open plans: the public list of approved plans, a public page per plan under its member's
page with its accepted monitoring reports, and the coordinators' withholding of a plan or of
one report (m4eg/plans/openplans.py holds the rules)."""

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
from .forms_open import WithholdForm, WithholdReportForm
from .progress import target_svg


@bp.route("/open")
@cached_page
@allow(PUBLIC)
def open_list():
    filters = openplans.OpenFilters.from_args(request.args)
    page = to_int(request.args.get("page"), default=1, minimum=1, maximum=100_000)
    pagination = openplans.open_plans(filters, page=page)
    return render_template(
        "plans/public_list.html", pagination=pagination, filters=filters,
        latest={p.id: openplans.latest_public_report(p) for p in pagination.items},
        years=openplans.open_years(), regions=municipalities.regions(),
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
        latest_report=next(iter(openplans.public_reports(plan)), None),
        sections=openplans.public_sections(plan), content=openplans.public_content(plan),
        budget=services.budget_tables(plan, lang), render_markdown=render_plan_text,
        # The accepted monitoring reports are a section of the page "open_plan" (init_app).
        more=render_sections("open_plan", plan))


def monitoring_section(plan) -> str:
    """The public page's section of the accepted monitoring reports (none withheld): per
    report its round, period and acceptance, the targets as SVG lines and a table, the
    actions with status, share done and money spent by source, and the narrative."""
    lang = current_language()
    reports = []
    for report in openplans.public_reports(plan):
        shown = openplans.public_report(report, lang)
        for target in shown["targets"]:
            target["svg"] = target_svg(f"{report.id}-{target['row']}", target["name"],
                                       target["baseline"], target["actual"],
                                       target["target_value"])
        reports.append(shown)
    return render_template("plans/_public_monitoring.html", plan=plan, reports=reports,
                           narrative_fields=services.NARRATIVE,
                           render_markdown=render_plan_text)


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


def report_panel(report) -> dict:
    """What a monitoring report's page shows of its publicity (coordinators act there)."""
    if report.status != services.ReportStatus.ACCEPTED:
        return {"report_publicity": None}
    plan_public = openplans.is_public(report.plan)
    return {"report_publicity": {
        "withheld": openplans.current_report_withholding(report),
        "plan_public": plan_public,
        "history": openplans.report_withholdings(report)
        if can(current_user, "plans.review", report) else [],
        "url": open_url(report.plan, _anchor=f"report-{report.id}") if plan_public else None,
        "form": WithholdReportForm(formdata=None)}}


def _to_report_panel(report) -> str:
    return url_for("plans.report", report_id=report.id) + "#report-public-heading"


@bp.route("/monitoring/<int:report_id>/withhold", methods=["POST"])
@allow(action="plans.review")
def withhold_report(report_id):
    report = get_or_404(services.get_report(report_id), "plans.review")
    form = WithholdReportForm()
    done = _("The monitoring report is withheld from the public pages. The reason is kept "
             "on record.")
    publicity = report_panel(report)["report_publicity"]
    if publicity is None or publicity["withheld"] is not None or not publicity["plan_public"]:
        # No form on the page to show the refusal on (not accepted, withheld already, or the
        # plan itself withheld).
        return act(lambda: openplans.withhold_report(report, current_user, form.reason.data),
                   then=_to_report_panel(report), done=done)
    from .monitoring_views import _report_page

    return submit_form(
        form, lambda: openplans.withhold_report(report, current_user, form.reason.data),
        then=_to_report_panel(report), status=400, done=done,
        page=lambda: _report_page(report, report_publicity={**publicity, "form": form})[0])


@bp.route("/monitoring/<int:report_id>/publish", methods=["POST"])
@allow(action="plans.review")
def publish_report(report_id):
    report = get_or_404(services.get_report(report_id), "plans.review")
    return act(lambda: openplans.release_report(report, current_user),
               then=_to_report_panel(report),
               done=_("The monitoring report is public again."))
