"""Public portfolio pages, the coordinators' tracking page and board."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import time as clock
from ..core.cache import cached_page
from ..core.exports import csv_response, xlsx_response
from ..core.forms import add_error, form_version, select_choices
from ..core.i18n import current_language
from ..core.params import to_int
from ..core.permissions import PUBLIC, allow
from ..core.versions import conflict_status
from ..extensions import db
from ..municipalities import services as municipalities
from ..municipalities.services import TRACKS
from . import bp, services
from .forms import (
    ActivityForm,
    MilestoneForm,
    OptionForm,
    PortfolioForm,
    SessionForm,
    StatusForm,
    StoryForm,
)
from .models import TRACK_ORDER


def _portfolio_or_404(slug):
    portfolio = services.get_by_slug(slug)
    if portfolio is None:
        abort(404)
    return portfolio


def _option_or_404(portfolio, option_id):
    option = services.get_option(option_id)
    if option is None or option.portfolio_id != portfolio.id:
        abort(404)
    return option


def _track(value):
    return value if value in TRACKS else ""


@bp.route("/")
@cached_page
@allow(PUBLIC)
def index():
    track = _track(request.args.get("track", ""))
    return render_template("portfolios/index.html", portfolios=services.portfolios(track),
                           track=track, tracks=TRACKS, events=services.network_events(),
                           track_order=TRACK_ORDER)


@bp.route("/<slug>")
@cached_page
@allow(PUBLIC)
def show(slug):
    portfolio = _portfolio_or_404(slug)
    return render_template("portfolios/show.html", portfolio=portfolio,
                           activities=services.timeline(portfolio),
                           stories=services.stories(portfolio, public_only=True))


BOARD_PAGE = 50


@bp.route("/board")
@allow(action="portfolios.manage")
def board():
    track = _track(request.args.get("track", ""))
    page = to_int(request.args.get("page"), default=1, minimum=1, maximum=100_000)
    pagination, rows = services.board_page(track, page, BOARD_PAGE)
    return render_template("portfolios/board.html", track=track, pagination=pagination,
                           rows=rows, tracks=TRACKS, stalled_after=services.STALLED_AFTER_DAYS)


@bp.route("/board.<any(csv, xlsx):fmt>")
@allow(action="portfolios.manage")
def export_board(fmt):
    rows = services.board_rows(services.board(_track(request.args.get("track", ""))))
    if fmt == "csv":
        return csv_response(rows, "m4eg-portfolio-board.csv")
    return xlsx_response(rows, "m4eg-portfolio-board.xlsx", sheet_title="Board")


def _portfolio_form(portfolio=None):
    form = PortfolioForm(obj=portfolio if request.method == "GET" else None)
    form.municipality_id.choices = select_choices(municipalities.choices(current_language()))
    if portfolio is not None and request.method == "GET":
        form.sdgs.data = ", ".join(str(n) for n in portfolio.sdgs or [])
    return form


def _portfolio_data(form) -> dict:
    data = {name: form[name].data for name in (
        "municipality_id", "slug", "track", "title_az", "title_en", "intent_az", "intent_en",
        "theme_az", "theme_en", "start_date")}
    data["sdgs"] = sorted({int(n) for n in (form.sdgs.data or "").split(",") if n.strip()})
    return data


@bp.route("/new", methods=["GET", "POST"])
@allow(action="portfolios.manage")
def create():
    form = _portfolio_form()
    if form.validate_on_submit():
        if any(not 1 <= n <= 17 for n in _portfolio_data(form)["sdgs"]):
            form.sdgs.errors = [_("SDG numbers go from 1 to 17.")]
        else:
            try:
                portfolio = services.save_portfolio(None, _portfolio_data(form))
            except services.PortfolioError as error:
                db.session.rollback()
                add_error(form, error)
            else:
                db.session.commit()
                flash(_("The portfolio has been created."), "success")
                return redirect(url_for("portfolios.manage", slug=portfolio.slug))
    return render_template("portfolios/edit.html", form=form, portfolio=None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@allow(action="portfolios.manage")
def edit(slug):
    portfolio = _portfolio_or_404(slug)
    form = _portfolio_form(portfolio)
    if form.validate_on_submit():
        version = form_version(form)
        if form.form_errors:
            return render_template("portfolios/edit.html", form=form, portfolio=portfolio), 409
        if any(not 1 <= n <= 17 for n in _portfolio_data(form)["sdgs"]):
            form.sdgs.errors = [_("SDG numbers go from 1 to 17.")]
        else:
            try:
                services.save_portfolio(portfolio, _portfolio_data(form), version=version)
            except services.PortfolioError as error:
                db.session.rollback()
                add_error(form, error)
                return render_template("portfolios/edit.html", form=form,
                                       portfolio=portfolio), conflict_status(error)
            db.session.commit()
            flash(_("The portfolio has been saved."), "success")
            return redirect(url_for("portfolios.manage", slug=portfolio.slug))
    return render_template("portfolios/edit.html", form=form, portfolio=portfolio)


# The tracking page holds several forms at once: each has a prefix so that field ids and
# names stay unique on the page (and the handler reads the same prefix back).
PREFIXES = {"option": "option", "activity": "activity", "session": "session", "story": "story"}


def _milestone_form(option_id, formdata=None):
    return MilestoneForm(formdata=formdata, prefix=f"milestone-{option_id}")


def _forms(portfolio, **overrides):
    forms = {"option": OptionForm(formdata=None, prefix="option"),
             "activity": ActivityForm(formdata=None, prefix="activity"),
             "session": SessionForm(formdata=None, prefix="session"),
             "story": StoryForm(formdata=None, prefix="story"),
             "status": StatusForm(formdata=None)}
    forms.update(overrides)
    forms["session"].option_ids.choices = select_choices(
        (o.id, o.text("title")) for o in portfolio.options)
    return forms


def _manage_page(portfolio, http_status=200, failed_option=None, **forms):
    failed_milestone = forms.pop("milestone", None)

    def milestone_form(option_id):
        if failed_milestone is not None and option_id == failed_option:
            return failed_milestone
        return _milestone_form(option_id)

    return render_template(
        "portfolios/manage.html", portfolio=portfolio, forms=_forms(portfolio, **forms),
        failed_option=failed_option, milestone_form=milestone_form, today=clock.today(),
        new_status_form=lambda: StatusForm(formdata=None), activities=services.timeline(portfolio),
        history=services.status_history(portfolio), sessions=services.sessions(portfolio),
        stories=services.stories(portfolio, public_only=False),
    ), http_status


@bp.route("/<slug>/manage")
@allow(action="portfolios.manage")
def manage(slug):
    portfolio = _portfolio_or_404(slug)
    return _manage_page(portfolio)


def _saved(portfolio, message):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("portfolios.manage", slug=portfolio.slug))


@bp.route("/<slug>/options", methods=["POST"])
@allow(action="portfolios.manage")
def add_option(slug):
    portfolio = _portfolio_or_404(slug)
    form = OptionForm(prefix="option")
    if form.validate():
        data = {k: v for k, v in form.data.items() if k not in {"csrf_token", "version"}}
        try:
            services.save_option(portfolio, None, data, current_user)
        except services.PortfolioError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            return _saved(portfolio, _("The option has been added."))
    return _manage_page(portfolio, 400, option=form)


@bp.route("/<slug>/options/<int:option_id>/edit", methods=["GET", "POST"])
@allow(action="portfolios.manage")
def edit_option(slug, option_id):
    portfolio = _portfolio_or_404(slug)
    option = _option_or_404(portfolio, option_id)
    form = OptionForm(obj=option if request.method == "GET" else None)
    if form.validate_on_submit():
        version = form_version(form)
        if form.form_errors:
            return render_template("portfolios/option_edit.html", form=form,
                                   portfolio=portfolio, option=option), 409
        data = {k: v for k, v in form.data.items() if k not in {"csrf_token", "version"}}
        try:
            services.save_option(portfolio, option, data, current_user, version=version)
        except services.PortfolioError as error:
            db.session.rollback()
            add_error(form, error)
            return render_template("portfolios/option_edit.html", form=form,
                                   portfolio=portfolio, option=option), conflict_status(error)
        return _saved(portfolio, _("The option has been saved."))
    return render_template("portfolios/option_edit.html", form=form, portfolio=portfolio,
                           option=option)


@bp.route("/<slug>/options/<int:option_id>/status", methods=["POST"])
@allow(action="portfolios.manage")
def change_status(slug, option_id):
    portfolio = _portfolio_or_404(slug)
    option = _option_or_404(portfolio, option_id)
    form = StatusForm()
    if form.validate():
        version = form_version(form)
        if form.form_errors:
            return _manage_page(portfolio, 409, failed_option=option.id, status=form)
        try:
            services.change_status(option, form.status.data, current_user,
                                   reason=form.reason.data, on_date=form.on_date.data,
                                   version=version)
        except services.PortfolioError as error:
            db.session.rollback()
            add_error(form, error)
            return _manage_page(portfolio, conflict_status(error, 400),
                                failed_option=option.id, status=form)
        return _saved(portfolio, _("The status has been changed."))
    return _manage_page(portfolio, 400, failed_option=option.id, status=form)


@bp.route("/<slug>/options/<int:option_id>/milestones", methods=["POST"])
@allow(action="portfolios.manage")
def add_milestone(slug, option_id):
    portfolio = _portfolio_or_404(slug)
    option = _option_or_404(portfolio, option_id)
    form = _milestone_form(option.id, request.form)
    if form.validate():
        data = {k: v for k, v in form.data.items() if k != "csrf_token"}
        try:
            services.add_milestone(option, data)
        except services.PortfolioError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            return _saved(portfolio, _("The milestone has been added."))
    return _manage_page(portfolio, 400, failed_option=option.id, milestone=form)


@bp.route("/<slug>/milestones/<int:milestone_id>/done", methods=["POST"])
@allow(action="portfolios.manage")
def complete_milestone(slug, milestone_id):
    portfolio = _portfolio_or_404(slug)
    milestone = services.get_milestone(milestone_id)
    if milestone is None or milestone.option.portfolio_id != portfolio.id:
        abort(404)
    services.complete_milestone(milestone)
    return _saved(portfolio, _("The milestone is marked as reached."))


def _simple_post(slug, form_class, key, action, message):
    portfolio = _portfolio_or_404(slug)
    form = form_class(prefix=PREFIXES[key])
    if key == "session":
        form.option_ids.choices = select_choices((o.id, o.text("title"))
                                                 for o in portfolio.options)
    if form.validate():
        data = {k: v for k, v in form.data.items() if k != "csrf_token"}
        try:
            action(portfolio, data)
        except services.PortfolioError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            return _saved(portfolio, message)
    return _manage_page(portfolio, 400, **{key: form})


def _activity(portfolio, data):
    for key in ("men", "women", "not_stated"):
        data[key] = data.get(key) or 0
    services.add_activity(portfolio, data)


def _session(portfolio, data):
    option_ids = data.pop("option_ids") or []
    services.add_session(portfolio, data, option_ids)


@bp.route("/<slug>/activities", methods=["POST"])
@allow(action="portfolios.manage")
def add_activity(slug):
    return _simple_post(slug, ActivityForm, "activity", _activity,
                        _("The activity has been recorded."))


@bp.route("/<slug>/sessions", methods=["POST"])
@allow(action="portfolios.manage")
def add_session(slug):
    return _simple_post(slug, SessionForm, "session", _session,
                        _("The sensemaking session has been recorded."))


@bp.route("/<slug>/stories", methods=["POST"])
@allow(action="portfolios.manage")
def add_story(slug):
    return _simple_post(slug, StoryForm, "story", services.add_story,
                        _("The story has been added."))


def member_section(municipality):
    """The member page's deep-demonstrator section (registered in ``init_app``)."""
    return render_template("portfolios/_member_section.html", municipality=municipality,
                           portfolios=services.for_municipality(municipality.id))
