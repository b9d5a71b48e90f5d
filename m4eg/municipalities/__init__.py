"""Member municipalities of the M4EG network: directory, member pages, register, import."""

from flask import Blueprint

bp = Blueprint("municipalities", __name__, template_folder="templates")

from . import cli, policies, views  # noqa: E402,F401
