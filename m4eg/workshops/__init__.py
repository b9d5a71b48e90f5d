"""In-person ULC workshops: sessions of a course, registration with a waitlist, the
attendance register."""

from flask import Blueprint, Flask

bp = Blueprint("workshops", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the routes, the permission policies and the statuses templates compare with
    (imported here, not when another domain imports this package's services)."""
    from . import policies, views  # noqa: F401
    from .models import Attendance, RegistrationStatus

    app.jinja_env.globals.update(RegistrationStatus=RegistrationStatus, Attendance=Attendance)
    app.register_blueprint(bp, url_prefix="/<lang:lang_code>/workshops")
