"""Readiness pages: the method, catalogue, ranking by year with sensitivity and class
movement, area and cluster profiles with progress, imports, settings and weights."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from ..core import imports
from ..core.cache import cached_page
from ..core.exports import table_response
from ..core.forms import select_choices
from ..core.i18n import current_language
from ..core.numbers import format_number
from ..core.permissions import PUBLIC, allow
from ..core.text import az_sort_key
from ..core.views import get_or_404, submit
from . import bp, services
from .chart import change_chart, index_chart, signed_score
from .compute import CLASSES, DEFAULT_MIN_COVERAGE, DIMENSIONS
from .forms import ConfirmForm, ImportForm, SettingsForm, TableImportForm, WeightSetForm
from .labels import (
    CLUSTER_GROUP_LABELS,
    DIMENSION_LABELS,
    KIND_LABELS,
    KIND_NOUNS,
    cut_label,
    reference_label,
)


def _kind():
    kind = request.args.get("kind", "village")
    return kind if kind in services.KINDS else "village"


def _weights(arg="weights"):
    return services.get_weight_set(request.args.get(arg))


def _group(kind):
    """For clusters: the kind of area the clusters shown are built from (``of``)."""
    return services.cluster_group(request.args.get("of")) if kind == "cluster" else None


def _year(kind, of=None):
    """The year asked for in the query string (None: the latest); 400 when it is no year
    with values, as for the API."""
    try:
        return services.parse_year(kind, request.args.get("year"), of)
    except services.ReadinessError as error:
        abort(400, description=str(error.message))


def _common():
    return {"classes": services.classes(), "dimensions": DIMENSIONS,
            "dimension_labels": DIMENSION_LABELS, "kinds": KIND_LABELS, "class_order": CLASSES,
            "settings": services.settings(), "cut_label": cut_label,
            "reference_label": reference_label,
            "signed": signed_score, "kind_nouns": KIND_NOUNS,
            "group_labels": CLUSTER_GROUP_LABELS}


@bp.route("/")
@cached_page
@allow(PUBLIC)
def index():
    kind, weight_set, compare = _kind(), _weights(), _weights("compare")
    of = _group(kind)
    year = _year(kind, of)
    shown = services.ranking(kind, weight_set, year, of=of)
    moved = services.sensitivity(kind, weight_set, compare, shown.year, of) \
        if "compare" in request.args else None
    names = services.areas(kind)
    return render_template(
        "readiness/index.html", kind=kind, of=of, groups=services.cluster_groups(),
        shown=shown, result=shown.result, names=names,
        weight_set=weight_set, compare=compare, moved=moved, years=services.years(kind, of),
        movement=services.class_movement(kind, shown.year, weight_set, of),
        official=services.official_classes(kind), weight_sets=services.weight_sets(),
        demo=services.has_demo_values(kind), chart=index_chart(shown.result, names),
        min_coverage=round(DEFAULT_MIN_COVERAGE * 100), **_common())


@bp.route("/method")
@cached_page
@allow(PUBLIC)
def method():
    rayons, lang = services.areas("rayon"), current_language()
    names = sorted((rayons.get(code, {}).get(lang, code) for code in services.metro_codes()),
                   key=az_sort_key if lang == "az" else str.casefold)
    return render_template("readiness/method.html", text=services.method_text(),
                           metro=names, weight_sets=services.weight_sets(), **_common())


@bp.route("/indicators")
@cached_page
@allow(PUBLIC)
def indicators():
    return render_template("readiness/indicators.html", catalogue=services.catalogue(),
                           dimensions=DIMENSIONS, dimension_labels=DIMENSION_LABELS)


@bp.route("/<any(village, rayon, cluster):kind>/<code>")
@cached_page
@allow(PUBLIC)
def profile(kind, code):
    name = get_or_404(services.areas(kind).get(code))
    data = services.profile(kind, code, _weights(), _year(kind, name.get("kind")
                                                             if kind == "cluster" else None))
    labels = [(d, DIMENSION_LABELS[d]) for d in DIMENSIONS] + [("index", _("Index"))]
    chart = change_chart(data["change"], labels) if data and data["change"] else None
    members = services.areas(name["kind"]) if kind == "cluster" else {}
    return render_template("readiness/profile.html", kind=kind, code=code, name=name,
                           data=data, chart=chart, members=members,
                           text=services.method_text(), demo=services.has_demo_values(kind),
                           **_common())


@bp.route("/export.<any(csv, xlsx):fmt>")
@allow(PUBLIC)
def export(fmt):
    kind = _kind()
    of = _group(kind)
    return table_response(services.export_rows(kind, _weights(), current_language(),
                                               _year(kind, of), of), fmt,
                          f"m4eg-readiness-{kind}", sheet_title="SVR index")


def _read_values(filename, content):
    return services.plan_import(services.read_table(filename, content))


@bp.route("/import", methods=["GET", "POST"])
@allow(action="readiness.manage")
def import_values():
    return imports.upload_page(ImportForm(), _read_values, services.MAX_IMPORT_BYTES,
                               confirm_form=ConfirmForm, template="readiness/import.html",
                               names={k: services.areas(k) for k in services.AREA_KINDS},
                               entries=services.entries(),
                               shown_rows=services.PREVIEW_ROWS)


@bp.route("/import/confirm", methods=["POST"])
@allow(action="readiness.manage")
def confirm_import():
    return imports.confirm_view(ConfirmForm(), _read_values, services.apply_import,
                                then=url_for("readiness.index"),
                                retry=url_for("readiness.import_values"))


@bp.route("/import/<any(clusters, bounds, classes):what>", methods=["GET", "POST"])
@allow(action="readiness.manage")
def import_table(what):
    return imports.upload_page(TableImportForm(), services.IMPORTS[what].read,
                               services.MAX_IMPORT_BYTES, confirm_form=ConfirmForm,
                               template="readiness/import_table.html", what=what,
                               clusters=services.clusters(), bounds=services.bounds("national"),
                               official=services.official_classes("cluster"),
                               classes=services.classes(), kind_nouns=KIND_NOUNS,
                               names={k: services.areas(k) for k in services.AREA_KINDS})


@bp.route("/import/<any(clusters, bounds, classes):what>/confirm", methods=["POST"])
@allow(action="readiness.manage")
def confirm_table(what):
    table = services.IMPORTS[what]
    return imports.confirm_view(ConfirmForm(), table.read, table.apply,
                                then=url_for("readiness.import_table", what=what),
                                retry=url_for("readiness.import_table", what=what))


@bp.route("/settings", methods=["GET", "POST"])
@allow(action="readiness.manage")
def settings():
    current = services.settings()
    form = SettingsForm(data=_settings_data(current) if request.method == "GET" else None)
    form.base_year.choices = select_choices(
        [("", _("None"))] + [(str(y), str(y)) for y in services.all_years()])
    return submit(form, lambda version: services.save_settings(form.data_for_service(),
                                                               version),
                  versioned=True, done=_("The method settings have been saved."),
                  then=url_for("readiness.method"),
                  page=lambda: render_template("readiness/settings.html", form=form,
                                               has_national=bool(services.bounds("national")),
                                               **_common()))


def _settings_data(current) -> dict:
    thresholds = list(current.thresholds or [])
    data = {"reference": current.reference, "cuts": current.cuts,
            "base_year": str(current.base_year or ""), "include_metro": current.include_metro,
            "version": current.version}
    for name, value in zip(SettingsForm.THRESHOLDS, thresholds, strict=False):
        data[name] = format_number(value)
    return data


@bp.route("/weights", methods=["GET", "POST"])
@allow(action="readiness.manage")
def weights():
    form = WeightSetForm()
    return submit(form, lambda: services.save_weight_set(
        form.name.data, {d: float(form[d].data) for d in DIMENSIONS}),
        done=_("The weight set has been saved."),
        then=lambda weight_set: url_for("readiness.index", weights=weight_set.id, compare=""),
        page=lambda: render_template("readiness/weights.html", form=form,
                                     weight_sets=services.weight_sets(), dimensions=DIMENSIONS,
                                     dimension_labels=DIMENSION_LABELS))
