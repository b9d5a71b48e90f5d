"""A person's notifications: the list, opening one, marking read, their mail choices."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..core.params import to_int
from ..core.permissions import allow
from ..core.views import act, get_or_404, submit
from . import bp, services
from .forms import PreferencesForm


def _own(notification_id):
    """The reader's notification, or 404: someone else's id is not found, not refused, so
    that an id tells nothing about whether it exists."""
    return get_or_404(services.get(current_user.id, notification_id), "notifications.read")


@bp.route("/")
@allow(action="notifications.read")
def index():
    page = to_int(request.args.get("page"), default=1, minimum=1, maximum=100_000)
    return render_template("notifications/index.html",
                           pagination=services.listing(current_user.id, page=page),
                           link=services.link)


@bp.route("/<int:notification_id>/open", methods=["POST"])
@allow(action="notifications.read")
def open_one(notification_id):
    notification = _own(notification_id)
    return act(lambda: services.mark_read(notification), then=services.link(notification))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@allow(action="notifications.read")
def mark_read(notification_id):
    notification = _own(notification_id)
    return act(lambda: services.mark_read(notification), done=_("Marked as read."),
               then=url_for("notifications.index") + f"#notification-{notification.id}")


@bp.route("/read-all", methods=["POST"])
@allow(action="notifications.read")
def mark_all_read():
    return act(lambda: services.mark_all_read(current_user.id),
               done=lambda count: ngettext("%(num)d notification marked as read.",
                                           "%(num)d notifications marked as read.", count),
               then=url_for("notifications.index") + "#notifications-heading")


@bp.route("/preferences", methods=["GET", "POST"])
@allow(action="notifications.read")
def preferences():
    form = PreferencesForm()
    if request.method == "GET":
        chosen = services.preferences(current_user.id)
        form.email.data = [kind for kind, on in chosen.items() if on]
    return submit(form, lambda: services.save_preferences(current_user.id,
                                                          set(form.email.data or [])),
                  done=_("Your choices have been saved."),
                  then=url_for("notifications.preferences") + "#preferences-heading",
                  page=lambda: render_template("notifications/preferences.html", form=form))
