"""The Urban Learning Center: courses from courses/, progress, quizzes, certificates (the
in-person sessions are ``m4eg.workshops``)."""

from flask import Blueprint, Flask

bp = Blueprint("courses", __name__, template_folder="templates")
certificates_bp = Blueprint("certificates", __name__)


def init_app(app: Flask) -> None:
    """Load and validate the course content once, at start-up (a bad file stops the app
    with its path and the reason); register the routes and permission policies (imported
    here, not when another domain imports this package's services)."""
    from ..core.personal_data import register_personal_data
    from ..core.sections import register_section
    from . import policies, services, views  # noqa: F401
    from .content import load_catalogue

    app.extensions["m4eg_courses"] = load_catalogue()
    app.register_blueprint(bp, url_prefix="/<lang:lang_code>/courses")
    app.register_blueprint(certificates_bp, url_prefix="/<lang:lang_code>/certificates")
    register_section(app, "member", "courses", views.member_section, order=30)
    register_personal_data(app, "courses", export=services.export_for_user,
                           erase=services.erase_for_user, tables=services.PERSONAL_TABLES)
