"""The annual report of the network, generated from the records for a period (seed 004's
"Key highlights"): HTML, PDF and Word, with a coordinator's introduction and section notes,
frozen once marked final."""

from flask import Blueprint, Flask

bp = Blueprint("reports", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the routes and the permission policies (imported here, not when another
    domain imports this package's services). The report lives under the figures' URL,
    ``/<lang>/figures/report``; the figures blueprint holds no rule there."""
    from ..core.personal_data import register_personal_data
    from . import policies, services, views  # noqa: F401

    app.register_blueprint(bp, url_prefix="/<lang:lang_code>/figures")
    register_personal_data(app, "reports", export=services.export_for_user,
                           erase=services.erase_for_user, tables=services.PERSONAL_TABLES)
