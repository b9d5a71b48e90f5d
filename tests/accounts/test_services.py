"""Account rules, without HTTP."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from m4eg.accounts import services
from m4eg.accounts.models import PasswordResetToken, User, UserSession
from m4eg.core.audit import AuditEvent
from m4eg.core.time import as_utc, utcnow
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


def test_a_hash_made_with_another_cost_still_signs_in_and_is_remade_with_the_configured_one(
        app_ctx, make_user):
    from argon2 import PasswordHasher
    from argon2.profiles import RFC_9106_LOW_MEMORY

    user = services.get_user(make_user().id)
    user.password_hash = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY).hash(PASSWORD)
    db.session.commit()
    assert "m=65536,t=3,p=4" in user.password_hash
    assert services.authenticate(user.email, PASSWORD).id == user.id
    assert "m=8,t=1,p=1" in user.password_hash  # the test suite's cost (tests/conftest.py)
    db.session.commit()
    assert services.authenticate(user.email, PASSWORD).id == user.id
    with pytest.raises(services.InvalidCredentials):
        services.authenticate(user.email, "wrong password here")


def _register(municipality_id, **overrides):
    data = dict(email="Leyla@Example.org", password="quiet river stone", name="Leyla",
                municipality_id=municipality_id, position="Specialist", sex="female",
                preferred_language="az", login_link=lambda lang: f"/{lang}/login",
                forgot_link=lambda lang: f"/{lang}/forgot",
                confirm_link=lambda token, lang: f"/{lang}/confirm/{token}")
    data.update(overrides)
    return services.register_user(**data)


def test_registration_makes_staff_and_a_second_one_for_the_email_creates_nothing(
        app_ctx, make_municipality):
    municipality = make_municipality()
    user = _register(municipality.id)
    assert (user.role, user.email) == ("staff", "leyla@example.org")
    db.session.commit()
    assert _register(municipality.id, email="leyla@example.org ", name="Someone") is None
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert services.get_by_email("leyla@example.org").name == "Leyla"


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


def _reset_links(email, count):
    links = []
    for _ in range(count):
        services.request_password_reset(email, lambda token, lang: links.append(token) or "x",
                                        max_age=3600)
    return links


def test_a_reset_spends_every_older_link_of_the_account(app_ctx, make_user):
    user = make_user()
    first, second = _reset_links(user.email, 2)
    services.reset_password(second, "a brand new phrase")
    with pytest.raises(services.InvalidResetToken):
        services.check_reset_token(first)


def test_a_password_change_spends_the_unused_reset_links(app_ctx, make_user):
    user = make_user()
    [link] = _reset_links(user.email, 1)
    services.change_password(services.get_user(user.id), PASSWORD, "a brand new phrase")
    with pytest.raises(services.InvalidResetToken):
        services.check_reset_token(link)


@pytest.mark.parametrize("password", [
    "leyla.hasanova", "Hasanova1990!", "leyla@example.org", "example.org 2024",
    "m4eg-demo-2026", "M4EG2026!!", "Baku12345678", "azerbaijan", "Azərbaycan 2026",
    "UNDP-undp-1", "baku-m4eg-undp",
])
def test_passwords_made_of_the_email_or_context_words_are_refused(password):
    with pytest.raises(services.WeakPassword):
        services.check_password_rules(password, email="leyla.hasanova@example.org",
                                      name="Leyla Həsənova")


def test_a_phrase_that_only_mentions_baku_is_accepted():
    services.check_password_rules("rainy evening in baku harbour",
                                  email="leyla.hasanova@example.org", name="Leyla Həsənova")


def test_the_current_password_cannot_be_chosen_again(app_ctx, make_user, english):
    user = services.get_user(make_user().id)
    with pytest.raises(services.WeakPassword, match="different from your current one"):
        services.change_password(user, PASSWORD, PASSWORD)
    [link] = _reset_links(user.email, 1)
    with pytest.raises(services.WeakPassword, match="different from your current one"):
        services.reset_password(link, PASSWORD)


LIFETIMES = services.SessionLifetimes(idle=timedelta(minutes=120), absolute=timedelta(days=7))


def _session_row(token):
    return db.session.scalar(select(UserSession).where(
        UserSession.token_hash == services._hash_token(token)))


def test_sessions_end_when_idle_or_too_old_and_are_purged(app_ctx, make_user):
    user = services.get_user(make_user().id)
    idle, old, live = (services.start_session(user) for _ in range(3))
    now = utcnow()
    _session_row(idle).last_seen_at = now - timedelta(minutes=121)
    _session_row(old).created_at = now - timedelta(days=7, minutes=1)
    db.session.commit()
    assert services.user_for_session(idle, LIFETIMES) is None
    assert services.user_for_session(old, LIFETIMES) is None
    assert services.user_for_session(live, LIFETIMES).id == user.id
    _session_row(live).last_seen_at = now - timedelta(minutes=119)
    assert services.user_for_session(live, LIFETIMES).id == user.id
    assert _aware_seen(live) > now - timedelta(minutes=1)  # the visit was noted
    stale = services.start_session(user)
    _session_row(stale).last_seen_at = now - timedelta(days=1)
    db.session.commit()
    assert services.purge_sessions(LIFETIMES) == 1
    assert [s.id for s in services.list_sessions(user, LIFETIMES)] == [_session_row(live).id]


def _aware_seen(token):
    return as_utc(_session_row(token).last_seen_at)


def test_the_visit_is_written_at_most_once_a_minute(app_ctx, make_user):
    user = services.get_user(make_user().id)
    token = services.start_session(user)
    db.session.commit()
    first = _session_row(token).last_seen_at
    services.user_for_session(token, LIFETIMES)
    assert not db.session.dirty
    assert _session_row(token).last_seen_at == first


@pytest.mark.parametrize("agent, label", [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0 Safari/537.36 Edg/120.0", "Edge, Windows"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox, Linux"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
     "like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", "Safari, iPhone"),
    ("curl/8.0", ""),
])
def test_browser_labels(agent, label):
    assert services.browser_label(agent) == label
