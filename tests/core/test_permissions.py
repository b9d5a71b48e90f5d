"""The one permission mechanism: every route declares its audience, and it is enforced."""

import re
from pathlib import Path

import pytest
from flask_login import AnonymousUserMixin

from m4eg.core import permissions
from m4eg.core.permissions import ACCESS_ATTR, AUTHENTICATED, allow, can, declared_access, has_role
from m4eg.extensions import db
from tests.conftest import log_in


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


@pytest.fixture
def registry(monkeypatch):
    """A copy of the policy registry, so a test may register its own actions."""
    monkeypatch.setattr(permissions, "_POLICIES", dict(permissions._POLICIES))


def _route(app, path, view):
    app.add_url_rule(path, path.strip("/"), view)


def test_a_route_declared_by_action_is_decided_by_its_policy(make_app, make_user, registry):
    app = make_app()
    with app.app_context():
        db.create_all()
    permissions.policy("test.open")(lambda user, obj: user.name.endswith("open"))
    _route(app, "/by-action", allow(action="test.open")(lambda: "inside"))
    client = app.test_client()
    anonymous = client.get("/by-action")
    assert anonymous.status_code == 302 and "/accounts/login?next=" in anonymous.headers[
        "Location"]
    refused = make_user(role="admin", name="Admin closed")
    log_in(client, refused.email, refused.password)
    assert client.get("/by-action").status_code == 403  # the rule, not the role, refuses
    client.post("/az/accounts/logout")
    allowed = make_user(role="staff", name="Staff open")
    log_in(client, allowed.email, allowed.password)
    assert client.get("/by-action").get_data(as_text=True) == "inside"


def test_a_policy_on_objects_guards_its_route_by_its_roles(make_app, make_user, registry):
    app = make_app()
    with app.app_context():
        db.create_all()
    seen = []
    permissions.policy("test.object", "focal_point", on_object=True)(
        lambda user, obj: seen.append(obj) or obj == "mine")
    _route(app, "/on-object", allow(action="test.object")(
        lambda: (permissions.authorize("test.object", "yours"), "inside")[1]))
    client = app.test_client()
    staff = make_user(role="staff")
    log_in(client, staff.email, staff.password)
    assert client.get("/on-object").status_code == 403  # the roles refuse at the route
    assert seen == []
    client.post("/az/accounts/logout")
    focal = make_user(role="focal_point")
    log_in(client, focal.email, focal.password)
    assert client.get("/on-object").status_code == 403  # the view's object check refuses
    assert seen == ["yours"]  # the route never asked the rule without its object


def test_an_action_nobody_registered_fails_closed(make_app, make_user):
    app = make_app()
    with app.app_context():
        db.create_all()
    _route(app, "/unregistered", allow(action="no.such.action")(lambda: "secret"))
    client = app.test_client()
    admin = make_user(role="admin")
    log_in(client, admin.email, admin.password)
    response = client.get("/unregistered")
    assert response.status_code == 403 and b"secret" not in response.data


def test_every_action_a_route_declares_is_registered(app):
    declared = {audience.removeprefix(permissions.ACTION_PREFIX)
                for rule in app.url_map.iter_rules()
                for audience in declared_access(app, rule.endpoint) or ()
                if audience.startswith(permissions.ACTION_PREFIX)}
    assert declared and declared - permissions.registered_actions() == set()


def test_a_role_is_declared_in_its_policy_not_on_the_route():
    with pytest.raises(ValueError):
        allow("coordinator")  # name the action whose policy holds the role
    with pytest.raises(ValueError):
        allow(AUTHENTICATED, action="users.manage")
    with pytest.raises(ValueError):
        permissions.policy("test.bad", "superuser")


ROOT = Path(__file__).resolve().parents[2] / "m4eg"
# A role compared with a literal: ``.role == "admin"``, ``.role in (...)``, ``User.role.in_(``.
ROLE_COMPARED = re.compile(r"""\.role\s*(==|!=|\bin\b|\bnot in\b|\.in_\()\s*[\(\[\{'"]""")


def test_no_template_compares_roles():
    found = [f"{path.relative_to(ROOT)}:{n}" for path in ROOT.rglob("templates/**/*.html")
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if ROLE_COMPARED.search(line)]
    assert found == [], "templates ask can(\"action\") instead"


def test_roles_are_compared_only_in_the_permission_mechanism_and_the_policies():
    # roles.py: the role rules that services share with the policies (importable without
    # registering the policies).
    allowed = {ROOT / "core" / "permissions.py", *ROOT.glob("*/policies.py"),
               *ROOT.glob("*/roles.py")}
    found = [f"{path.relative_to(ROOT)}:{n}" for path in ROOT.rglob("*.py")
             if path not in allowed and "migrations" not in path.parts
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if ROLE_COMPARED.search(line)]
    assert found == []


PEOPLE = {  # who sees which management link or button, page by page
    "staff": set(), "focal_point": {"Confirmations"},
    "coordinator": {"Confirmations", "Users", "ULC results", "Add a member", "Portfolio board",
                    "Import values", "Create a session"},
    "admin": {"Confirmations", "Users", "ULC results", "Add a member", "Portfolio board",
              "Import values", "Create a session", "Mail"},
}
LINKS = {"Confirmations": "/en/", "Users": "/en/", "ULC results": "/en/", "Mail": "/en/",
         "Add a member": "/en/municipalities/", "Portfolio board": "/en/portfolios/",
         "Import values": "/en/readiness/", "Create a session": "/en/workshops/"}


@pytest.mark.parametrize("role", list(PEOPLE))
def test_menus_and_buttons_show_what_the_person_may_use(client, login_as, roster, role):
    login_as(role)
    shown = {label for label, page in LINKS.items()
             if f">{label}<" in client.get(page).get_data(as_text=True)}
    assert shown == PEOPLE[role]
