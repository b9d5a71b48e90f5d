"""Languages: URL prefixes, locale selection, the language switch and locale-aware filters.

Every page lives under ``/az/…`` or ``/en/…``. The prefix is a URL converter that matches only
the supported languages, so an unknown prefix is simply a 404.
"""

from __future__ import annotations

from datetime import date

from babel import dates as babel_dates
from flask import Flask, g, has_request_context, request, url_for
from flask.globals import _cv_app
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    format_time,
    get_locale,
)
from flask_login import current_user
from markupsafe import Markup
from werkzeug.routing import BaseConverter

from ..extensions import babel
from .markdown import with_breaks
from .params import BoundedIntConverter
from .text import az_lower, az_sort_key, az_title, az_upper

LANGUAGES = ("az", "en")
DEFAULT_LANGUAGE = "az"
LANG_COOKIE = "m4eg_lang"
LANGUAGE_NAMES = {"az": "Azərbaycanca", "en": "English"}


class LanguageConverter(BaseConverter):
    regex = "(?:az|en)"


def saved_language() -> str:
    """The language to use when the URL does not say: saved choice, browser, else az."""
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    user = current_user
    if user and user.is_authenticated and user.preferred_language in LANGUAGES:
        return user.preferred_language
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def select_locale() -> str:
    if not has_request_context():  # CLI commands and service code outside a request
        return DEFAULT_LANGUAGE
    if g.get("lang_code"):
        return g.lang_code
    # A URL that matched no route (404) still says its language in its first segment.
    prefix = request.path.strip("/").split("/", 1)[0]
    return prefix if prefix in LANGUAGES else saved_language()


def current_language() -> str:
    """"az" or "en": the locale Flask-Babel selected (or force_locale() set) for this context.

    It runs for every bilingual field of a page (hundreds of times on a list), so it reads
    the locale Flask-Babel keeps on ``g`` directly instead of through two context proxies,
    and takes ``language`` rather than formatting an identifier."""
    app_context = _cv_app.get(None)
    if app_context is not None:
        state = app_context.g.__dict__.get("_flask_babel")
        locale = getattr(state, "babel_locale", None)
        if locale is not None:
            return locale.language
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def format_score(value) -> str:
    """A score between 0 and 1 with two decimals as the page's language writes it (``0,86``
    in az, ``0.86`` in en); "—" when there is none."""
    return "—" if value is None else format_decimal(value, "0.00")


def format_share(value) -> str:
    """A share (0.857) as a whole percentage for the page's language; "—" when none."""
    return "—" if value is None else format_percent(value)


# One way of writing a date on every page: "2 dekabr 2026" / "December 2, 2026" (a review
# found three across the pages: "02.12.26", "2 dek 2026" and the long form; the abbreviated
# month is not what an Azerbaijani sentence carries). The named CLDR widths all mean it;
# a template may still ask for an explicit pattern ("LLLL y" for a month).
DATE_WIDTHS = {"short", "medium", "long", None}
# The time of day as 15:33 in both languages (Babel's English "short" time is "3:33 PM").
TIME_PATTERN = "HH:mm"


def _format_date(value, format=None):
    """The ``date`` filter. A plain date (no time zone to convert) is formatted by Babel with
    the page's locale directly, which is several times cheaper than Flask-Babel's general
    path; anything else goes through Flask-Babel."""
    if format in DATE_WIDTHS:
        format = "long"
    if type(value) is date:
        locale = get_locale()
        if locale is not None:
            return babel_dates.format_date(value, format, locale=locale)
    return format_date(value, format)


def format_moment(value, format=None) -> str:
    """The ``datetime`` filter: a date and time in the platform's zone, "2 dekabr 2026, 15:33"
    (en "December 2, 2026, 15:33"); an explicit CLDR pattern is used as given."""
    if format not in DATE_WIDTHS:
        return format_datetime(value, format)
    return f"{format_date(value, 'long')}, {format_time(value, TIME_PATTERN)}"


def _format_isodate(value, format=None):
    """A date stored as ISO text (``2025-02-01`` in plan tables) written for the page."""
    try:
        return _format_date(date.fromisoformat(str(value)), format)
    except ValueError:
        return str(value)


def localized(obj, field: str) -> str:
    """``obj.<field>_<lang>`` for the current language, falling back to the other one."""
    lang = current_language()
    value = getattr(obj, f"{field}_{lang}", None)
    if value:
        return value
    other = next(code for code in LANGUAGES if code != lang)
    return getattr(obj, f"{field}_{other}", "") or ""


# Names url_for() takes for itself: a query string that carried them (``?_external=1``,
# ``?endpoint=x``) would change the link or break the page.
_URL_FOR_NAMES = {"endpoint", "lang_code"}


def query_args(*drop: str) -> dict[str, list[str]]:
    """The query string of the current request, fit to be passed on to ``url_for``: without
    url_for's own arguments (names starting with ``_``, ``endpoint``), without the current
    route's arguments and without the names in ``drop`` (those the caller sets itself)."""
    excluded = _URL_FOR_NAMES | set(drop)
    if request.url_rule is not None:
        excluded |= request.url_rule.arguments
    return {
        key: values for key, values in request.args.to_dict(flat=False).items()
        if key not in excluded and not key.startswith("_")
    }


def language_switch_urls() -> dict[str, str]:
    """The URL of the current page in each language (the home page when there is none)."""
    endpoint = request.endpoint
    urls = {}
    for lang in LANGUAGES:
        if endpoint and request.url_rule and "lang_code" in request.url_rule.arguments:
            args = dict(request.view_args or {})
            args["lang_code"] = lang
            urls[lang] = url_for(endpoint, **args, **query_args())
        else:
            urls[lang] = url_for("main.index", lang_code=lang)
    return urls


def _pull_lang(endpoint, values):
    if values and "lang_code" in values:
        g.lang_code = values.pop("lang_code")


def _add_lang(endpoint, values):
    if "lang_code" in values:
        return
    from flask import current_app

    if current_app.url_map.is_endpoint_expecting(endpoint, "lang_code"):
        values["lang_code"] = g.get("lang_code") or current_language()


def _remember_language(response):
    lang = g.get("lang_code")
    if lang and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=60 * 60 * 24 * 365, samesite="Lax", httponly=True,
            secure=request.is_secure,
        )
    if lang:
        response.headers.setdefault("Content-Language", lang)
    return response


def _az_money(value, currency="AZN"):
    return format_currency(value, currency)


def init_app(app: Flask) -> None:
    app.url_map.converters["lang"] = LanguageConverter
    app.url_map.converters["int"] = BoundedIntConverter
    # Displayed dates and times follow the one zone setting, also when a test overrides it.
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["M4EG_TIMEZONE"]
    babel.init_app(app, locale_selector=select_locale)
    app.url_value_preprocessor(_pull_lang)
    app.url_defaults(_add_lang)
    app.after_request(_remember_language)
    app.jinja_env.filters.update(
        az_upper=az_upper,
        az_lower=az_lower,
        az_title=az_title,
        date=_format_date,
        isodate=_format_isodate,
        breaks=with_breaks,
        datetime=format_moment,
        number=format_decimal,
        score=format_score,
        percent=format_share,
        money=_az_money,
    )
    # Helpers templates call by their own name.
    app.jinja_env.globals.update(
        {helper.__name__: helper
         for helper in (localized, az_sort_key, current_language, query_args)},
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )

    @app.context_processor
    def _language_context():
        return {"language_urls": language_switch_urls, "Markup": Markup}
