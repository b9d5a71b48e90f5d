"""Anonymous pages and aggregates are cached until the next write; pages and static files
are compressed; static files carry versioned URLs cached for a year."""

import gzip
import re

from m4eg.config import ROOT
from m4eg.extensions import db
from tests.conftest import BACKENDS


@BACKENDS
def test_an_anonymous_page_is_served_from_the_cache_until_a_write(client, roster,
                                                                   make_municipality,
                                                                   count_queries):
    first = client.get("/en/municipalities/?q=zz-new")
    assert first.headers["X-Page-Cache"] == "miss"
    with count_queries() as counter:
        again = client.get("/en/municipalities/?q=zz-new")
    assert again.headers["X-Page-Cache"] == "hit" and counter.count == 0
    assert again.data == first.data

    make_municipality(name_en="ZZ-New Village", name_az="ZZ-New kəndi")
    fresh = client.get("/en/municipalities/?q=zz-new")
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert "ZZ-New Village" in fresh.get_data(as_text=True)


@BACKENDS
def test_sign_ins_keep_the_page_cache_and_an_edit_of_the_member_empties_it(
        app, roster, make_user):
    from tests.conftest import log_in
    from tests.municipalities.test_views import _edit_data, _rayon_id

    user, coordinator = make_user(), make_user(role="coordinator")
    visitor = app.test_client()
    assert visitor.get("/en/municipalities/urva").headers["X-Page-Cache"] == "miss"
    person = app.test_client()
    assert log_in(person, user.email, "a wrong guess").status_code == 200  # a failed attempt
    assert log_in(person, user.email).status_code == 302  # stamps users.last_login_at
    assert person.get("/en/accounts/profile").status_code == 200
    person.post("/az/accounts/logout")
    assert visitor.get("/en/municipalities/urva").headers["X-Page-Cache"] == "hit"

    editor = app.test_client()
    assert log_in(editor, coordinator.email).status_code == 302
    data = _edit_data(rayon_id=str(_rayon_id(app, "guba")), email="info@urva.example")
    assert editor.post("/en/municipalities/urva/edit", data=data).status_code == 302
    fresh = visitor.get("/en/municipalities/urva")
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert "info@urva.example" in fresh.get_data(as_text=True)


@BACKENDS
def test_a_bookkeeping_update_statement_keeps_the_cache_and_others_empty_it(app, roster,
                                                                             make_user):
    from sqlalchemy import update

    from m4eg.accounts.models import User
    from m4eg.core.time import utcnow

    user = make_user()
    visitor = app.test_client()
    visitor.get("/en/municipalities/")
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(last_login_at=utcnow()))
        db.session.commit()
    assert visitor.get("/en/municipalities/").headers["X-Page-Cache"] == "hit"
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id)
                           .values(last_login_at=utcnow(), name="Renamed"))
        db.session.commit()
    assert visitor.get("/en/municipalities/").headers["X-Page-Cache"] == "miss"


@BACKENDS
def test_figures_follow_a_write_at_once(app, client, roster, make_municipality):
    before = client.get("/en/figures/export.csv").get_data(as_text=True)
    assert "Members of the network,Total,55" in before
    make_municipality()
    after = client.get("/en/figures/export.csv").get_data(as_text=True)
    assert "Members of the network,Total,56" in after


@BACKENDS
def test_signed_in_people_never_get_a_cached_page(client, roster, login_as):
    client.get("/en/municipalities/urva")  # cached for visitors
    assert client.get("/en/municipalities/urva").headers["X-Page-Cache"] == "hit"
    login_as("coordinator")
    page = client.get("/en/municipalities/urva")
    assert "X-Page-Cache" not in page.headers
    assert "/en/municipalities/urva/edit" in page.get_data(as_text=True)  # their own view
    client.post("/az/accounts/logout")
    visitor = client.get("/en/municipalities/urva")
    assert "/en/municipalities/urva/edit" not in visitor.get_data(as_text=True)


@BACKENDS
def test_a_page_showing_a_message_is_not_cached(client, roster, login_as):
    login_as("staff")
    client.post("/az/accounts/logout")  # redirects to the home page with a message
    shown = client.get("/az/")
    assert "X-Page-Cache" not in shown.headers  # neither served from nor put in the cache
    assert 'class="flash' in shown.get_data(as_text=True)
    later = client.get("/az/")
    assert later.headers["X-Page-Cache"] == "miss"
    again = client.get("/az/")  # what the cache kept is the page without the message
    assert again.headers["X-Page-Cache"] == "hit"
    assert 'class="flash' not in later.get_data(as_text=True)
    assert 'class="flash' not in again.get_data(as_text=True)


def test_pages_are_sent_gzipped_to_browsers_that_accept_it(client, roster):
    plain = client.get("/en/courses/")
    packed = client.get("/en/courses/", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2


def test_static_files_have_versioned_urls_cached_for_a_year(client, roster):
    page = client.get("/en/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{10})"', page).group(1)
    response = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    assert "no-cache" not in response.headers["Cache-Control"]  # else browsers ask every time
    assert gzip.decompress(response.data) == (ROOT / "static/css/site.css").read_bytes()
    with client.get("/static/css/site.css") as unversioned:
        assert "max-age=31536000" not in unversioned.headers.get("Cache-Control", "")
    with client.get("/static/fonts/noto-sans-400.woff2") as font:  # named by site.css
        assert font.headers["Cache-Control"] == "public, max-age=2592000"


def test_sql_count_header_is_off_by_default_and_counts_when_asked(make_app, roster):
    assert "X-SQL-Queries" not in make_app().test_client().get("/healthz").headers
    counted = make_app(SQL_COUNT_HEADER=True).test_client().get("/healthz")
    assert counted.headers["X-SQL-Queries"] == "1"


def test_first_enrolment_sets_the_ulc_registration_date(app, make_user):
    from datetime import UTC, datetime

    from m4eg.accounts.models import User
    from m4eg.courses.services import enrol, get_course

    user = make_user()
    with app.app_context():
        enrol(user, get_course("community-listening"), at=datetime(2025, 5, 1, tzinfo=UTC))
        db.session.commit()
        enrol(user, get_course("designing-a-p4eg-plan"), at=datetime(2024, 1, 1, tzinfo=UTC))
        db.session.commit()
        registered = db.session.get(User, user.id).ulc_registered_at
        assert registered.replace(tzinfo=UTC) == datetime(2024, 1, 1, tzinfo=UTC)
