"""In-person workshops: list, registration with waitlist, and the attendance register."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.forms import select_choices
from ..core.i18n import current_language
from ..core.params import to_int
from ..core.permissions import AUTHENTICATED, PUBLIC, allow, can
from ..core.views import act, get_or_404, submit
from . import bp, services
from .forms import WorkshopForm, to_local, to_utc
from .models import RegistrationStatus


@bp.route("/")
@allow(PUBLIC)
def index():
    return render_template("workshops/index.html", workshops=services.workshops(),
                           courses={c.slug: c for c in services.course_list()})


@bp.route("/<int:workshop_id>")
@allow(PUBLIC)
def show(workshop_id):
    workshop = get_or_404(services.get_workshop(workshop_id))
    mine = position = None
    if current_user.is_authenticated:
        mine = services.registration(workshop, current_user)
        position = services.waitlist_position(workshop, mine) if mine else None
    manage = can(current_user, "workshops.manage")
    return render_template(
        "workshops/show.html", workshop=workshop, course=services.get_course(
            workshop.course_slug), mine=mine, position=position, manage=manage,
        roster=services.roster(workshop) if manage else None,
        counts=services.attendance_counts(workshop) if manage else None)


@bp.route("/<int:workshop_id>/register", methods=["POST"])
@allow(AUTHENTICATED)
def register(workshop_id):
    workshop = get_or_404(services.get_workshop(workshop_id))
    return act(lambda: services.register(current_user, workshop), done=_registered,
               category=lambda record: ("success" if record.status
                                        == RegistrationStatus.CONFIRMED else "info"),
               then=_shown(workshop))


def _registered(record) -> str:
    if record.status == RegistrationStatus.CONFIRMED:
        return _("Your seat is confirmed.")
    return _("The session is full: you are on the waitlist and will get a seat "
             "automatically if someone cancels.")


@bp.route("/<int:workshop_id>/cancel", methods=["POST"])
@allow(AUTHENTICATED)
def cancel(workshop_id):
    workshop = get_or_404(services.get_workshop(workshop_id))
    return act(lambda: services.cancel(current_user, workshop),
               done=_("Your registration has been cancelled."), then=_shown(workshop))


def _form(workshop=None):
    form = WorkshopForm(obj=workshop if request.method == "GET" else None)
    lang = current_language()
    form.course_slug.choices = select_choices((c.slug, c.title[lang])
                                              for c in services.course_list())
    if workshop is not None and request.method == "GET":
        for name in ("starts_at", "ends_at", "registration_deadline"):
            form[name].data = to_local(getattr(workshop, name))
    return form


def _data(form) -> dict:
    data = {name: form[name].data for name in ("course_slug", "city_az", "city_en", "venue",
                                               "capacity")}
    for name in ("starts_at", "ends_at", "registration_deadline"):
        data[name] = to_utc(form[name].data)
    return data


@bp.route("/new", methods=["GET", "POST"])
@allow(action="workshops.manage")
def create():
    form = _form()
    return submit(form, lambda: services.save_workshop(None, _data(form)),
                  done=_("The session has been created."), then=_shown, page=lambda: (
                      render_template("workshops/edit.html", form=form, workshop=None)))


def _shown(workshop) -> str:
    return url_for("workshops.show", workshop_id=workshop.id)


@bp.route("/<int:workshop_id>/edit", methods=["GET", "POST"])
@allow(action="workshops.manage")
def edit(workshop_id):
    workshop = get_or_404(services.get_workshop(workshop_id))
    form = _form(workshop)
    return submit(form, lambda version: services.save_workshop(workshop, _data(form),
                                                               version=version),
                  versioned=True, done=_("The session has been saved."), then=_shown(workshop),
                  page=lambda: render_template("workshops/edit.html", form=form,
                                               workshop=workshop))


@bp.route("/<int:workshop_id>/attendance", methods=["POST"])
@allow(action="workshops.manage")
def attendance(workshop_id):
    workshop = get_or_404(services.get_workshop(workshop_id))
    values = {}
    for key, value in request.form.items():
        if key.startswith("r-"):
            registration_id = to_int(key[2:])
            if registration_id is None:
                abort(400)
            values[registration_id] = value
    return act(lambda: services.set_attendance(workshop, values),
               done=_("The attendance register has been saved."), then=_shown(workshop))
