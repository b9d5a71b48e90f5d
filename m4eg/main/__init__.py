"""The site's own pages: home, privacy, the language redirect and the health check."""

from flask import Blueprint

bp = Blueprint("main", __name__, template_folder="templates")
root = Blueprint("root", __name__)

from . import policies, views  # noqa: E402,F401
