"""Home, privacy, the bare ``/`` redirect and ``/healthz``."""

from __future__ import annotations

import re
from email.utils import parseaddr
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import text

from ..core import outbox
from ..core.cache import cached_page
from ..core.i18n import LANGUAGES, saved_language
from ..core.permissions import PUBLIC, allow
from ..extensions import db
from . import bp, root
from .home import home


@root.route("/")
@allow(PUBLIC)
def choose_language():
    return redirect(url_for("main.index", lang_code=saved_language()))


@root.route("/sw.js")
@allow(PUBLIC)
def service_worker():
    """The service worker that keeps courses for offline reading (static/js/offline-sw.js).
    Served from the root so that its scope may cover every language's course pages; never
    cached, so that a deployment's new worker is picked up on the next visit."""
    script = Path(current_app.static_folder, "js", "offline-sw.js").read_bytes()
    return Response(script, mimetype="text/javascript", headers={
        "Service-Worker-Allowed": "/", "Cache-Control": "no-cache"})


@root.route("/healthz")
@allow(PUBLIC)
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure of the database means "down" to a load balancer
        db.session.rollback()
        return jsonify(status="error", app="up", database="down"), 503
    return jsonify(status="ok", app="up", database="up")


@bp.route("/")
@cached_page
@allow(PUBLIC)
def index():
    if not current_user.is_authenticated:
        return render_template("main/index.html")
    return render_template("main/home.html", **home(current_user._get_current_object()))


def _platform_address(config) -> str:
    """The address the platform's mail comes from, when people can write to it (not a
    no-reply or local one): where a privacy request goes without M4EG_PRIVACY_CONTACT."""
    address = parseaddr(str(config.get("MAIL_DEFAULT_SENDER") or ""))[1].strip()
    local, _at, domain = address.partition("@")
    if not domain or domain == "localhost" or local.lower().replace("-", "").replace(
            "_", "") in {"noreply", "donotreply"}:
        return ""
    return address


@bp.route("/privacy")
@allow(PUBLIC)
def privacy():
    config = current_app.config
    return render_template("main/privacy.html", contact=config["PRIVACY_CONTACT"],
                           platform_address=_platform_address(config),
                           idle_minutes=config["SESSION_IDLE_MINUTES"],
                           max_hours=config["SESSION_MAX_HOURS"],
                           confirm_hours=config["EMAIL_CONFIRMATION_HOURS"],
                           reset_minutes=config["PASSWORD_RESET_MAX_AGE"] // 60)


@bp.route("/offline")
@allow(PUBLIC)
def offline():
    """The page the service worker shows, without a connection, for a course page that was
    not kept for offline reading (static/js/offline-sw.js)."""
    return render_template("main/offline.html")


@bp.route("/style")
@allow(action="style.view")
def style():
    """The living style page: the colour and type scale, the icons and every shared component
    (m4eg/templates/_macros/ui.html), rendered once in each language."""
    samples = {}
    for code in LANGUAGES:
        with force_locale(code):
            html = render_template("main/_style_samples.html", sample_lang=code)
            samples[code] = Markup(html)  # noqa: S704 - our own template, autoescaped
    return render_template("main/style.html", samples=samples,
                           icons=_sprite_icons())


def _sprite_icons() -> list[str]:
    sprite = Path(current_app.static_folder, "img", "icons.svg").read_text()
    return re.findall(r'<symbol id="([^"]+)"', sprite)


@bp.route("/admin/mail")
@allow(action="mail.manage")
def mail_queue():
    return render_template("main/mail.html", counts=outbox.counts(),
                           messages=outbox.needing_attention())


@bp.route("/admin/mail/<int:message_id>/retry", methods=["POST"])
@allow(action="mail.manage")
def retry_mail(message_id):
    if not outbox.retry(message_id):
        abort(404)
    db.session.commit()
    flash(_("The message is queued again: the delivery worker sends it within a minute."),
          "success")
    return redirect(url_for("main.mail_queue"))
