"""The network's key figures, computed from records (seed 004's "Key figures" table)."""

from flask import Blueprint, Flask

bp = Blueprint("figures", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the routes and permission policies (they register on import, so they are
    imported here and not when another domain imports this package's services)."""
    from . import policies, views  # noqa: F401

    app.register_blueprint(bp, url_prefix="/<lang:lang_code>/figures")
