"""The one way a view handles a lookup, a form and a one-button action.

Views stay thin: they read the request, call a service and answer. What every form view does
around the service call is written here once — validate, run the service, put a refusal
(:class:`~m4eg.core.errors.DomainError`) onto the field it names, one commit, flash, redirect
(Post/Redirect/Get) — so a view says only what is its own: the form, the service call, the
message and where to go next.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect

from ..extensions import db
from .errors import DomainError
from .flashes import aim
from .forms import add_error, form_version
from .permissions import authorize
from .versions import conflict_status


def get_or_404(value, action: str | None = None):
    """``value`` (a service's lookup result), or 404 when there is none; with ``action`` the
    reader must also be allowed that action on it (403 otherwise)."""
    if value is None:
        abort(404)
    if action is not None:
        authorize(action, value)
    return value


def _target(then, result):
    return then(result) if callable(then) else then


def submit(form, save: Callable, *, page: Callable, then, done=None, versioned=False,
           status: int = 200):
    """Handle a form: on a valid POST run ``save`` (with the version the form was opened on,
    when ``versioned``), then commit, flash ``done`` and redirect to ``then`` (a URL, or a
    function of what ``save`` returned). A refusal is rolled back and shown on the form
    (409 for a version conflict or a stale form), as is a failed validation: ``page()``
    renders the form again, with everything the person typed, answered with ``status``
    (400 where the form is one of several posted from another page, as a portfolio's
    tracking page holds)."""
    if not form.validate_on_submit():
        return (page(), status) if form.is_submitted() else page()
    arguments = ()
    if versioned:
        version = form_version(form)
        if version is None:
            return page(), 409
        arguments = (version,)
    try:
        result = save(*arguments)
    except DomainError as error:
        db.session.rollback()
        add_error(form, error)
        return page(), conflict_status(error, status)
    db.session.commit()
    target = _target(then, result)
    if done:
        flash(_target(done, result), "success")
        aim(target)
    return redirect(target)


def act(operation: Callable, *, then, done=None, refused=None, category="success"):
    """Handle a one-button POST (register, cancel, submit…): run ``operation``, commit and
    flash ``done`` (as ``category``, or the category a function of the result names); a
    refusal is rolled back and flashed as an error. Both redirect to ``then`` (a URL, or a
    function of the result); a refusal to ``refused`` when given."""
    try:
        result = operation()
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        target = refused or _target(then, None)
        aim(target)
        return redirect(target)
    db.session.commit()
    target = _target(then, result)
    if done:
        flash(_target(done, result), _target(category, result))
        aim(target)
    return redirect(target)
