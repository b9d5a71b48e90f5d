"""Account rules, without HTTP."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from m4eg.accounts import services
from m4eg.accounts.models import PasswordResetToken
from m4eg.core.audit import AuditEvent, utcnow
from m4eg.extensions import db
from tests.conftest import PASSWORD


@pytest.mark.parametrize("password", ["short", "password123", "qwertyuiop", "x" * 129])
def test_weak_or_overlong_passwords_are_refused(password):
    with pytest.raises(services.WeakPassword):
        services.check_password_rules(password)


@pytest.mark.parametrize("password", ["eight ch", "ünlü şəkər ağacı", "a" * 64, "b" * 128])
def test_long_and_unusual_passwords_are_accepted_without_composition_rules(password):
    services.check_password_rules(password)


def test_password_equal_to_the_email_name_is_refused():
    with pytest.raises(services.WeakPassword):
        services.check_password_rules("aytenquliyeva", email="AytenQuliyeva@example.org")


def test_passwords_are_stored_as_argon2_hashes(app_ctx, make_user):
    user = services.get_user(make_user().id)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def _register(municipality_id, **overrides):
    data = dict(email="Leyla@Example.org", password="quiet river stone", name="Leyla",
                municipality_id=municipality_id, position="Specialist", sex="female",
                preferred_language="az")
    data.update(overrides)
    return services.register_user(**data)


def test_registration_makes_staff_and_refuses_a_second_account_for_the_email(
        app_ctx, make_municipality):
    municipality = make_municipality()
    user = _register(municipality.id)
    assert (user.role, user.email) == ("staff", "leyla@example.org")
    db.session.commit()
    with pytest.raises(services.EmailTaken):
        _register(municipality.id, email="leyla@example.org ")


def test_failed_logins_are_audited(app_ctx, make_user):
    user = make_user()
    with pytest.raises(services.InvalidCredentials):
        services.authenticate(user.email, "wrong password", ip="10.0.0.1")
    with pytest.raises(services.InvalidCredentials):
        services.authenticate("nobody@example.org", "whatever")
    db.session.commit()
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()
    assert [event.after["email"] for event in failed] == [user.email, "nobody@example.org"]
    assert failed[0].ip == "10.0.0.1"


def test_reset_links_expire_and_work_once(app_ctx, make_user):
    user = make_user()
    links = []
    services.request_password_reset(user.email, lambda token, lang: links.append(token) or "x",
                                    max_age=3600)
    token = links[0]
    assert services.check_reset_token(token).id == user.id
    services.reset_password(token, "a brand new phrase")
    with pytest.raises(services.InvalidResetToken):
        services.reset_password(token, "another new phrase")
    services.request_password_reset(user.email, lambda token, lang: links.append(token) or "x",
                                    max_age=3600)
    record = db.session.scalar(select(PasswordResetToken).where(
        PasswordResetToken.used_at.is_(None)))
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(services.InvalidResetToken):
        services.check_reset_token(links[1])


def test_unknown_email_gets_no_reset_link(app_ctx):
    assert services.request_password_reset("nobody@example.org", lambda *a: "x",
                                           max_age=60) is None


def test_coordinator_grants_and_revokes_focal_point_and_it_is_audited(app_ctx, make_user):
    coordinator = services.get_user(make_user(role="coordinator").id)
    staff = services.get_user(make_user(role="staff").id)
    services.set_role(coordinator, staff, "focal_point", version=staff.version)
    services.set_role(coordinator, staff, "staff", version=staff.version)
    db.session.commit()
    changes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "role.changed")
                                 .order_by(AuditEvent.id)).all()
    assert [(c.before["role"], c.after["role"], c.actor_id) for c in changes] == [
        ("staff", "focal_point", coordinator.id), ("focal_point", "staff", coordinator.id)]


def test_coordinator_cannot_make_coordinators_or_change_own_role(app_ctx, make_user):
    coordinator = services.get_user(make_user(role="coordinator").id)
    staff = services.get_user(make_user(role="staff").id)
    other = services.get_user(make_user(role="coordinator").id)
    with pytest.raises(services.RoleChangeRefused):
        services.set_role(coordinator, staff, "coordinator", version=staff.version)
    with pytest.raises(services.RoleChangeRefused):
        services.set_role(coordinator, other, "staff", version=other.version)
    with pytest.raises(services.RoleChangeRefused):
        services.set_role(coordinator, coordinator, "admin", version=coordinator.version)


def test_focal_point_needs_a_municipality(app_ctx, make_user):
    admin = services.get_user(make_user(role="admin").id)
    coordinator = services.get_user(make_user(role="coordinator").id)
    with pytest.raises(services.RoleChangeRefused):
        services.set_role(admin, coordinator, "focal_point", version=coordinator.version)


def test_a_stale_role_form_does_not_overwrite_a_newer_change(app_ctx, make_user):
    coordinator = services.get_user(make_user(role="coordinator").id)
    staff = services.get_user(make_user(role="staff").id)
    seen = staff.version
    services.set_role(coordinator, staff, "focal_point", version=seen)
    with pytest.raises(services.EditConflict):
        services.set_role(coordinator, staff, "staff", version=seen)
    assert staff.role == "focal_point"


def test_profile_edit_with_an_old_version_is_refused(app_ctx, make_user):
    user = services.get_user(make_user().id)
    seen = user.version
    services.update_profile(user, version=seen, name="First edit")
    with pytest.raises(services.EditConflict):
        services.update_profile(user, version=seen, name="Second edit")
    assert user.name == "First edit"


def test_moving_to_another_municipality_ends_the_focal_point_mandate(
        app_ctx, make_user, make_municipality):
    user = services.get_user(make_user(role="focal_point").id)
    services.update_profile(user, version=user.version, municipality_id=make_municipality().id)
    assert user.role == "staff"


def test_demo_users_are_idempotent(app_ctx):
    from m4eg.municipalities.services import ensure_demo_municipalities

    first = services.ensure_demo_users(ensure_demo_municipalities())
    db.session.commit()
    second = services.ensure_demo_users(ensure_demo_municipalities())
    assert [u.id for u in first] == [u.id for u in second]
    assert {u.role for u in first} == {"admin", "coordinator", "focal_point", "staff"}
    assert all("(demo)" in u.name and u.is_demo for u in first)


def test_a_chosen_municipality_waits_for_confirmation_and_appointing_confirms_it(
        app_ctx, make_municipality, make_user):
    municipality = make_municipality()
    user = _register(municipality.id)
    assert not user.affiliation_confirmed
    assert [p.id for p in services.pending_affiliations(municipality.id)] == [user.id]
    db.session.commit()  # the factory writes from its own session
    coordinator = services.get_user(make_user(role="coordinator").id)
    services.set_role(coordinator, user, "focal_point", version=user.version)
    assert user.affiliation_confirmed and user.municipality_confirmed_by_id == coordinator.id
    assert services.pending_affiliations(municipality.id) == []
    confirmed = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "affiliation.confirmed", AuditEvent.target_id == user.id))
    assert confirmed.actor_id == coordinator.id
