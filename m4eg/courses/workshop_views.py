"""In-person workshops: list, registration with waitlist, and the attendance register."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.forms import add_error, form_version, select_choices
from ..core.i18n import current_language
from ..core.params import to_int
from ..core.permissions import AUTHENTICATED, PUBLIC, allow, can
from ..core.versions import conflict_status
from ..extensions import db
from . import services, workshops_bp
from .forms import WorkshopForm, to_local, to_utc
from .models import ATTENDANCE


def _workshop_or_404(workshop_id):
    workshop = services.get_workshop(workshop_id)
    if workshop is None:
        abort(404)
    return workshop


@workshops_bp.route("/")
@allow(PUBLIC)
def index():
    return render_template("courses/workshops.html", workshops=services.workshops(),
                           courses={c.slug: c for c in services.courses()})


@workshops_bp.route("/<int:workshop_id>")
@allow(PUBLIC)
def show(workshop_id):
    workshop = _workshop_or_404(workshop_id)
    mine = position = None
    if current_user.is_authenticated:
        mine = services.registration(workshop, current_user)
        position = services.waitlist_position(workshop, mine) if mine else None
    manage = can(current_user, "courses.manage")
    return render_template(
        "courses/workshop.html", workshop=workshop, course=services.get_course(
            workshop.course_slug), mine=mine, position=position, manage=manage,
        roster=services.roster(workshop) if manage else None,
        counts=services.attendance_counts(workshop) if manage else None, attendance=ATTENDANCE)


@workshops_bp.route("/<int:workshop_id>/register", methods=["POST"])
@allow(AUTHENTICATED)
def register(workshop_id):
    workshop = _workshop_or_404(workshop_id)
    try:
        record = services.register(current_user, workshop)
    except services.CourseError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        if record.status == "confirmed":
            flash(_("Your seat is confirmed."), "success")
        else:
            flash(_("The session is full: you are on the waitlist and will get a seat "
                    "automatically if someone cancels."), "info")
    return redirect(url_for("workshops.show", workshop_id=workshop.id))


@workshops_bp.route("/<int:workshop_id>/cancel", methods=["POST"])
@allow(AUTHENTICATED)
def cancel(workshop_id):
    workshop = _workshop_or_404(workshop_id)
    try:
        services.cancel(current_user, workshop)
    except services.CourseError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Your registration has been cancelled."), "success")
    return redirect(url_for("workshops.show", workshop_id=workshop.id))


def _form(workshop=None):
    form = WorkshopForm(obj=workshop if request.method == "GET" else None)
    lang = current_language()
    form.course_slug.choices = select_choices((c.slug, c.title[lang])
                                              for c in services.courses())
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


@workshops_bp.route("/new", methods=["GET", "POST"])
@allow(action="courses.manage")
def create():
    form = _form()
    if form.validate_on_submit():
        try:
            workshop = services.save_workshop(None, _data(form))
        except services.CourseError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash(_("The session has been created."), "success")
            return redirect(url_for("workshops.show", workshop_id=workshop.id))
    return render_template("courses/workshop_edit.html", form=form, workshop=None)


@workshops_bp.route("/<int:workshop_id>/edit", methods=["GET", "POST"])
@allow(action="courses.manage")
def edit(workshop_id):
    workshop = _workshop_or_404(workshop_id)
    form = _form(workshop)
    if form.validate_on_submit():
        version = form_version(form)
        if form.form_errors:
            return render_template("courses/workshop_edit.html", form=form,
                                   workshop=workshop), 409
        try:
            services.save_workshop(workshop, _data(form), version=version)
        except services.CourseError as error:
            db.session.rollback()
            add_error(form, error)
            return render_template("courses/workshop_edit.html", form=form,
                                   workshop=workshop), conflict_status(error)
        db.session.commit()
        flash(_("The session has been saved."), "success")
        return redirect(url_for("workshops.show", workshop_id=workshop.id))
    return render_template("courses/workshop_edit.html", form=form, workshop=workshop)


@workshops_bp.route("/<int:workshop_id>/attendance", methods=["POST"])
@allow(action="courses.manage")
def attendance(workshop_id):
    workshop = _workshop_or_404(workshop_id)
    values = {}
    for key, value in request.form.items():
        if key.startswith("r-"):
            registration_id = to_int(key[2:])
            if registration_id is None:
                abort(400)
            values[registration_id] = value
    try:
        services.set_attendance(workshop, values)
    except services.CourseError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("The attendance register has been saved."), "success")
    return redirect(url_for("workshops.show", workshop_id=workshop.id))
