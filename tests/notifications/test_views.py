"""The notifications a person reads: the header's counter, the list (unread first), opening
one, marking one or all read, the mail choices; another person's id is not found."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from m4eg.accounts.services import get_user
from m4eg.core.time import utcnow
from m4eg.extensions import db
from m4eg.notifications import services
from m4eg.notifications.models import Kind, MailPreference, Notification


@pytest.fixture
def notify(app):
    """Give ``user`` a notification titled ``title`` (both languages) leading to a workshop
    list; ``ago`` minutes old. Returns its id."""
    def make(user, title, ago=0):
        with app.app_context():
            services.notify(get_user(user.id), Kind.PLAN_STATUS,
                            lambda: title + (" (az)" if _az() else ""), "workshops.index")
            row = db.session.scalars(select(Notification).order_by(Notification.id.desc())
                                     ).first()
            row.created_at = utcnow() - timedelta(minutes=ago)
            db.session.commit()
            return row.id
    return make


def _az() -> bool:
    from m4eg.core.i18n import current_language

    return current_language() == "az"


def _read_at(app, notification_id):
    with app.app_context():
        return db.session.get(Notification, notification_id).read_at


def test_the_header_counts_unread_and_the_list_shows_them_first_in_the_readers_language(
        app, client, login_as, notify):
    me = login_as("staff")
    old = notify(me, "Older news", ago=60)
    new = notify(me, "Newer news", ago=5)
    client.post(f"/en/notifications/{new}/read")
    page = client.get("/en/notifications/").get_data(as_text=True)
    assert page.index("Older news") < page.index("Newer news")  # the unread one first
    assert re.search(r'class="bell has-unread">.*?<span>Notifications</span> '
                     r'<span class="count"[^>]*>1<', page)
    assert "Older news (az)" in client.get("/az/notifications/").get_data(as_text=True)
    assert old != new


def test_opening_a_notification_marks_it_read_and_leads_to_its_page(app, client, login_as,
                                                                     notify):
    me = login_as("staff")
    mine = notify(me, "Seat news")
    response = client.post(f"/az/notifications/{mine}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/az/workshops/"
    assert _read_at(app, mine) is not None
    assert 'class="bell"' in client.get("/az/").get_data(as_text=True)  # no count left


def test_mark_one_and_mark_all_read(app, client, login_as, notify):
    me = login_as("staff")
    first, second, third = (notify(me, f"News {n}") for n in range(3))
    response = client.post(f"/en/notifications/{first}/read")
    assert response.headers["Location"].endswith(f"/en/notifications/#notification-{first}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    # The message stands at the notification acted on, not at the top of the page.
    assert re.search(rf'id="notification-{first}"[^>]*>\s*<div class="flashes"', page)
    assert _read_at(app, second) is None
    response = client.post("/en/notifications/read-all")
    assert "2 notifications marked as read." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert _read_at(app, second) is not None and _read_at(app, third) is not None


def test_someone_elses_notification_is_not_found_and_stays_unread(app, client, login_as,
                                                                  make_user, notify):
    other = make_user(role="staff")
    theirs = notify(other, "Not yours")
    login_as("coordinator")
    assert client.post(f"/en/notifications/{theirs}/read").status_code == 404
    assert client.post(f"/en/notifications/{theirs}/open").status_code == 404
    client.post("/en/notifications/read-all")
    assert _read_at(app, theirs) is None
    assert "Not yours" not in client.get("/en/notifications/").get_data(as_text=True)


def test_preferences_default_on_and_are_saved(app, client, login_as):
    me = login_as("focal_point")
    page = client.get("/en/notifications/preferences").get_data(as_text=True)
    assert page.count("checked") == len(Kind)
    assert "A new comment or reply on a P4EG plan" in page
    response = client.post("/en/notifications/preferences",
                           data={"email": ["plan_status", "workshop_seat"]})
    assert response.status_code == 302
    with app.app_context():
        chosen = services.preferences(me.id)
    assert chosen == {"plan_status": True, "plan_comment": False, "plan_reminder": False,
                      "plan_extension": False,
                      "role_granted": False, "membership_confirmed": False,
                      "workshop_seat": True}
    page = client.get("/en/notifications/preferences").get_data(as_text=True)
    assert page.count("checked") == 2


def test_an_unknown_kind_is_refused_and_nothing_saved(app, client, login_as):
    me = login_as("staff")
    response = client.post("/en/notifications/preferences", data={"email": ["no_such"]})
    assert response.status_code == 200 and "Choose among the kinds listed." in (
        response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalars(select(MailPreference).where(
            MailPreference.user_id == me.id)).all() == []


def test_marking_read_needs_the_form_token(make_app, make_user):
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    me = make_user(role="staff")
    with strict.app_context():
        services.notify(get_user(me.id), Kind.PLAN_STATUS, lambda: "News", "workshops.index")
        db.session.commit()
        mine = db.session.scalar(select(Notification.id))
    login = client.get("/en/accounts/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
    client.post("/en/accounts/login", data={"email": me.email, "password": me.password,
                                            "csrf_token": token})
    assert client.post(f"/en/notifications/{mine}/read").status_code == 400
    assert client.post("/en/notifications/read-all").status_code == 400
    with strict.app_context():
        assert db.session.get(Notification, mine).read_at is None
