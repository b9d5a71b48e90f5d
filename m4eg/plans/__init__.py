"""P4EG plans: drafting from a versioned template, submission, review and revisions."""

from flask import Blueprint, Flask

bp = Blueprint("plans", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the routes and permission policies (they register on import, so they are
    imported here and not when another domain imports this package's services)."""
    from ..core.sections import register_section
    from . import blockform, monitoring_views, policies, views  # noqa: F401
    from .models import PlanStatus
    from .monitoring_models import ReportStatus

    app.register_blueprint(bp, url_prefix="/<lang:lang_code>/plans")
    # The templates name the block form's inputs and compare statuses through these.
    app.jinja_env.globals.update(plan_blockform=blockform, PlanStatus=PlanStatus,
                                 ReportStatus=ReportStatus)
    register_section(app, "member", "plans", views.member_section, order=20)
