"""The network's key figures, computed from records (seed 004's "Key figures" table)."""

from flask import Blueprint

bp = Blueprint("figures", __name__, template_folder="templates")

from . import views  # noqa: E402,F401
