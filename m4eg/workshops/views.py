"""In-person workshops: list, registration with waitlist, and the attendance register."""

from __future__ import annotations

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.forms import select_choices
from ..core.i18n import current_language
from ..core.params import to_int
from ..core.permissions import AUTHENTICATED, PUBLIC, allow, can
from ..core.views import act, get_or_404, submit
from . import bp, services
from .forms import GuestForm, ParticipantForm, WorkshopForm, to_local, to_utc
from .models import RegistrationStatus
from .sheet import sign_in_sheet_pdf


@bp.route("/")
@allow(PUBLIC)
def index():
    upcoming, past = services.upcoming_and_past()
    return render_template("workshops/index.html", upcoming=upcoming, past=past,
                           came=services.how_many_came(past),
                           courses={c.slug: c for c in services.course_list()})


@bp.route("/<int:workshop_id>")
@allow(PUBLIC)
def show(workshop_id):
    workshop = get_or_404(services.get_workshop(workshop_id))
    mine = position = None
    if current_user.is_authenticated:
        mine = services.registration(workshop, current_user)
        position = services.waitlist_position(workshop, mine) if mine else None
    return render_template(
        "workshops/show.html", workshop=workshop, course=services.get_course(
            workshop.course_slug), mine=mine, position=position,
        manage=can(current_user, "workshops.manage"))


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
                                               "capacity", "date_precision")}
    for name in ("starts_at", "ends_at", "registration_deadline"):
        data[name] = to_utc(form[name].data) if form[name].data else None
    return data


@bp.route("/new", methods=["GET", "POST"])
@allow(action="workshops.manage")
def create():
    form = _form()
    return submit(form, lambda: services.save_workshop(None, _data(form)),
                  done=_("The session has been created."), then=_shown, status=400,
                  page=lambda: (
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
                  status=400,
                  page=lambda: render_template("workshops/edit.html", form=form,
                                               workshop=workshop))


def _guest_form():
    form = GuestForm()
    form.municipality_id.choices = select_choices(
        [("", "—"), *services.municipality_choices(current_language())])
    form.sex.choices = select_choices(services.SEX_LABELS.items())
    return form


def _register_page(workshop, guest_form=None, participant_form=None):
    guests = services.guests(workshop)
    return render_template(
        "workshops/attendance.html", workshop=workshop, roster=services.roster(workshop),
        guests=guests, counts=services.attendance_counts(workshop),
        names=services.municipality_names(g.municipality_id for g in guests),
        course=services.get_course(workshop.course_slug), sex_labels=services.SEX_LABELS,
        guest_form=guest_form or _guest_form(),
        participant_form=participant_form or ParticipantForm(formdata=None))


@bp.route("/<int:workshop_id>/attendance", methods=["GET", "POST"])
@allow(action="workshops.manage")
def attendance(workshop_id):
    workshop = get_or_404(services.get_workshop(workshop_id))
    if request.method == "GET":
        return _register_page(workshop)
    values = {}
    for key, value in request.form.items():
        if key.startswith("r-"):
            registration_id = to_int(key[2:])
            if registration_id is None:
                abort(400)
            values[registration_id] = value
    return act(lambda: services.set_attendance(workshop, values),
               done=_("The attendance register has been saved."), then=_register(workshop))


def _register(workshop) -> str:
    return url_for("workshops.attendance", workshop_id=workshop.id)


@bp.route("/<int:workshop_id>/participants", methods=["POST"])
@allow(action="workshops.manage")
def add_participant(workshop_id):
    workshop = get_or_404(services.get_workshop(workshop_id))
    form = ParticipantForm()
    return submit(form, lambda: services.add_participant_by_email(workshop, form.email.data),
                  done=_participant_added, then=_register(workshop), status=400,
                  page=lambda: _register_page(workshop, participant_form=form))


def _participant_added(added) -> str:
    name = added.record.user.name
    if added.was_registered:
        return _("%(name)s was already registered for this session: now marked present.",
                 name=name)
    return _("%(name)s has been added to the attendance as present.", name=name)


@bp.route("/<int:workshop_id>/guests", methods=["POST"])
@allow(action="workshops.manage")
def add_guest(workshop_id):
    workshop = get_or_404(services.get_workshop(workshop_id))
    form = _guest_form()
    return submit(form, lambda: services.add_guest(
        workshop, name=form.name.data, organisation=form.organisation.data,
        municipality_id=form.municipality_id.data, sex=form.sex.data),
        done=_("The guest has been added to the attendance."), then=_register(workshop),
        status=400, page=lambda: _register_page(workshop, form))


@bp.route("/<int:workshop_id>/guests/<int:guest_id>/remove", methods=["POST"])
@allow(action="workshops.manage")
def remove_guest(workshop_id, guest_id):
    workshop = get_or_404(services.get_workshop(workshop_id))
    return act(lambda: services.remove_guest(workshop, guest_id),
               done=_("The guest has been removed from the attendance."),
               then=_register(workshop))


@bp.route("/<int:workshop_id>/sign-in-sheet.pdf")
@allow(action="workshops.manage")
def sign_in_sheet(workshop_id):
    workshop = get_or_404(services.get_workshop(workshop_id))
    return Response(sign_in_sheet_pdf(workshop), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="sign-in-sheet-{workshop.id}.pdf"'})


def my_learning_section(user):
    """The learner's workshop registrations, with status and waitlist place (a section of
    courses' "My learning" page)."""
    return render_template("workshops/_my_workshops.html",
                           registrations=services.registrations_of(user),
                           courses={c.slug: c for c in services.course_list()})
