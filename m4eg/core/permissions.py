"""The one permission mechanism: who may use a route, and who may act on an object.

Every view declares its audience with :func:`allow`: an audience (``PUBLIC``,
``AUTHENTICATED``…) or the action it performs, ``@allow(action="municipalities.manage")``. A
``before_request`` hook enforces it for every endpoint, and refuses (403) any endpoint that
declared nothing, so a forgotten declaration fails closed. Actions are policies registered with
:func:`policy`, in each domain's ``policies.py``: the roles that may ever perform the action and
a rule on the object (a focal point acts for their own municipality only). At the route the
hook runs the policy without an object; a policy marked ``on_object`` needs the object, so there
the hook checks its roles and the view calls :func:`authorize` with the object. Views,
services and templates ask :func:`can`; they never compare roles or owners inline.

An account whose email address is not confirmed yet may read but not act: the hook refuses
its every POST (enrol, register for a workshop, save a plan…) with a message saying why,
except on the few routes declared ``@allow(..., unconfirmed=True)`` (signing out, asking for
a new confirmation link, one's own profile and password).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
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
# Roles are no audience of their own: a route that needs one names the action whose policy
# holds it, so the role is written once, in the policy.
_AUDIENCES = {PUBLIC, ANONYMOUS, AUTHENTICATED}
ACCESS_ATTR = "m4eg_access"
UNCONFIRMED_ATTR = "m4eg_unconfirmed_may_act"
ACTION_PREFIX = "action:"
# Requests that change nothing: open to an account whose address is not confirmed yet.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UNCONFIRMED_MESSAGE = _l("Confirm your email address first: open the link we sent you. Your "
                         "profile page sends a new link if the first one did not arrive.")


@dataclass(frozen=True)
class _Policy:
    roles: frozenset[str]  # who may ever perform the action (empty: anyone signed in)
    rule: Callable | None  # (user, obj) -> bool, asked once the roles allow it
    on_object: bool  # the rule needs the object: routes check the roles only


_POLICIES: dict[str, _Policy] = {}


def allow(*audience: str, action: str | None = None, unconfirmed: bool = False):
    """Declare who may use a view: ``@allow(PUBLIC)``, ``@allow(ANONYMOUS)``,
    ``@allow(AUTHENTICATED)``, or the action whose policy decides,
    ``@allow(action="portfolios.manage")``. ``unconfirmed=True``: an account whose email
    address is not confirmed may post to it too (every other POST refuses it)."""
    if action is not None:
        if audience:
            raise ValueError("declare an audience or an action, not both")
        audience = (ACTION_PREFIX + action,)
    else:
        unknown = set(audience) - _AUDIENCES
        if not audience or unknown:
            raise ValueError(f"unknown audience {sorted(unknown) or audience!r}")

    def decorate(view):
        setattr(view, ACCESS_ATTR, frozenset(audience))
        setattr(view, UNCONFIRMED_ATTR, unconfirmed)
        return view

    return decorate


def has_role(user, *roles: str) -> bool:
    """True when ``user`` is signed in and holds one of ``roles`` (directly or implied)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(_IMPLIED.get(user.role, set()) & set(roles))


def policy(action: str, *roles: str, on_object: bool = False):
    """Register the policy for ``action``: the ``roles`` that may ever perform it (none:
    anyone signed in) and, decorated, a rule ``(user, obj) -> bool`` asked after the roles.
    ``on_object`` says the rule needs the object, so a route declared with this action checks
    the roles and leaves the rule to the view's :func:`authorize`."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    if on_object and not roles:
        raise ValueError(f"policy {action!r} needs its roles to guard routes without an object")

    def register(rule):
        if action in _POLICIES:
            raise ValueError(f"policy {action!r} registered twice")
        _POLICIES[action] = _Policy(frozenset(roles), rule, on_object)
        return rule

    return register


def grant(action: str, *roles: str) -> None:
    """Register an action that the roles alone decide: ``grant("readiness.manage",
    "coordinator")``."""
    if not roles:
        raise ValueError(f"grant {action!r} to at least one role")
    policy(action, *roles)(None)


def registered_actions() -> frozenset[str]:
    return frozenset(_POLICIES)


def can(user, action: str, obj=None) -> bool:
    """Whether ``user`` may perform ``action`` on ``obj``; unknown actions are refused."""
    entry = _POLICIES.get(action)
    if entry is None or not getattr(user, "is_authenticated", False):
        return False
    if entry.roles and not has_role(user, *entry.roles):
        return False
    return entry.rule is None or bool(entry.rule(user, obj))


def _may_reach(user, action: str) -> bool:
    """The route-level check of ``action``: the whole policy, or its roles when the policy
    needs an object the route has not loaded yet."""
    entry = _POLICIES.get(action)
    if entry is None:  # a declared action nobody registered: fail closed
        return False
    if entry.on_object:
        return has_role(user, *entry.roles)
    return can(user, action)


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
    if not _may_act(current_user):
        from .errors import render_error

        return render_error(403, UNCONFIRMED_MESSAGE, link=(
            url_for("accounts.profile", _anchor="confirm-address"),
            _l("Open my profile to get a new link")))
    if AUTHENTICATED in audience:
        return None
    actions = [a.removeprefix(ACTION_PREFIX) for a in audience if a.startswith(ACTION_PREFIX)]
    if any(_may_reach(current_user, action) for action in actions):
        return None
    abort(403)


def address_confirmed(user) -> bool:
    """Whether ``user``'s email address is confirmed (a user object without the notion,
    or an anonymous one, counts as confirmed: the sign-in check comes first)."""
    return bool(getattr(user, "email_confirmed", True))


def _may_act(user) -> bool:
    """The request may change something in the name of ``user``: always for a GET, and for
    a POST once the address is confirmed or on a route declared ``unconfirmed=True``."""
    if request.method in SAFE_METHODS or address_confirmed(user):
        return True
    return bool(getattr(current_app.view_functions.get(request.endpoint), UNCONFIRMED_ATTR,
                        False))


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
