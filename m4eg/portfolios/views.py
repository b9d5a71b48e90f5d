"""Public portfolio pages, the coordinators' tracking page and board."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import time as clock
from ..core.cache import cached_page
from ..core.exports import table_response
from ..core.forms import select_choices
from ..core.i18n import current_language
from ..core.params import to_int
from ..core.permissions import PUBLIC, allow
from ..core.views import act, get_or_404, submit
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


def _track(value):
    return value if value in TRACKS else ""


@bp.route("/")
@cached_page
@allow(PUBLIC)
def index():
    track = _track(request.args.get("track", ""))
    return render_template("portfolios/index.html", portfolios=services.portfolios(track),
                           track=track, tracks=TRACKS, events=services.network_events())


@bp.route("/<slug>")
@cached_page
@allow(PUBLIC)
def show(slug):
    portfolio = get_or_404(services.get_by_slug(slug))
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
    return table_response(rows, fmt, "m4eg-portfolio-board", sheet_title="Board")


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


def _managed(portfolio) -> str:
    return url_for("portfolios.manage", slug=portfolio.slug)


@bp.route("/new", methods=["GET", "POST"])
@allow(action="portfolios.manage")
def create():
    form = _portfolio_form()
    return submit(form, lambda: services.save_portfolio(None, _portfolio_data(form)),
                  done=_("The portfolio has been created."), then=_managed,
                  page=lambda: render_template("portfolios/edit.html", form=form,
                                               portfolio=None))


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@allow(action="portfolios.manage")
def edit(slug):
    portfolio = get_or_404(services.get_by_slug(slug))
    form = _portfolio_form(portfolio)
    return submit(form, lambda version: services.save_portfolio(
        portfolio, _portfolio_data(form), version=version), versioned=True,
        done=_("The portfolio has been saved."), then=_managed,  # the slug may have changed
        page=lambda: render_template("portfolios/edit.html", form=form, portfolio=portfolio))


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
    forms["session"].option_ids.choices = _option_choices(portfolio)
    return forms


def _option_choices(portfolio):
    return select_choices((o.id, o.text("title")) for o in portfolio.options)


def _manage_page(portfolio, failed_option=None, **forms):
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
    )


@bp.route("/<slug>/manage")
@allow(action="portfolios.manage")
def manage(slug):
    return _manage_page(get_or_404(services.get_by_slug(slug)))


def _data(form) -> dict:
    """What a form holds for the service: its fields without the CSRF token and version."""
    return {k: v for k, v in form.data.items() if k not in {"csrf_token", "version"}}


def _post(portfolio, form, save, done, failed_option=None, versioned=False, **page_forms):
    """A form posted from the tracking page: refused, the page shows it again (400, or 409
    for a conflict) with the form in its place; saved, back to the page."""
    return submit(form, save, versioned=versioned, status=400, done=done,
                  then=_managed(portfolio), page=lambda: _manage_page(
                      portfolio, failed_option=failed_option, **page_forms))


@bp.route("/<slug>/options", methods=["POST"])
@allow(action="portfolios.manage")
def add_option(slug):
    portfolio = get_or_404(services.get_by_slug(slug))
    form = OptionForm(prefix="option")
    return _post(portfolio, form, lambda: services.save_option(
        portfolio, None, _data(form), current_user), _("The option has been added."),
        option=form)


@bp.route("/<slug>/options/<int:option_id>/edit", methods=["GET", "POST"])
@allow(action="portfolios.manage")
def edit_option(slug, option_id):
    portfolio = get_or_404(services.get_by_slug(slug))
    option = get_or_404(services.get_option(portfolio, option_id))
    form = OptionForm(obj=option if request.method == "GET" else None)
    return submit(form, lambda version: services.save_option(
        portfolio, option, _data(form), current_user, version=version), versioned=True,
        done=_("The option has been saved."), then=_managed(portfolio),
        page=lambda: render_template("portfolios/option_edit.html", form=form,
                                     portfolio=portfolio, option=option))


@bp.route("/<slug>/options/<int:option_id>/status", methods=["POST"])
@allow(action="portfolios.manage")
def change_status(slug, option_id):
    portfolio = get_or_404(services.get_by_slug(slug))
    option = get_or_404(services.get_option(portfolio, option_id))
    form = StatusForm()
    return _post(portfolio, form, lambda version: services.change_status(
        option, form.status.data, current_user, reason=form.reason.data,
        on_date=form.on_date.data, version=version), _("The status has been changed."),
        failed_option=option.id, versioned=True, status=form)


@bp.route("/<slug>/options/<int:option_id>/milestones", methods=["POST"])
@allow(action="portfolios.manage")
def add_milestone(slug, option_id):
    portfolio = get_or_404(services.get_by_slug(slug))
    option = get_or_404(services.get_option(portfolio, option_id))
    form = _milestone_form(option.id, request.form)
    return _post(portfolio, form, lambda: services.add_milestone(option, _data(form)),
                 _("The milestone has been added."), failed_option=option.id, milestone=form)


@bp.route("/<slug>/milestones/<int:milestone_id>/done", methods=["POST"])
@allow(action="portfolios.manage")
def complete_milestone(slug, milestone_id):
    portfolio = get_or_404(services.get_by_slug(slug))
    milestone = get_or_404(services.get_milestone(portfolio, milestone_id))
    return act(lambda: services.complete_milestone(milestone), then=_managed(portfolio),
               done=_("The milestone is marked as reached."))


def _simple_post(slug, form_class, key, save, done):
    portfolio = get_or_404(services.get_by_slug(slug))
    form = form_class(prefix=PREFIXES[key])
    if key == "session":
        form.option_ids.choices = _option_choices(portfolio)
    return _post(portfolio, form, lambda: save(portfolio, _data(form)), done, **{key: form})


def _activity(portfolio, data):
    for key in ("men", "women", "not_stated"):
        data[key] = data.get(key) or 0
    return services.add_activity(portfolio, data)


def _session(portfolio, data):
    option_ids = data.pop("option_ids") or []
    return services.add_session(portfolio, data, option_ids)


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
