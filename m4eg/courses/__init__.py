"""The Urban Learning Center: courses from courses/, progress, quizzes, certificates,
workshops."""

from flask import Blueprint, Flask

bp = Blueprint("courses", __name__, template_folder="templates")
certificates_bp = Blueprint("certificates", __name__)
workshops_bp = Blueprint("workshops", __name__)


def init_app(app: Flask) -> None:
    """Load and validate the course content once, at start-up (a bad file stops the app
    with its path and the reason)."""
    from .content import load_catalogue

    app.extensions["m4eg_courses"] = load_catalogue()


from . import cli, policies, views, workshop_views  # noqa: E402,F401
