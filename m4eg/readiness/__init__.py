"""The Smart Village Readiness (SVR) index of the World Bank paper, as a living tool."""

from flask import Blueprint, Flask

bp = Blueprint("readiness", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the routes and permission policies (they register on import, so they are
    imported here and not when another domain imports this package's services)."""
    from . import policies, views  # noqa: F401

    app.register_blueprint(bp, url_prefix="/<lang:lang_code>/readiness")
