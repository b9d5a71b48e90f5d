"""The directory, member pages and the coordinators' register: thin handlers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import imports
from ..core.cache import cached_page
from ..core.exports import csv_response, xlsx_response
from ..core.forms import add_error, form_version, select_choices
from ..core.i18n import current_language
from ..core.params import to_int
from ..core.permissions import PUBLIC, allow, can
from ..core.sections import render_sections
from ..core.text import az_sort_key
from ..core.versions import conflict_status
from ..extensions import db
from . import bp, services
from .forms import ConfirmImportForm, ImportForm, MunicipalityForm, StatusForm
from .models import MUNICIPALITY_TYPES, STATUSES


def _member_or_404(slug):
    municipality = services.get_by_slug(slug)
    if municipality is None:
        abort(404)
    return municipality


@bp.route("/")
@cached_page
@allow(PUBLIC)
def index():
    filters = services.Filters.from_args(request.args)
    page = to_int(request.args.get("page"), default=1, minimum=1, maximum=100_000)
    pagination = services.list_members(filters, lang=current_language(), page=page)
    return render_template(
        "municipalities/index.html", pagination=pagination, filters=filters,
        counts=services.counts_by_type(filters), regions=services.regions(),
        types=MUNICIPALITY_TYPES, statuses=STATUSES,
    )


@bp.route("/<slug>")
@cached_page
@allow(PUBLIC)
def show(slug):
    municipality = _member_or_404(slug)
    manage = can(current_user, "municipalities.manage")
    return render_template(
        "municipalities/show.html", municipality=municipality,
        member_sections=render_sections("member", municipality),
        history=services.history(municipality) if manage else None,
        status_form=StatusForm() if manage else None, manage=manage,
    )


def _with_rayons(form):
    if current_language() == "az":
        rayons = sorted(services.rayons(), key=lambda r: az_sort_key(r.name_az))
    else:
        rayons = sorted(services.rayons(), key=lambda r: r.name_en.casefold())
    form.rayon_id.choices = select_choices(
        [(0, _("Choose a rayon")), *((r.id, f"{r.name} ({r.region.name})") for r in rayons)])
    return form


def _form_data(form) -> dict:
    data = {name: form[name].data for name in services.EDITABLE if name in form}
    data["demonstrator_track"] = data.get("demonstrator_track") or None
    data["slug"] = (data.get("slug") or "").strip()
    for key in ("email", "phone", "website"):
        data[key] = (data.get(key) or "").strip()
    return data


@bp.route("/new", methods=["GET", "POST"])
@allow(action="municipalities.manage")
def create():
    form = _with_rayons(MunicipalityForm())
    if form.validate_on_submit():
        try:
            municipality = services.create_member(_form_data(form), current_user)
        except services.MunicipalityError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash(_("The member has been added."), "success")
            return redirect(url_for("municipalities.show", slug=municipality.slug))
    return render_template("municipalities/edit.html", form=form, municipality=None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@allow(action="municipalities.manage")
def edit(slug):
    municipality = _member_or_404(slug)
    form = _with_rayons(MunicipalityForm(obj=municipality if request.method == "GET" else None))
    if request.method == "GET":
        form.demonstrator_track.data = municipality.demonstrator_track or ""
    if form.validate_on_submit():
        version = form_version(form)
        if form.form_errors:
            return render_template("municipalities/edit.html", form=form,
                                   municipality=municipality), 409
        try:
            services.update_member(municipality, _form_data(form), current_user,
                                   version=version)
        except services.MunicipalityError as error:
            db.session.rollback()
            add_error(form, error)
            return render_template("municipalities/edit.html", form=form,
                                   municipality=municipality), conflict_status(error)
        db.session.commit()
        flash(_("The changes have been saved."), "success")
        return redirect(url_for("municipalities.show", slug=municipality.slug))
    return render_template("municipalities/edit.html", form=form, municipality=municipality)


@bp.route("/<slug>/status", methods=["POST"])
@allow(action="municipalities.manage")
def set_status(slug):
    municipality = _member_or_404(slug)
    form = StatusForm()
    if not form.validate():
        abort(400)
    try:
        services.set_status(municipality, form.status.data, current_user,
                            version=int(form.version.data))
    except services.MunicipalityError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Status changed to: %(status)s.", status=municipality.status_label), "success")
    return redirect(url_for("municipalities.show", slug=municipality.slug))


def _read_roster(filename, content):
    return services.plan_import(services.read_table(filename, content))


@bp.route("/import", methods=["GET", "POST"])
@allow(action="municipalities.manage")
def import_roster():
    form, plan, token = ImportForm(), None, None
    if form.validate_on_submit():
        plan, token = imports.dry_run(form, _read_roster, services.MunicipalityError,
                                      services.MAX_IMPORT_BYTES)
    return render_template("municipalities/import.html", form=form, plan=plan,
                           confirm=ConfirmImportForm(token=token) if token else None)


@bp.route("/import/confirm", methods=["POST"])
@allow(action="municipalities.manage")
def confirm_import():
    plan, problem = imports.confirm(
        ConfirmImportForm(), _read_roster,
        lambda plan: services.apply_import(plan, current_user), services.MunicipalityError)
    if plan is None:
        flash(str(problem), "error")
        return redirect(url_for("municipalities.import_roster"))
    flash(str(imports.done_message(plan)), "success")
    return redirect(url_for("municipalities.index"))


@bp.route("/export.<any(csv, xlsx):fmt>")
@allow(action="municipalities.manage")
def export(fmt):
    rows = services.roster_rows()
    if fmt == "csv":
        return csv_response(rows, "m4eg-members.csv")
    return xlsx_response(rows, "m4eg-members.xlsx", sheet_title="Members")

