"""A new account confirms its email address before it acts; a municipality confirms its
members before they count in the public figures."""

import re
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from m4eg.accounts.models import EmailConfirmationToken, User
from m4eg.core.time import utcnow
from m4eg.courses.models import Enrolment
from m4eg.extensions import db
from m4eg.workshops.models import WorkshopRegistration
from tests.conftest import log_in

COURSE = "community-listening"
STAFF = "Municipal staff registered at the ULC"


def _register(client, municipality_id, email="leyla@example.org"):
    return client.post("/en/accounts/register", data={
        "name": "Leyla Həsənova", "email": email, "municipality_id": str(municipality_id),
        "position": "Mütəxəssis", "sex": "female", "preferred_language": "en",
        "password": "quiet river stone", "confirm": "quiet river stone"})


def _link(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/accounts/confirm/\S+", body).group(0)


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_new_account_confirms_its_address_before_it_can_enrol(
        app, client, make_municipality, outbox, make_workshop):
    workshop = make_workshop(COURSE, capacity=5)
    assert _register(client, make_municipality().id).status_code == 302
    [welcome] = outbox.wait_for(1)
    link = _path(_link(welcome))
    assert "within 72 hours" in welcome.get_body(("plain",)).get_content()
    assert log_in(client, "leyla@example.org", "quiet river stone", lang="en").status_code == 302

    profile = client.get("/en/accounts/profile").get_data(as_text=True)
    assert "Your email address is not confirmed yet." in profile and "Send me a new link" in profile
    # Reading is open; acting is refused, with the reason, and nothing is written.
    assert client.get(f"/en/courses/{COURSE}").status_code == 200
    for url in (f"/en/courses/{COURSE}/enrol", f"/en/workshops/{workshop}/register"):
        refused = client.post(url)
        assert refused.status_code == 403, url
        assert "Confirm your email address first" in refused.get_data(as_text=True)
    assert _count(app, Enrolment) == 0 and _count(app, WorkshopRegistration) == 0

    # The link opens a page with a button (a mail scanner following it spends nothing).
    page = client.get(link)
    assert page.status_code == 200 and "Confirm my address" in page.get_data(as_text=True)
    assert _count(app, User, User.email_confirmed_at.is_not(None)) == 0
    done = client.post(link, follow_redirects=True)
    assert "your email address is confirmed" in done.get_data(as_text=True)
    assert "not confirmed yet" not in client.get("/en/accounts/profile").get_data(as_text=True)
    assert client.post(f"/en/courses/{COURSE}/enrol").status_code == 302
    assert _count(app, Enrolment) == 1

    # Used once: the same link again is refused, and changes nothing.
    for method in (client.get, client.post):
        again = method(link)
        assert again.status_code == 410
        assert "has expired or has already been used" in again.get_data(as_text=True)


def test_an_expired_or_unknown_link_is_refused_in_the_readers_language(
        app, client, make_municipality, outbox):
    _register(client, make_municipality().id)
    link = _path(_link(outbox.wait_for(1)[0]))
    with time_machine.travel(utcnow() + timedelta(hours=73)):
        expired = client.post(link)
        assert expired.status_code == 410
        assert "has expired or has already been used" in expired.get_data(as_text=True)
    assert _count(app, User, User.email_confirmed_at.is_not(None)) == 0
    unknown = client.get("/az/accounts/confirm/not-a-token")
    assert unknown.status_code == 410
    assert "Link no longer valid" not in unknown.get_data(as_text=True)  # az, not English


def test_a_new_link_on_request_replaces_the_old_one_and_requests_are_limited(
        app, client, make_municipality, outbox):
    _register(client, make_municipality().id)
    first = _path(_link(outbox.wait_for(1)[0]))
    log_in(client, "leyla@example.org", "quiet river stone", lang="en")
    answer = client.post("/en/accounts/confirm/resend", follow_redirects=True)
    assert "We have sent a new link to leyla@example.org" in answer.get_data(as_text=True)
    second = outbox.wait_for(2)[1]
    assert second["Subject"] == "Confirm your email address"
    assert client.post(first).status_code == 410  # earlier links no longer work
    assert client.post(_path(_link(second))).status_code == 302
    # Confirmed: asking again sends nothing.
    told = client.post("/en/accounts/confirm/resend", follow_redirects=True)
    assert "already confirmed" in told.get_data(as_text=True)
    assert len(outbox.messages) == 2


def test_resending_is_rate_limited(app, client, make_user):
    user = make_user(email_confirmed=False)
    log_in(client, user.email)
    answers = [client.post("/en/accounts/confirm/resend").status_code for _ in range(4)]
    assert answers == [302, 302, 302, 429]
    assert _count(app, EmailConfirmationToken) == 3


def test_every_post_but_the_accounts_own_is_refused_before_confirmation(app, client,
                                                                          make_user):
    """The rule sits in the permission hook: every POST route of the URL map refuses an
    unconfirmed account, except the few declared for it."""
    from m4eg.core.permissions import UNCONFIRMED_ATTR, declared_access

    user = make_user(email_confirmed=False)
    log_in(client, user.email)
    allowed = {"accounts.logout", "accounts.change_password", "accounts.profile",
               "accounts.end_other_sessions", "accounts.end_all_sessions",
               "accounts.resend_confirmation"}
    declared = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        audience = declared_access(app, rule.endpoint) or frozenset()
        if "POST" not in rule.methods or audience & {"public", "anonymous"}:
            continue
        if getattr(view, UNCONFIRMED_ATTR, False):
            declared.add(rule.endpoint)
            continue
        url = rule.rule.replace("<lang:lang_code>", "en")
        url = re.sub(r"<any\(([a-z_]+)[^>]*>", r"\1", url)  # any(a, b):x takes its first
        url = re.sub(r"<(?:int:|path:)?[a-z_]+>", "1", url)
        response = client.post(url)
        assert response.status_code == 403, url
        assert "Confirm your email address first" in response.get_data(as_text=True), url
    assert declared == allowed


def test_existing_and_demo_accounts_count_as_confirmed(app_ctx, roster):
    from m4eg.accounts import services
    from m4eg.municipalities.services import get_by_slug

    members = {slug: get_by_slug(slug) for slug in ("khirdalan", "urva")}
    for user in services.ensure_demo_users(members):
        assert user.email_confirmed


# ---------------------------------------------------------------- membership and the figures


def _ulc_total(client) -> str:
    csv = client.get("/en/figures/export.csv").get_data(as_text=True)
    return re.search(rf"{STAFF},Total,([^,\s]+)", csv).group(1)


def test_only_confirmed_members_count_in_the_public_ulc_figures(
        app, client, make_user, make_course_progress, member_id):
    app.config["SMALL_CELL_THRESHOLD"] = 0
    khirdalan = member_id("khirdalan")
    claimed = make_user(municipality_id=khirdalan, confirmed=False)
    make_course_progress(claimed.id, COURSE)
    assert _ulc_total(client) == "0"
    focal = make_user("focal_point", municipality_id=khirdalan)
    log_in(client, focal.email)
    assert "Test staff" in client.get("/en/accounts/affiliations").get_data(as_text=True)
    assert client.post(f"/en/accounts/users/{claimed.id}/confirm").status_code == 302
    client.post("/en/accounts/logout")
    assert _ulc_total(client) == "1"


def test_a_focal_point_cannot_confirm_another_municipalitys_member(
        app, client, make_user, member_id):
    other = make_user(municipality_id=member_id("urva"), confirmed=False)
    focal = make_user("focal_point", municipality_id=member_id("khirdalan"))
    log_in(client, focal.email)
    assert "Test staff" not in client.get("/en/accounts/affiliations").get_data(as_text=True)
    refused = client.post(f"/en/accounts/users/{other.id}/confirm")
    assert refused.status_code == 403
    assert "You do not have permission" in refused.get_data(as_text=True)
    assert client.post("/en/accounts/users/999999/confirm").status_code == 404
    with app.app_context():
        assert db.session.get(User, other.id).municipality_confirmed_at is None


def test_the_home_and_the_refusal_lead_to_a_new_link(app, client, make_user):
    user = make_user(email_confirmed=False)
    log_in(client, user.email)
    home = client.get("/en/").get_data(as_text=True)
    assert "Your email address is not confirmed yet." in home
    assert 'action="/en/accounts/confirm/resend"' in home and "Send me a new link" in home
    refused = client.post("/en/notifications/preferences")
    assert refused.status_code == 403
    assert ('href="/en/accounts/profile#confirm-address">Open my profile to get a new link'
            in refused.get_data(as_text=True))
    confirmed = make_user()
    client.post("/en/accounts/logout")
    log_in(client, confirmed.email)
    assert "not confirmed yet" not in client.get("/en/").get_data(as_text=True)
