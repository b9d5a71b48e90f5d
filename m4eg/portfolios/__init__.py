"""Deep-demonstrator portfolios: tracking for coordinators, public pages for everyone."""

from flask import Blueprint, Flask

bp = Blueprint("portfolios", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the routes and permission policies (they register on import, so they are
    imported here and not when another domain imports this package's services)."""
    from ..core.sections import register_section
    from . import policies, views  # noqa: F401
    from .models import DatePrecision

    app.register_blueprint(bp, url_prefix="/<lang:lang_code>/portfolios")
    register_section(app, "member", "portfolios", views.member_section, order=10)
    app.jinja_env.globals["DatePrecision"] = DatePrecision  # read by the timeline macro
