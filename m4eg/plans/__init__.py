"""P4EG plans: drafting from a versioned template, submission, review and revisions."""

from flask import Blueprint, Flask

bp = Blueprint("plans", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the routes and permission policies (they register on import, so they are
    imported here and not when another domain imports this package's services)."""
    from ..core.personal_data import register_personal_data
    from ..core.sections import register_section
    from . import (  # noqa: F401
        blockform,
        monitoring_views,
        policies,
        services,
        views,
        views_extensions,
        views_public,
        views_workbook,
    )
    from .models import PlanStatus
    from .monitoring_models import ReportStatus

    app.register_blueprint(bp, url_prefix="/<lang:lang_code>/plans")
    # An approved plan's public page lives under its member's page.
    app.add_url_rule("/<lang:lang_code>/municipalities/<slug>/plans/<int:plan_id>",
                     endpoint="plans.open_plan", view_func=views_public.open_plan)
    # The templates name the block form's inputs and compare statuses through these.
    app.jinja_env.globals.update(plan_blockform=blockform, PlanStatus=PlanStatus,
                                 ReportStatus=ReportStatus)
    register_section(app, "member", "plans", views.member_section, order=20)
    register_section(app, "open_plan", "monitoring", views_public.monitoring_section,
                     order=10)
    register_personal_data(app, "plans", export=services.export_for_user,
                           tables=services.PERSONAL_TABLES)
