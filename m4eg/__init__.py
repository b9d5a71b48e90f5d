"""M4EG Azerbaijan: the web platform of the Mayors for Economic Growth network."""

from __future__ import annotations

from flask import Flask

from .config import ROOT, load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the application; ``config`` overrides what the environment says."""
    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(load_config(instance_path=ROOT / "instance"))
    if config:
        app.config.update(config)
    app.jinja_env.add_extension("jinja2.ext.do")
    _trust_proxies(app)

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind the reverse proxy, take the client's address and scheme from the proxy's
    X-Forwarded-For/-Proto (per-IP rate limits and audit entries need the client's address);
    with no proxy configured those headers are ignored, since anyone can send them."""
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def _init_extensions(app: Flask) -> None:
    from .core import (
        assets,
        cache,
        diagnostics,
        errors,
        flashes,
        i18n,
        outbox,  # noqa: F401 - its table belongs to the schema
        permissions,
        security,
    )
    from .extensions import csrf, db, init_limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "m4eg" / "migrations"))
    csrf.init_app(app)
    init_limiter(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    flashes.init_app(app)
    _init_login(app, login_manager)
    permissions.init_app(app)
    diagnostics.init_app(app)
    assets.init_app(app)
    cache.init_app(app)  # last: its after_request hook runs first


def _init_login(app: Flask, login_manager) -> None:
    from flask_babel import lazy_gettext as _l

    from .accounts.views import load_user

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)


def _register_blueprints(app: Flask) -> None:
    """Each domain registers its own blueprint(s), permission policies and member-page
    sections (its views are imported there, not when another domain imports its services;
    the domain graph is declared in pyproject.toml [tool.importlinter])."""
    from . import (
        accounts,
        api,
        courses,
        figures,
        main,
        municipalities,
        notifications,
        plans,
        portfolios,
        readiness,
        reports,
        workshops,
    )

    for domain in (main, accounts, notifications, municipalities, figures, courses, workshops,
                   portfolios, plans, readiness, reports, api):
        domain.init_app(app)


def _register_cli(app: Flask) -> None:
    from .accounts.cli import accounts_cli
    from .cli import backup_cli, demo_cli, outbox_cli
    from .courses.cli import courses_cli
    from .municipalities.cli import municipalities_cli
    from .plans.cli import plans_cli

    app.cli.add_command(accounts_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(courses_cli)
    app.cli.add_command(plans_cli)
    app.cli.add_command(municipalities_cli)
