"""The site's own pages: home, privacy, the language redirect and the health check."""

from flask import Blueprint, Flask

bp = Blueprint("main", __name__, template_folder="templates")
root = Blueprint("root", __name__)


def init_app(app: Flask) -> None:
    """Register the routes and permission policies (they register on import, so they are
    imported here and not when another domain imports this package's services)."""
    from . import policies, views  # noqa: F401

    app.register_blueprint(root)
    app.register_blueprint(bp, url_prefix="/<lang:lang_code>")
