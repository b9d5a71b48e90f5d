"""Readiness pages: catalogue, ranking with sensitivity, area profiles, import, weights."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _

from ..core import imports
from ..core.cache import cached_page
from ..core.exports import table_response
from ..core.i18n import current_language
from ..core.permissions import PUBLIC, allow
from ..core.views import get_or_404, submit
from . import bp, services
from .chart import index_chart
from .compute import CLASSES, DEFAULT_MIN_COVERAGE, DIMENSIONS
from .forms import ConfirmForm, ImportForm, WeightSetForm
from .labels import DIMENSION_LABELS, KIND_LABELS


def _kind():
    kind = request.args.get("kind", "village")
    return kind if kind in services.KINDS else "village"


def _weights(arg="weights"):
    return services.get_weight_set(request.args.get(arg))


@bp.route("/")
@cached_page
@allow(PUBLIC)
def index():
    kind, weight_set = _kind(), _weights()
    compare = _weights("compare")
    result = services.ranking(kind, weight_set)
    moved = services.sensitivity(kind, weight_set, compare) if "compare" in request.args \
        else None
    return render_template(
        "readiness/index.html", kind=kind, result=result, names=services.areas(kind),
        weight_set=weight_set, compare=compare, moved=moved,
        weight_sets=services.weight_sets(), classes=services.classes(),
        demo=services.has_demo_values(kind), chart=index_chart(result, services.areas(kind)),
        dimensions=DIMENSIONS, dimension_labels=DIMENSION_LABELS, kinds=KIND_LABELS,
        class_order=CLASSES, min_coverage=round(DEFAULT_MIN_COVERAGE * 100))


@bp.route("/indicators")
@cached_page
@allow(PUBLIC)
def indicators():
    return render_template("readiness/indicators.html", catalogue=services.catalogue(),
                           dimensions=DIMENSIONS, dimension_labels=DIMENSION_LABELS)


@bp.route("/<any(village, rayon):kind>/<code>")
@cached_page
@allow(PUBLIC)
def profile(kind, code):
    name = get_or_404(services.areas(kind).get(code))
    data = services.profile(kind, code, _weights())
    return render_template("readiness/profile.html", kind=kind, code=code, name=name,
                           data=data, classes=services.classes(), dimensions=DIMENSIONS,
                           dimension_labels=DIMENSION_LABELS,
                           demo=services.has_demo_values(kind))


@bp.route("/export.<any(csv, xlsx):fmt>")
@allow(PUBLIC)
def export(fmt):
    kind = _kind()
    return table_response(services.export_rows(kind, _weights(), current_language()), fmt,
                          f"m4eg-readiness-{kind}", sheet_title="SVR index")


def _read_values(filename, content):
    return services.plan_import(services.read_table(filename, content))


@bp.route("/import", methods=["GET", "POST"])
@allow(action="readiness.manage")
def import_values():
    return imports.upload_page(ImportForm(), _read_values, services.MAX_IMPORT_BYTES,
                               confirm_form=ConfirmForm, template="readiness/import.html")


@bp.route("/import/confirm", methods=["POST"])
@allow(action="readiness.manage")
def confirm_import():
    return imports.confirm_view(ConfirmForm(), _read_values, services.apply_import,
                                then=url_for("readiness.index"),
                                retry=url_for("readiness.import_values"))


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
