"""The one permission mechanism: who may use a route, and who may act on an object.

Every view declares its audience with :func:`allow`. A ``before_request`` hook enforces it for
every endpoint, and refuses (403) any endpoint that declared nothing, so a forgotten
declaration fails closed. Object-level rules (a focal point acts for their own municipality
only) are policies registered with :func:`policy` and checked with :func:`can` or
:func:`authorize`; views never compare roles or owners inline.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from .rescue import rescue_response

PUBLIC = "public"
ANONYMOUS = "anonymous"
AUTHENTICATED = "authenticated"
ROLES = ("staff", "focal_point", "coordinator", "admin")

# A role stands for itself and for the roles whose routes it may also use.
_IMPLIED = {
    "staff": {"staff"},
    "focal_point": {"focal_point", "staff"},
    "coordinator": {"coordinator"},
    "admin": {"admin", "coordinator"},
}
_AUDIENCES = {PUBLIC, ANONYMOUS, AUTHENTICATED, *ROLES}
_POLICIES: dict[str, Callable] = {}
ACCESS_ATTR = "m4eg_access"


def allow(*audience: str):
    """Declare who may use a view: ``@allow(PUBLIC)``, ``@allow("coordinator")``…"""
    unknown = set(audience) - _AUDIENCES
    if not audience or unknown:
        raise ValueError(f"unknown audience {sorted(unknown) or audience!r}")

    def decorate(view):
        setattr(view, ACCESS_ATTR, frozenset(audience))
        return view

    return decorate


def has_role(user, *roles: str) -> bool:
    """True when ``user`` is signed in and holds one of ``roles`` (directly or implied)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(_IMPLIED.get(user.role, set()) & set(roles))


def policy(action: str):
    """Register the rule for ``action``: a function ``(user, obj) -> bool``."""

    def register(rule):
        if action in _POLICIES:
            raise ValueError(f"policy {action!r} registered twice")
        _POLICIES[action] = rule
        return rule

    return register


def can(user, action: str, obj=None) -> bool:
    """Whether ``user`` may perform ``action`` on ``obj``; unknown actions are refused."""
    rule = _POLICIES.get(action)
    if rule is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(rule(user, obj))


def authorize(action: str, obj=None) -> None:
    """Abort with 403 unless the current user may perform ``action`` on ``obj``."""
    if not can(current_user, action, obj):
        abort(403)


def declared_access(app: Flask, endpoint: str) -> frozenset | None:
    view = app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTR, None)


def _enforce():
    if request.endpoint is None:  # routing failed: 404/405 handlers answer
        return None
    audience = declared_access(current_app, request.endpoint)
    if audience is None:
        abort(403)
    if PUBLIC in audience:
        return None
    if ANONYMOUS in audience:
        if current_user.is_authenticated:
            return redirect(url_for("main.index"))
        return None
    if not current_user.is_authenticated:
        rescued = rescue_response(signed_in=False)
        return rescued if rescued is not None else current_app.login_manager.unauthorized()
    if AUTHENTICATED in audience or has_role(current_user, *audience):
        return None
    abort(403)


def init_app(app: Flask) -> None:
    # The static route belongs to Flask; declare it here rather than exempting it.
    app.view_functions["static"] = allow(PUBLIC)(_static_view(app.view_functions["static"]))
    app.before_request(_enforce)
    # Templates ask the same mechanism: ``{% if can("users.manage") %}`` for the reader.
    app.jinja_env.globals["can"] = lambda action, obj=None: can(current_user, action, obj)


def _static_view(view):
    def static(*args, **kwargs):
        return view(*args, **kwargs)

    return static
