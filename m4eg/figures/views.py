"""The key figures page and its CSV download."""

from __future__ import annotations

from flask import render_template, request

from ..core.exports import csv_response
from ..core.permissions import PUBLIC, allow
from . import bp, services
from .chart import bar_chart


@bp.route("/")
@allow(PUBLIC)
def index():
    period, valid = services.Period.from_args(request.args)
    figures = services.compute(period)
    charts = {f.key: bar_chart(f.parts) for f in figures if f.tracked and f.parts}
    return render_template("figures/index.html", figures=figures, period=period,
                           period_valid=valid, charts=charts)


@bp.route("/export.csv")
@allow(PUBLIC)
def export():
    period, _valid = services.Period.from_args(request.args)
    suffix = "-".join(period.as_args().values()) or "all"
    return csv_response(services.rows(services.compute(period)), f"m4eg-figures-{suffix}.csv")
