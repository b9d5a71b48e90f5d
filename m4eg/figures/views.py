"""The key figures page and its CSV download, the records each figure counts, and the
coordinators' pages for communications reach and for the definition of an event."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.cache import cached_page, memoize
from ..core.errors import render_error
from ..core.exports import table_response
from ..core.forms import select_choices
from ..core.i18n import current_language
from ..core.permissions import PUBLIC, allow, can
from ..core.views import act, get_or_404, submit
from . import bp, services
from .chart import bar_chart
from .forms import EventKindsForm, ReachForm


def _figures(period):
    """The figures for ``period``, computed again only after a write."""
    return memoize("figures", tuple(sorted(period.as_args().items())),
                   lambda: services.compute(period))


@bp.route("/")
@cached_page
@allow(PUBLIC)
def index():
    try:
        period = services.Period.from_args(request.args)
    except services.PeriodError as error:
        return render_template("figures/index.html", figures=[], period=services.Period(),
                               error=error.message, typed=request.args, charts={}), 400
    figures = _figures(period)
    charts = {f.key: bar_chart(f.parts) for f in figures if f.value is not None and f.parts}
    return render_template("figures/index.html", figures=figures, period=period,
                           notice=services.data_notice(period), typed=period.as_args(),
                           charts=charts, manage=can(current_user, "figures.manage"))


@bp.route("/export.csv")
@allow(PUBLIC)
def export():
    try:
        period = services.Period.from_args(request.args)
    except services.PeriodError as error:
        return render_error(400, error.message)
    suffix = "-".join(period.as_args().values()) or "all"
    return table_response(services.rows(_figures(period)), "csv", f"m4eg-figures-{suffix}")


ELSEWHERE = {"ulc_staff": "courses.reports", "plans_submitted": "plans.queue",
             "plans_approved": "plans.queue", "plans_monitored": "plans.queue",
             "actions_completed": "plans.queue", "budget_mobilised": "plans.queue"}


@bp.route("/<key>/records")
@allow(action="figures.manage")
def records(key):
    if key not in services.KEYS:
        return render_error(404, _("There is no key figure of this name."))
    try:
        period = services.Period.from_args(request.args)
    except services.PeriodError as error:
        return render_error(400, error.message)
    figure = next(f for f in _figures(period) if f.key == key)
    context = {"figure": figure, "period": period, "elsewhere": ELSEWHERE.get(key)}
    if key in ("members", "deep_demonstrators", "new_members"):
        context["members"] = services.member_records(key, period, current_language())
    elif key in ("events", "event_participants"):
        context["activities"], context["sessions"] = services.event_records(period)
    elif key == "communications_reach":
        context["reach"] = services.reach_records(period)
    return render_template("figures/records.html", **context)


@bp.route("/reach/")
@allow(action="figures.manage")
def reach_list():
    return render_template("figures/reach_list.html", records=services.reach_records())


def _reach_data(form) -> dict:
    return {"channel": form.channel.data, "reach": form.reach_value,
            "starts_on": form.starts_on.data, "ends_on": form.ends_on.data,
            "source": form.source.data.strip(), "note": form.note.data.strip()}


def _reach_page(form, record):
    return render_template("figures/reach_edit.html", form=form, record=record)


@bp.route("/reach/new", methods=["GET", "POST"])
@allow(action="figures.manage")
def reach_create():
    form = ReachForm()
    return submit(form, lambda: services.save_reach(None, _reach_data(form)),
                  done=_("The reach record has been saved."), then=url_for(".reach_list"),
                  page=lambda: _reach_page(form, None), status=400)


@bp.route("/reach/<int:record_id>/edit", methods=["GET", "POST"])
@allow(action="figures.manage")
def reach_edit(record_id):
    record = get_or_404(services.get_reach(record_id))
    form = ReachForm(obj=record if request.method == "GET" else None)
    if request.method == "GET":
        form.reach.data = services.format_reach(record.reach)
    return submit(form, lambda version: services.save_reach(record, _reach_data(form),
                                                            version=version),
                  versioned=True, done=_("The reach record has been saved."),
                  then=url_for(".reach_list"), page=lambda: _reach_page(form, record),
                  status=400)


@bp.route("/reach/<int:record_id>/delete", methods=["GET", "POST"])
@allow(action="figures.manage")
def reach_delete(record_id):
    record = get_or_404(services.get_reach(record_id))
    if request.method == "GET":
        return render_template("figures/reach_delete.html", record=record)
    return act(lambda: services.delete_reach(record, actor=current_user),
               done=_("The reach record has been deleted."), then=url_for(".reach_list"))


@bp.route("/events", methods=["GET", "POST"])
@allow(action="figures.manage")
def event_kinds():
    kinds = services.event_kinds()
    form = EventKindsForm(data={"counting": [key for key, _label, on in kinds if on]}
                          if request.method == "GET" else None)
    form.counting.choices = select_choices((key, label) for key, label, _on in kinds)
    return submit(form, lambda: services.set_event_kinds(set(form.counting.data or ())),
                  done=_("The definition of an event has been saved."),
                  then=url_for(".event_kinds"), status=400, page=lambda: render_template(
                      "figures/event_kinds.html", form=form, kinds=kinds,
                      definition=services.event_definition()))
