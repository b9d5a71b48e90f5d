"""In-person ULC workshops: sessions of a course, registration with a waitlist, the
attendance register."""

from flask import Blueprint, Flask

bp = Blueprint("workshops", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the routes, the permission policies, the statuses templates compare with
    (imported here, not when another domain imports this package's services) and the
    learner's workshops on "My learning"."""
    from ..core.personal_data import register_personal_data
    from ..core.sections import register_section
    from . import policies, services, views  # noqa: F401 - policies register on import
    from .models import Attendance, RegistrationStatus

    app.jinja_env.globals.update(RegistrationStatus=RegistrationStatus, Attendance=Attendance,
                                 workshop_when=services.when,
                                 workshop_moment=services.moment)
    # "My learning" belongs to courses, which sits below workshops: it renders this section
    # through core.sections without importing workshops.
    register_section(app, "my_learning", "workshops", views.my_learning_section, order=20)
    app.register_blueprint(bp, url_prefix="/<lang:lang_code>/workshops")
    register_personal_data(app, "workshops", export=services.export_for_user,
                           tables=services.PERSONAL_TABLES)
