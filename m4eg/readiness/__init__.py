"""The Smart Village Readiness (SVR) index of the World Bank paper, as a living tool."""

from flask import Blueprint

bp = Blueprint("readiness", __name__, template_folder="templates")

from . import policies, views  # noqa: E402,F401
