"""Read-only JSON API under /api/v1/: open data without personal data."""

from flask import Blueprint, Flask

bp = Blueprint("api", __name__)


def init_app(app: Flask) -> None:
    """Register the routes and permission policies (they register on import, so they are
    imported here and not when another domain imports this package's services)."""
    from . import views  # noqa: F401

    app.register_blueprint(bp, url_prefix="/api/v1")
