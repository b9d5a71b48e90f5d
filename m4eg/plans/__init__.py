"""P4EG plans: drafting from a versioned template, submission, review and revisions."""

from flask import Blueprint

bp = Blueprint("plans", __name__, template_folder="templates")

from . import cli, policies, views  # noqa: E402,F401
