"""Translated error pages with the right status code, never a bare 500."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from .i18n import LANGUAGES

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please check what you "
                                "entered and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("The page you asked for does not exist or has moved.")),
    405: (_l("Method not allowed"), _l("This page cannot be used that way.")),
    413: (_l("File too large"), _l("The file you sent is larger than the platform accepts.")),
    429: (_l("Too many attempts"), _l("You have tried too many times. Please wait a few "
                                      "minutes and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. It has been logged; "
                                         "please try again later.")),
}
CSRF_MESSAGE = _l("This form has expired or did not come from this site. Go back, reload the "
                  "page and send it again.")

class DomainError(Exception):
    """A domain rule refused an operation: every service's error derives from it.

    ``message`` stays lazy (it is rendered in the language of the page that shows it);
    ``field`` names the form field it concerns (the form shows it there, else on top);
    ``problems`` maps field names to messages when several are wrong at once."""

    field: str | None = None

    def __init__(self, message, field=None, problems=None):
        super().__init__(message)
        self.message = message
        if field:
            self.field = field
        self.problems = dict(problems or {})


def render_error(code: int, message=None, link: tuple[str, str] | None = None):
    """The error page; ``link`` (an address and its label) names where to go next."""
    title, default_message = MESSAGES.get(code, MESSAGES[500])
    return render_template(
        "errors/error.html", code=code, title=title, message=message or default_message,
        link=link), code


API_PREFIX = "/api/"
API_NOT_FOUND = _l("There is nothing at this address of the API. The list of addresses is "
                   "at /api/v1/openapi.json.")


def api_error(code: int, description: str = ""):
    """The API's JSON answer to an HTTP error, in the language the client's Accept-Language
    prefers, English by default (as every API answer)."""
    with force_locale(request.accept_languages.best_match(LANGUAGES, default="en")):
        message = str(API_NOT_FOUND if code == 404 else MESSAGES.get(
            code, (None, description))[1])
    return jsonify(error=message, status=code), code


def _http_error(error: HTTPException):
    if request.path.startswith(API_PREFIX):
        # The API answers JSON even where no route matched (a bad id, an unknown path).
        return api_error(error.code, error.description)
    if error.code in MESSAGES:
        return render_error(error.code)
    return error


def _csrf_error(error: CSRFError):
    from flask_login import current_user

    from .rescue import rescue_response

    rescued = rescue_response(bool(current_user.is_authenticated))
    return rescued if rescued is not None else render_error(400, CSRF_MESSAGE)


def _server_error(error):
    db.session.rollback()
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(500, _server_error)
