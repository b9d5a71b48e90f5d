"""Notifications in the platform: what happened that concerns a person (a plan's status, a
comment, a role, a workshop seat, a deadline), listed for them with a counter in the header,
and each person's choice of which kinds also come by email."""

from flask import Blueprint, Flask

bp = Blueprint("notifications", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the routes, the permission policies and the header's unread counter."""
    from flask_login import current_user

    from ..core.personal_data import register_personal_data
    from . import policies, services, views  # noqa: F401 - policies register on import

    def unread_notifications() -> int:
        """The reader's unread count for the header (one query, only where it is shown)."""
        if not current_user.is_authenticated:
            return 0
        return services.unread_count(current_user.id)

    app.jinja_env.globals["unread_notifications"] = unread_notifications
    app.register_blueprint(bp, url_prefix="/<lang:lang_code>/notifications")
    # A person's data export holds their notifications; erasing the account erases them.
    register_personal_data(app, "notifications", export=services.export_for_user,
                           erase=services.erase_for_user, tables=services.PERSONAL_TABLES)
