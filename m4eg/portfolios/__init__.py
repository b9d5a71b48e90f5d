"""Deep-demonstrator portfolios: tracking for coordinators, public pages for everyone."""

from flask import Blueprint

bp = Blueprint("portfolios", __name__, template_folder="templates")

from . import policies, views  # noqa: E402,F401
