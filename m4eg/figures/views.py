"""The key figures page and its CSV download."""

from __future__ import annotations

from flask import render_template, request

from ..core.cache import cached_page, memoize
from ..core.exports import table_response
from ..core.permissions import PUBLIC, allow
from . import bp, services
from .chart import bar_chart


def _figures(period):
    """The figures for ``period``, computed again only after a write."""
    return memoize("figures", tuple(sorted(period.as_args().items())),
                   lambda: services.compute(period))


@bp.route("/")
@cached_page
@allow(PUBLIC)
def index():
    period, valid = services.Period.from_args(request.args)
    figures = _figures(period)
    charts = {f.key: bar_chart(f.parts) for f in figures if f.tracked and f.parts}
    return render_template("figures/index.html", figures=figures, period=period,
                           period_valid=valid, charts=charts)


@bp.route("/export.csv")
@allow(PUBLIC)
def export():
    period, _valid = services.Period.from_args(request.args)
    suffix = "-".join(period.as_args().values()) or "all"
    return table_response(services.rows(_figures(period)), "csv", f"m4eg-figures-{suffix}")
