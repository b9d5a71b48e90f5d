"""Account pages through HTTP, as a user or operator meets them."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from m4eg.accounts.models import User
from m4eg.core.audit import AuditEvent
from m4eg.core.time import utcnow
from m4eg.extensions import db
from tests.conftest import BACKENDS, PASSWORD, log_in


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _registration(municipality, **overrides):
    data = {"name": "Leyla Həsənova", "email": "leyla@example.org",
            "municipality_id": str(municipality), "position": "Mütəxəssis", "sex": "female",
            "preferred_language": "az", "password": "quiet river stone",
            "confirm": "quiet river stone"}
    data.update(overrides)
    return data


def test_register_creates_a_staff_account_and_welcomes_it_by_mail(
        app, client, make_municipality, outbox):
    municipality = make_municipality()
    response = client.post("/en/accounts/register", data=_registration(
        municipality.id, preferred_language="en"))
    assert response.status_code == 302 and "/en/accounts/login" in response.headers["Location"]
    [welcome] = outbox.wait_for(1)
    assert (welcome["To"], welcome["Subject"]) == ("leyla@example.org",
                                                   "Welcome to M4EG Azerbaijan")
    assert log_in(client, "leyla@example.org", "quiet river stone").status_code == 302
    home = client.get("/en/").get_data(as_text=True)
    assert "Leyla Həsənova" in home and "Log out" in home
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "leyla@example.org"))
        assert (user.role, user.sex, user.municipality_id) == ("staff", "female", municipality.id)


@pytest.mark.parametrize("overrides, message", [
    ({"password": "password123", "confirm": "password123"}, "This password is too common"),
    ({"confirm": "something else"}, "The passwords do not match"),
    ({"email": "not-an-email"}, "Invalid email address"),
    ({"municipality_id": "0"}, "Choose a municipality"),
    ({"position": "x" * 121}, "Field cannot be longer than 120 characters"),
    ({"name": ""}, "This field is required"),
])
def test_bad_registration_keeps_what_was_typed_and_writes_nothing(
        app, client, make_municipality, overrides, message):
    municipality = make_municipality()
    data = _registration(municipality.id, **overrides)
    response = client.post("/en/accounts/register", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    if data["name"]:
        assert 'value="Leyla Həsənova"' in page
    assert f'value="{data["email"]}"' in page
    assert '<option selected value="female">' in page
    assert _count(app, User) == 0


def test_registration_answers_the_same_for_a_taken_address_and_tells_its_owner(
        app, make_user, make_municipality, outbox):
    existing = make_user(preferred_language="en")
    municipality = make_municipality().id
    answers = []
    for email in ("leyla@example.org", existing.email.upper()):
        response = app.test_client().post("/en/accounts/register", follow_redirects=True,
                                          data=_registration(municipality, email=email))
        answers.append((response.status_code, response.request.path,
                        response.get_data(as_text=True).replace(email.lower(), "ADDRESS")))
    assert answers[0] == answers[1]
    assert answers[0][:2] == (200, "/en/accounts/login")
    assert _count(app, User) == 2  # Leyla's new account, and the existing one untouched
    with app.app_context():
        assert db.session.get(User, existing.id).name == existing.name
    [to_owner] = [m for m in outbox.wait_for(2) if m["To"] == existing.email]
    assert to_owner["Subject"] == "Someone tried to register with your address"
    assert "/en/accounts/password/forgot" in to_owner.get_content()


def test_wrong_password_is_refused_in_azerbaijani(client, make_user):
    user = make_user()
    response = log_in(client, user.email, "not the password")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "E-poçt ünvanı və ya şifrə yanlışdır." in page  # az page
    assert f'value="{user.email}"' in page
    assert client.get("/az/accounts/profile").status_code == 302


def test_login_follows_a_local_next_and_ignores_another_site(client, make_user):
    user = make_user()
    response = client.post("/az/accounts/login", data={
        "email": user.email, "password": PASSWORD, "next": "/az/privacy"})
    assert response.headers["Location"] == "/az/privacy"
    client.post("/az/accounts/logout")
    response = client.post("/az/accounts/login", data={
        "email": user.email, "password": PASSWORD, "next": "//evil.example/steal"})
    assert response.headers["Location"] == "/az/"


def test_logged_out_session_cookie_cannot_be_replayed(app, client, make_user):
    user = make_user()
    log_in(client, user.email)
    stolen = client.get_cookie("m4eg_session").value
    assert client.post("/en/accounts/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("m4eg_session", stolen)
    response = replay.get("/en/accounts/profile")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_is_renewed_at_login(client, make_user):
    user = make_user()
    client.get("/en/accounts/login")
    client.set_cookie("m4eg_session", "attacker-chosen")
    log_in(client, user.email)
    assert client.get_cookie("m4eg_session").value != "attacker-chosen"


def test_password_change_logs_out_other_devices(app, client, make_user):
    user = make_user()
    other_device = app.test_client()
    log_in(other_device, user.email)
    log_in(client, user.email)
    response = client.post("/en/accounts/password", data={
        "current_password": PASSWORD, "password": "a fresh long phrase",
        "confirm": "a fresh long phrase"})
    assert response.status_code == 302
    assert client.get("/en/accounts/profile").status_code == 200  # this browser stays in
    assert other_device.get("/en/accounts/profile").status_code == 302
    assert log_in(app.test_client(), user.email, "a fresh long phrase").status_code == 302


def test_password_change_with_a_wrong_current_password(client, login_as):
    login_as("staff")
    page = client.post("/en/accounts/password", data={
        "current_password": "nope", "password": "a fresh long phrase",
        "confirm": "a fresh long phrase"}).get_data(as_text=True)
    assert "Your current password is incorrect." in page


def _reset_link(message):
    return re.search(r"http://localhost(/\S+)", message.get_content()).group(1)


def test_password_reset_by_email_link_works_once(app, client, make_user, outbox):
    user = make_user(preferred_language="en")
    response = client.post("/en/accounts/password/forgot", data={"email": user.email})
    assert response.status_code == 302
    [message] = outbox.wait_for(1)
    assert message["To"] == user.email
    assert message["Subject"] == "Reset your M4EG password"
    link = _reset_link(message)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "new secret phrase",
                                       "confirm": "new secret phrase"})
    assert response.status_code == 302
    assert log_in(client, user.email, "new secret phrase").status_code == 302
    client.post("/en/accounts/logout")
    reused = client.post(link, data={"password": "yet another phrase",
                                     "confirm": "yet another phrase"})
    assert reused.status_code == 410
    assert "expired or has already been used" in reused.get_data(as_text=True)


def test_reset_mail_is_written_in_the_users_language(client, make_user, outbox):
    user = make_user(preferred_language="az")
    client.post("/en/accounts/password/forgot", data={"email": user.email})
    [message] = outbox.wait_for(1)
    assert message["Subject"] != "Reset your M4EG password"
    assert "/az/accounts/password/reset/" in message.get_content()


def test_unknown_email_on_reset_gets_the_same_answer(client, make_user, outbox):
    user = make_user()
    known = client.post("/en/accounts/password/forgot", data={"email": user.email},
                        follow_redirects=True)
    unknown = client.post("/en/accounts/password/forgot", data={"email": "nobody@example.org"},
                          follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert len(outbox.wait_for(2, timeout=1)) == 1


def test_made_up_reset_link_is_gone(client):
    response = client.get("/en/accounts/password/reset/not-a-real-token")
    assert response.status_code == 410


def _open_the_gate(app, email):
    """What waiting out the slow-down does (the tests do not sleep for it)."""
    from m4eg.extensions import limiter

    with app.app_context():
        limiter.storage.clear(f"m4eg/login-gate/{email}")


@BACKENDS
def test_repeated_failed_logins_slow_down_and_warn_the_owner_once(
        app, client, make_user, outbox):
    user = make_user(preferred_language="en")
    for _ in range(5):
        assert log_in(client, user.email, "wrong", lang="en").status_code == 200
    response = log_in(client, user.email, PASSWORD, lang="en")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 32
    page = response.get_data(as_text=True)
    assert "You have tried too many times. Try again in 32 seconds." in page
    assert log_in(client, user.email, PASSWORD, lang="en").status_code == 429
    [warning] = outbox.wait_for(2, timeout=1)  # one mail, however many refusals
    assert warning["To"] == user.email
    assert warning["Subject"] == "Failed sign-in attempts on your M4EG account"
    assert "5 times" in warning.get_content()
    other = make_user()
    assert log_in(client, other.email, lang="en").status_code == 302  # other accounts unaffected
    _open_the_gate(app, user.email)
    assert log_in(app.test_client(), user.email, "wrong again", lang="en").status_code == 200
    slower = log_in(app.test_client(), user.email, lang="en")
    waited = re.search(r"Try again in (\d+) seconds\.", slower.get_data(as_text=True))
    assert 32 < int(waited.group(1)) <= 64  # the next wait doubles (minus the time gone by)
    _open_the_gate(app, user.email)
    assert log_in(app.test_client(), user.email, lang="en").status_code == 302  # not locked out
    assert log_in(app.test_client(), user.email, "typo", lang="en").status_code == 200


@BACKENDS
def test_parallel_wrong_passwords_get_at_most_the_limit_of_attempts(app, make_user):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    user = make_user()
    start = Barrier(15)

    def attempt(_):
        client = app.test_client()
        start.wait()
        return log_in(client, user.email, "a wrong guess", lang="en").status_code

    with ThreadPoolExecutor(15) as pool:
        statuses = list(pool.map(attempt, range(15)))
    assert statuses.count(200) <= 5
    assert statuses.count(429) == 15 - statuses.count(200)
    assert _count(app, AuditEvent, AuditEvent.action == "login.failed") <= 5


@BACKENDS
def test_password_change_is_throttled_per_account(client, login_as):
    login_as("staff")
    data = {"current_password": "a wrong guess", "password": "a fresh long phrase",
            "confirm": "a fresh long phrase"}
    for _ in range(10):
        assert client.post("/en/accounts/password", data=data).status_code == 200
    assert client.post("/en/accounts/password", data=data).status_code == 429


def test_the_current_password_is_refused_as_the_new_one(client, login_as):
    login_as("staff")
    page = client.post("/en/accounts/password", data={
        "current_password": PASSWORD, "password": PASSWORD, "confirm": PASSWORD})
    assert "Choose a password different from your current one." in page.get_data(as_text=True)


def _age_sessions(app, user_id, **columns):
    from m4eg.accounts.models import UserSession

    with app.app_context():
        db.session.execute(update(UserSession).where(UserSession.user_id == user_id)
                           .values(**columns))
        db.session.commit()


def test_an_idle_session_is_refused_on_the_server(app, client, login_as):
    user = login_as("staff")
    _age_sessions(app, user.id, last_seen_at=utcnow() - timedelta(minutes=121))
    response = client.get("/en/accounts/profile")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_past_the_absolute_lifetime_is_refused(app, client, login_as):
    user = login_as("staff")
    _age_sessions(app, user.id, created_at=utcnow() - timedelta(hours=24 * 7 + 1))
    response = client.get("/en/accounts/profile")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_lifetimes_come_from_the_settings(app, client, login_as):
    app.config["SESSION_IDLE_MINUTES"] = 10
    user = login_as("staff")
    _age_sessions(app, user.id, last_seen_at=utcnow() - timedelta(minutes=11))
    assert client.get("/en/accounts/profile").status_code == 302


def test_profile_lists_the_sessions_and_signs_out_everywhere_else(app, client, make_user):
    user = make_user()
    phone = app.test_client()
    phone.post("/en/accounts/login", data={"email": user.email, "password": PASSWORD},
               headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/120.0 Mobile"})
    client.post("/en/accounts/login", data={"email": user.email, "password": PASSWORD},
                headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0"})
    page = client.get("/en/accounts/profile").get_data(as_text=True)
    assert "Chrome, Android" in page and "Firefox, Linux" in page
    assert page.count("this device") == 1 and "127.0.0.1" in page
    response = client.post("/en/accounts/sessions/end-others")
    assert response.status_code == 302
    assert phone.get("/en/accounts/profile").status_code == 302  # the phone is signed out
    page = client.get("/en/accounts/profile").get_data(as_text=True)
    assert "Chrome, Android" not in page and "Firefox, Linux" in page


def test_sign_out_everywhere_ends_this_browser_too(app, client, make_user):
    user = make_user()
    other = app.test_client()
    log_in(other, user.email, lang="en")
    log_in(client, user.email, lang="en")
    assert client.post("/en/accounts/sessions/end-all").status_code == 302
    assert client.get("/en/accounts/profile").status_code == 302
    assert other.get("/en/accounts/profile").status_code == 302


def test_sign_out_everywhere_needs_the_csrf_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
    user = make_user()
    client = app.test_client()
    login_page = client.get("/en/accounts/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/en/accounts/login", data={"email": user.email, "password": PASSWORD,
                                            "csrf_token": token})
    assert client.post("/en/accounts/sessions/end-all").status_code == 400
    assert client.get("/en/accounts/profile").status_code == 200


def test_purge_sessions_command_deletes_expired_rows(app, make_user):
    from m4eg.accounts.models import UserSession

    user = make_user()
    log_in(app.test_client(), user.email)
    log_in(app.test_client(), user.email)
    _age_sessions(app, user.id, last_seen_at=utcnow() - timedelta(days=1))
    log_in(app.test_client(), user.email)  # a sign-in purges too
    assert _count(app, UserSession) == 1
    _age_sessions(app, user.id, created_at=utcnow() - timedelta(days=8))
    result = app.test_cli_runner().invoke(args=["accounts", "purge-sessions"])
    assert result.exit_code == 0 and "1 expired session(s) deleted." in result.output
    assert _count(app, UserSession) == 0


def test_coordinator_grants_focal_point_from_the_user_list(app, client, login_as, make_user):
    login_as("coordinator")
    staff = make_user(role="staff")
    page = client.get("/en/accounts/users/").get_data(as_text=True)
    assert staff.email in page
    response = client.post(f"/en/accounts/users/{staff.id}/role",
                           data={f"u{staff.id}-role": "focal_point", f"u{staff.id}-version": "1"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, staff.id).role == "focal_point"
    assert _count(app, AuditEvent, AuditEvent.action == "role.changed") == 1


def test_coordinator_cannot_touch_an_administrator(app, client, login_as, make_user):
    login_as("coordinator")
    admin = make_user(role="admin")
    response = client.post(f"/en/accounts/users/{admin.id}/role",
                           data={f"u{admin.id}-role": "staff", f"u{admin.id}-version": "1"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(User, admin.id).role == "admin"


def test_staff_cannot_make_themselves_focal_point(app, client, login_as):
    user = login_as("staff")
    response = client.post(f"/en/accounts/users/{user.id}/role",
                           data={f"u{user.id}-role": "focal_point", f"u{user.id}-version": "1"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(User, user.id).role == "staff"


def test_role_change_on_a_missing_user_is_404(client, login_as):
    login_as("admin")
    assert client.post("/en/accounts/users/999999/role").status_code == 404


def test_profile_edit_and_conflict(app, client, login_as, make_municipality):
    user = login_as("staff")
    data = {"name": "New Name", "municipality_id": str(user.municipality_id),
            "position": "Head of unit", "sex": "male", "preferred_language": "en",
            "version": "1"}
    assert client.post("/az/accounts/profile", data=data).status_code == 302
    stale = client.post("/en/accounts/profile", data={**data, "name": "Stale"})
    page = stale.get_data(as_text=True)
    assert "changed elsewhere" in page and 'value="Stale"' in page
    with app.app_context():
        assert db.session.get(User, user.id).name == "New Name"


def test_forged_version_is_a_form_error_not_a_crash(client, login_as):
    user = login_as("staff")
    response = client.post("/en/accounts/profile", data={
        "name": "X", "municipality_id": str(user.municipality_id), "position": "Y",
        "sex": "male", "preferred_language": "en", "version": "abc"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This form is out of date. Reload the page and try again." in page
    assert 'value="Y"' in page  # what was typed is kept


def test_demo_command_is_idempotent_and_refused_in_production(app, make_app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    # One per role, the six ULC staff of 2023–2024 and one new registration awaiting both
    # confirmations.
    assert _count(app, User) == 5 + 6 + 1
    production = make_app(M4EG_ENV="production")
    result = production.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0 and "M4EG_ENV=production" in result.output


def test_demo_accounts_log_in_with_the_published_password(app, client):
    app.test_cli_runner().invoke(args=["demo", "load"])
    for email in ("admin@example.org", "coordinator@example.org", "focal@example.org",
                  "staff@example.org", "focal.urva@example.org"):
        assert log_in(app.test_client(), email, "m4eg-demo-2026").status_code == 302
