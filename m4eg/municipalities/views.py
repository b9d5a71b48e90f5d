"""The directory, member pages and the coordinators' register: thin handlers."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import imports
from ..core.cache import cached_page
from ..core.exports import table_response
from ..core.forms import select_choices
from ..core.i18n import current_language
from ..core.params import to_int
from ..core.permissions import PUBLIC, allow, can
from ..core.sections import render_sections
from ..core.text import az_sort_key
from ..core.views import act, get_or_404, submit
from . import bp, services
from .forms import ConfirmImportForm, ImportForm, MunicipalityForm, StatusForm
from .models import MemberStatus, MunicipalityType


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
        types=MunicipalityType, statuses=MemberStatus,
    )


@bp.route("/<slug>")
@cached_page
@allow(PUBLIC)
def show(slug):
    municipality = get_or_404(services.get_by_slug(slug))
    manage = can(current_user, "municipalities.manage")
    return render_template(
        "municipalities/show.html", municipality=municipality,
        member_sections=render_sections("member", municipality),
        history=services.history_entries(municipality) if manage else None,
        manage=manage, statuses=MemberStatus,
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


def _edit_page(form, municipality):
    return lambda: render_template("municipalities/edit.html", form=form,
                                   municipality=municipality)


def _shown(municipality) -> str:
    return url_for("municipalities.show", slug=municipality.slug)


@bp.route("/new", methods=["GET", "POST"])
@allow(action="municipalities.manage")
def create():
    form = _with_rayons(MunicipalityForm())
    return submit(form, lambda: services.create_member(_form_data(form), current_user),
                  done=_("The member has been added."), then=_shown,
                  page=_edit_page(form, None))


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@allow(action="municipalities.manage")
def edit(slug):
    municipality = get_or_404(services.get_by_slug(slug))
    form = _with_rayons(MunicipalityForm(obj=municipality if request.method == "GET" else None))
    if request.method == "GET":
        form.demonstrator_track.data = municipality.demonstrator_track or ""
    return submit(form, lambda version: services.update_member(
        municipality, _form_data(form), current_user, version=version), versioned=True,
        done=_("The changes have been saved."),
        then=lambda _changes: _shown(municipality),  # after the save: the slug may change
        page=_edit_page(form, municipality))


@bp.route("/<slug>/status", methods=["GET", "POST"])
@allow(action="municipalities.manage")
def set_status(slug):
    """Suspending, restoring or marking a member as left asks first on a page of its own
    (GET, from the member page's buttons); the confirmation posts the change."""
    municipality = get_or_404(services.get_by_slug(slug))
    # The confirmation page is asked with GET: no token there, the POST it makes carries one.
    form = (StatusForm(formdata=request.args, meta={"csrf": False})
            if request.method == "GET" else StatusForm())
    if not form.validate() or MemberStatus.get(form.status.data) is None:
        abort(400)
    if request.method == "GET":
        return render_template("municipalities/confirm_status.html", form=form,
                               municipality=municipality,
                               status=MemberStatus.get(form.status.data))
    return act(lambda: services.set_status(municipality, form.status.data, current_user,
                                           version=int(form.version.data)),
               done=lambda _result: _("Status changed to: %(status)s.",
                                      status=municipality.status_label),
               then=_shown(municipality) + "#manage-heading")


def _read_roster(filename, content):
    return services.plan_import(services.read_table(filename, content))


@bp.route("/import", methods=["GET", "POST"])
@allow(action="municipalities.manage")
def import_roster():
    return imports.upload_page(ImportForm(), _read_roster, services.MAX_IMPORT_BYTES,
                               confirm_form=ConfirmImportForm,
                               template="municipalities/import.html",
                               field_labels=services.FIELD_LABELS)


@bp.route("/import/confirm", methods=["POST"])
@allow(action="municipalities.manage")
def confirm_import():
    return imports.confirm_view(
        ConfirmImportForm(), _read_roster,
        lambda plan: services.apply_import(plan, current_user),
        then=url_for("municipalities.index"), retry=url_for("municipalities.import_roster"))


@bp.route("/export.<any(csv, xlsx):fmt>")
@allow(action="municipalities.manage")
def export(fmt):
    return table_response(services.roster_rows(), fmt, "m4eg-members", sheet_title="Members")
