"""The one permission mechanism: every route declares its audience, and it is enforced."""

import pytest
from flask_login import AnonymousUserMixin

from m4eg.core.permissions import ACCESS_ATTR, allow, can, declared_access, has_role


def test_every_route_declares_who_may_use_it(app):
    undeclared = [
        rule.endpoint for rule in app.url_map.iter_rules()
        if declared_access(app, rule.endpoint) is None
    ]
    assert undeclared == [], f"routes without @allow(...): {undeclared}"


def test_a_route_without_a_declaration_is_refused(make_app):
    app = make_app()

    @app.route("/undeclared")
    def undeclared():
        return "secret"

    assert not hasattr(undeclared, ACCESS_ATTR)
    response = app.test_client().get("/undeclared")
    assert response.status_code == 403
    assert b"secret" not in response.data


def test_unknown_audience_is_a_programming_error():
    with pytest.raises(ValueError):
        allow("superuser")


def test_role_implications():
    class Stub:
        is_authenticated = True

        def __init__(self, role):
            self.role = role

    assert has_role(Stub("admin"), "coordinator")
    assert has_role(Stub("focal_point"), "staff")
    assert not has_role(Stub("staff"), "focal_point")
    assert not has_role(Stub("coordinator"), "admin")
    assert not has_role(AnonymousUserMixin(), "staff")


def test_unknown_actions_are_refused(app_ctx, make_user):
    from m4eg.accounts.services import get_user

    admin = get_user(make_user(role="admin").id)
    assert can(admin, "no.such.action") is False
