"""JSON endpoints and their OpenAPI description. Names come in both languages; nothing here
identifies a person."""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..core.errors import api_error
from ..core.params import to_int
from ..core.permissions import PUBLIC, allow
from ..core.privacy import SmallCell
from ..core.views import get_or_404
from ..courses import services as courses
from ..figures import services as figures
from ..municipalities import services as municipalities
from ..plans import services as plans
from ..readiness import services as readiness
from . import bp
from .openapi import openapi_document

MAX_PER_PAGE = 100
LANGUAGES = ("az", "en")


def _member(m) -> dict:
    return {
        "code": m.code, "slug": m.slug, "name": {"az": m.name_az, "en": m.name_en},
        "type": m.type, "status": m.status, "joined_year": m.joined_year,
        "rayon": m.rayon and {"code": m.rayon.code,
                              "name": {"az": m.rayon.name_az, "en": m.rayon.name_en}},
        "region": m.rayon and {"code": m.rayon.region.code,
                               "name": {"az": m.rayon.region.name_az,
                                        "en": m.rayon.region.name_en}},
        "deep_demonstrator_track": m.demonstrator_track, "demo": m.is_demo,
        "contacts": {"email": m.email or None, "phone": m.phone or None,
                     "website": m.website or None},
        "url": url_for("municipalities.show", slug=m.slug, lang_code="en", _external=True),
    }


@bp.route("/municipalities")
@allow(PUBLIC)
def municipality_list():
    filters = municipalities.Filters.from_args(request.args)
    page = to_int(request.args.get("page"), default=1, minimum=1, maximum=100_000)
    per_page = min(to_int(request.args.get("per_page"), default=50, minimum=1), MAX_PER_PAGE)
    lang = request.args.get("lang") if request.args.get("lang") in ("az", "en") else "en"
    pagination = municipalities.list_members(filters, lang=lang, page=page, per_page=per_page)
    return jsonify(
        items=[_member(m) for m in pagination.items], page=pagination.page,
        per_page=per_page, total=pagination.total, pages=pagination.pages,
        counts_by_type=municipalities.counts_by_type(filters),
    )


@bp.route("/municipalities/<slug>")
@allow(PUBLIC)
def municipality_detail(slug):
    return jsonify(_member(get_or_404(municipalities.get_by_slug(slug))))


def _cell(value):
    """A count as JSON: a suppressed small count as the CSV writes it (``"<5"``)."""
    return str(value) if isinstance(value, SmallCell) else value


def _figure(f) -> dict:
    return {"key": f.key, "label": str(f.label), "tracked": f.tracked,
            "value": "n/a" if f.unavailable else _cell(f.value),
            "unavailable_reason": str(f.unavailable) or None, "definition": str(f.source),
            "breakdown": {key: _cell(value) for key, _label, value in f.parts},
            "breakdown_labels": {key: str(label) for key, label, _value in f.parts},
            "also": {key: value for key, _label, value in f.also},
            "also_labels": {key: str(label) for key, label, _value in f.also}}


def _figures_answer(key: str | None = None):
    """The figures (or the one named ``key``) with labels in ``?lang=`` (az|en, default en);
    a period that is not one answers 400, an unknown key 404, each with a translated
    message."""
    lang = request.args.get("lang", "en")
    if lang not in LANGUAGES:
        # In the language the client's Accept-Language prefers, English by default.
        with force_locale(request.accept_languages.best_match(LANGUAGES, default="en")):
            return jsonify(error=_("“%(value)s” is not a language of the figures: choose one "
                                   "of %(languages)s.", value=lang[:20],
                                   languages=", ".join(LANGUAGES)), field="lang"), 400
    with force_locale(lang):
        if key is not None and key not in figures.KEYS:
            return jsonify(error=_("There is no key figure of this name."), key=key), 404
        try:
            period = figures.Period.from_args(request.args)
        except figures.PeriodError as error:
            return jsonify(error=str(error.message), field=error.field), 400
        computed = [_figure(f) for f in figures.compute(period) if key in (None, f.key)]
        answer = {"period": {"from": period.as_args().get("from"),
                             "to": period.as_args().get("to")},
                  "notice": figures.data_notice(period) or None, "lang": lang}
        if key is None:
            return jsonify(figures=computed, **answer)
        return jsonify(figure=computed[0], **answer)


@bp.route("/figures")
@allow(PUBLIC)
def figure_list():
    return _figures_answer()


@bp.route("/figures/<key>")
@allow(PUBLIC)
def figure_detail(key):
    return _figures_answer(key)


@bp.route("/courses")
@allow(PUBLIC)
def course_list():
    return jsonify(items=[{
        "slug": c.slug, "title": c.title, "summary": c.summary, "topics": list(c.topics),
        "level": c.level, "hours": c.hours, "sdgs": list(c.sdgs), "pass_mark": c.pass_mark,
        "lessons": [{"slug": lesson.slug, "title": lesson.title} for lesson in c.lessons],
        "url": url_for("courses.show", slug=c.slug, lang_code="en", _external=True),
    } for c in courses.courses()])


@bp.route("/readiness")
@allow(PUBLIC)
def readiness_ranking():
    """The ranking of ``kind`` in ``year`` (the latest by default); for clusters, those built
    from ``of`` (village or rayon); a year without values answers 400 with a translated
    message."""
    kind = request.args.get("kind", "village")
    if kind not in readiness.KINDS:
        kind = "village"
    # Clusters of village municipalities and of rayons are ranked separately (``of``).
    of = readiness.cluster_group(request.args.get("of")) if kind == "cluster" else None
    try:
        year = readiness.parse_year(kind, request.args.get("year"), of)
    except readiness.ReadinessError as error:
        return jsonify(error=str(error.message), field=error.field), 400
    weight_set = readiness.get_weight_set(request.args.get("weights"))
    names = readiness.areas(kind)
    shown = readiness.ranking(kind, weight_set, year, of=of)
    official = readiness.official_classes(kind)
    return jsonify(kind=kind, of=of, year=shown.year, years=readiness.years(kind, of),
                   weights=weight_set.weights if weight_set else "equal",
                   reference=readiness.settings().reference, relative=shown.relative,
                   left_out=shown.left_out, demo=readiness.has_demo_values(kind), areas=[{
                       "code": a.area, "name": {k: names.get(a.area, {}).get(k)
                                                for k in ("az", "en")},
                       "rank": a.rank, "class": a.klass,
                       "official_class": official[a.area].klass if a.area in official
                       else None, "index": a.index,
                       "dimensions": a.dimensions, "gaps": a.gaps, "coverage": a.coverage,
                       "flagged": a.flagged} for a in shown.result.areas])


def _plan_url(plan) -> str:
    return url_for("plans.open_plan", slug=plan.municipality.slug, plan_id=plan.id,
                   lang_code="en", _external=True)


def _bad_parameter(field: str, value: str):
    with force_locale(request.accept_languages.best_match(LANGUAGES, default="en")):
        return jsonify(error=_("“%(value)s” is not a valid value of %(field)s.",
                               value=value[:40], field=field), field=field), 400


@bp.route("/plans")
@allow(PUBLIC)
def plan_list():
    """Approved plans that are not withheld, with their content, budget totals and the count
    and latest of their public monitoring reports (no person: no names, emails or comments);
    filters as on the public list."""
    problems = plans.OpenFilters.problems(request.args)
    for field, maximum in (("page", 100_000), ("per_page", MAX_PER_PAGE)):
        given = request.args.get(field)
        if given is not None and to_int(given, minimum=1, maximum=maximum) is None:
            problems[field] = given
    if problems:
        field, value = next(iter(problems.items()))
        return _bad_parameter(field, value)
    page = to_int(request.args.get("page"), default=1, minimum=1, maximum=100_000)
    per_page = to_int(request.args.get("per_page"), default=20, minimum=1,
                      maximum=MAX_PER_PAGE)
    pagination = plans.open_plans(plans.OpenFilters.from_args(request.args), page=page,
                                  per_page=per_page)
    return jsonify(items=[plans.public_record(p, _plan_url(p)) for p in pagination.items],
                   page=pagination.page, per_page=per_page, total=pagination.total,
                   pages=pagination.pages)


@bp.route("/plans/<int:plan_id>")
@allow(PUBLIC)
def plan_detail(plan_id):
    """One public plan with its accepted monitoring reports that are not withheld."""
    plan = get_or_404(plans.get_open_plan(plan_id))
    return jsonify(plans.public_record(plan, _plan_url(plan), with_reports=True))


@bp.route("/openapi.json")
@allow(PUBLIC)
def openapi():
    return jsonify(openapi_document())


@bp.errorhandler(404)
def _not_found(error):
    return api_error(404)
