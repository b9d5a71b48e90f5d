"""Optimistic locking on every versioned record (members, profiles, portfolios, options,
workshop sessions): two saves of one version at once, and a stale form over HTTP.

Each racing thread has its own application context, so its own session and connection, loads
the record fresh and reads its version; a barrier then releases both saves together, so both
pass the Python comparison (loaded == seen) and only the conditional UPDATE can refuse one.
Runs on SQLite (the second writer waits for the first, busy_timeout) and on PostgreSQL (the
second UPDATE waits for the first one's row lock, then finds the version moved on).
"""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from m4eg.accounts import services as accounts
from m4eg.accounts.models import User
from m4eg.core.time import utcnow
from m4eg.core.versions import Conflict
from m4eg.extensions import db
from m4eg.municipalities import services as municipalities
from m4eg.municipalities.models import Municipality
from m4eg.portfolios import services as portfolios
from m4eg.portfolios.models import Option, Portfolio
from m4eg.workshops import services as workshops
from m4eg.workshops.models import Workshop
from tests.conftest import race

COURSE = "community-listening"


# Each kind of record: how to make one, load it fresh, save a text on a seen version, and
# read back the stored text. ``ids`` holds what the setup made.

def _member_setup(app, make_user, make_municipality):
    return {"id": make_municipality().id, "actor": make_user(role="coordinator").id}


def _member_save(ids, record, text, seen):
    data = {key: getattr(record, key) for key in municipalities.EDITABLE}
    municipalities.update_member(record, {**data, "phone": text},
                                 db.session.get(User, ids["actor"]), version=seen)


def _member_status_save(ids, record, text, seen):
    municipalities.set_status(record, text, db.session.get(User, ids["actor"]), version=seen)


def _profile_setup(app, make_user, make_municipality):
    return {"id": make_user().id}


def _profile_save(ids, record, text, seen):
    accounts.update_profile(record, version=seen, name=text)


def _portfolio_setup(app, make_user, make_municipality):
    member = make_municipality()
    with app.app_context():
        portfolio = portfolios.save_portfolio(None, dict(
            slug="race-portfolio", municipality_id=member.id, track="urban_imaginaries",
            title_az="Portfel", title_en="Portfolio", intent_az="", intent_en="", theme_az="",
            theme_en="", sdgs=[11]))
        option = portfolios.save_option(portfolio, None, dict(
            title_az="Seçim", title_en="Option", description_az="", description_en="",
            partners="", grant_phase=""), actor=None)
        db.session.commit()
        return {"id": portfolio.id, "option": option.id}


def _portfolio_save(ids, record, text, seen):
    data = {key: getattr(record, key) for key in (
        "municipality_id", "slug", "track", "title_az", "title_en", "intent_az", "intent_en",
        "theme_az", "theme_en", "start_date", "sdgs")}
    portfolios.save_portfolio(record, {**data, "intent_en": text}, version=seen)


def _option_setup(app, make_user, make_municipality):
    ids = _portfolio_setup(app, make_user, make_municipality)
    return {"id": ids["option"], "portfolio": ids["id"]}


def _option_save(ids, record, text, seen):
    data = {key: getattr(record, key) for key in (
        "title_az", "title_en", "description_az", "description_en", "partners",
        "grant_phase")}
    portfolios.save_option(record.portfolio, record, {**data, "description_en": text}, None,
                           version=seen)


def _option_status_save(ids, record, text, seen):
    portfolios.change_status(record, text, None, reason=f"reason for {text}", version=seen)


def _workshop_setup(app, make_user, make_municipality):
    start = utcnow() + timedelta(days=10)
    with app.app_context():
        workshop = workshops.save_workshop(None, dict(
            course_slug=COURSE, city_az="Şəki", city_en="Sheki", venue="Zal",
            starts_at=start, ends_at=start + timedelta(hours=6),
            registration_deadline=start - timedelta(days=1), capacity=10))
        db.session.commit()
        return {"id": workshop.id}


def _workshop_save(ids, record, text, seen):
    data = {key: getattr(record, key) for key in (
        "course_slug", "city_az", "city_en", "capacity", "starts_at", "ends_at",
        "registration_deadline")}
    workshops.save_workshop(record, {**data, "venue": text}, version=seen)


KINDS = {
    # kind: (model, setup, save, stored field, the two texts)
    "member": (Municipality, _member_setup, _member_save, "phone", ("111", "222")),
    "member status": (Municipality, _member_setup, _member_status_save, "status",
                      ("suspended", "left")),
    "profile": (User, _profile_setup, _profile_save, "name", ("Aysel", "Rəşad")),
    "portfolio": (Portfolio, _portfolio_setup, _portfolio_save, "intent_en",
                  ("Aysel's intent", "Rashad's intent")),
    "option": (Option, _option_setup, _option_save, "description_en",
               ("Aysel's option", "Rashad's option")),
    "option status": (Option, _option_setup, _option_status_save, "status",
                      ("designed", "dropped")),
    "workshop": (Workshop, _workshop_setup, _workshop_save, "venue",
                 ("Mədəniyyət evi", "Gənclər mərkəzi")),
}


@pytest.mark.parametrize("kind", KINDS)
def test_two_saves_of_one_version_at_once_one_wins_the_other_is_told(app, make_user,
                                                                    make_municipality, kind):
    model, setup, save, field, texts = KINDS[kind]
    ids = setup(app, make_user, make_municipality)
    with app.app_context():
        before = db.session.get(model, ids["id"]).version

    def saver(text):
        def job(barrier):
            record = db.session.get(model, ids["id"])
            seen = record.version
            barrier.wait()  # both have loaded the same version before either writes
            save(ids, record, text, seen)
            return text
        return job

    results = race(app, [saver(text) for text in texts])

    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    winner = next(r[1] for r in results if r[0] == "ok")
    with app.app_context():
        stored = db.session.get(model, ids["id"])
        # The winner's text, never the loser's written over it afterwards.
        assert getattr(stored, field) == winner
        assert stored.version == before + 1


@pytest.mark.parametrize("kind", ["member", "profile", "portfolio", "option", "workshop"])
def test_a_save_after_another_between_load_and_write_is_refused(app, make_user,
                                                                make_municipality, kind):
    """The loaded version still matches the form's, but the row moved on before the write:
    the conditional UPDATE refuses, and what the other person saved stays."""
    model, setup, save, field, (theirs, mine) = KINDS[kind]
    ids = setup(app, make_user, make_municipality)
    with app.app_context():
        record = db.session.get(model, ids["id"])
        seen = record.version
        with app.app_context():  # another request, its own session, saves first
            save(ids, db.session.get(model, ids["id"]), theirs, seen)
            db.session.commit()
        with pytest.raises(Conflict):
            save(ids, record, mine, seen)
        db.session.rollback()
    with app.app_context():
        assert getattr(db.session.get(model, ids["id"]), field) == theirs


def test_a_status_change_without_a_version_is_refused(app, make_user, make_municipality):
    ids = _option_setup(app, make_user, make_municipality)
    with app.app_context():
        option = db.session.get(Option, ids["id"])
        with pytest.raises(portfolios.EditConflict):
            portfolios.change_status(option, "designed", None, version=None)
        db.session.rollback()
        assert db.session.get(Option, ids["id"]).status == "idea"


# ---------------------------------------------------------------- over HTTP

STALE = "Reload the page"


def _someone_else_saves(app, model, ids, save, text):
    """Save ``text`` as another person would; returns the version the stale form saw."""
    with app.app_context():
        record = db.session.get(model, ids["id"])
        seen = record.version
        save(ids, record, text, seen)
        db.session.commit()
        return seen


def _assert_refused(app, response, typed, model, ids, field, theirs):
    assert response.status_code == 409
    page = unescape(response.get_data(as_text=True))
    assert STALE in page and "after you opened" in page, page
    assert typed in page  # what the person typed is still in the form
    with app.app_context():
        assert getattr(db.session.get(model, ids["id"]), field) == theirs


def test_stale_member_form_is_shown_again_with_the_typed_text(app, client, roster, login_as,
                                                             make_user):
    from m4eg.municipalities.models import Rayon

    with app.app_context():
        urva = municipalities.get_by_slug("urva")
        ids = {"id": urva.id, "actor": make_user(role="coordinator").id}
        form = {"code": urva.code, "name_az": urva.name_az, "name_en": urva.name_en,
                "slug": "urva", "type": urva.type, "joined_year": "",
                "rayon_id": str(db.session.scalar(select(Rayon.id).where(Rayon.code == "guba"))),
                "demonstrator_track": urva.demonstrator_track or "", "email": "",
                "phone": "My typed 999", "website": ""}
    seen = _someone_else_saves(app, Municipality, ids, _member_save, "111")
    login_as("coordinator")
    response = client.post("/en/municipalities/urva/edit", data={**form, "version": str(seen)})
    _assert_refused(app, response, 'value="My typed 999"', Municipality, ids, "phone", "111")


def test_stale_profile_form_is_shown_again_with_the_typed_text(app, client, login_as):
    user = login_as("staff")
    ids = {"id": user.id}
    seen = _someone_else_saves(app, User, ids, _profile_save, "Saved in another tab")
    response = client.post("/en/accounts/profile", data={
        "name": "Typed in this tab", "municipality_id": str(user.municipality_id),
        "position": "Tester", "sex": "male", "preferred_language": "en",
        "version": str(seen)})
    _assert_refused(app, response, 'value="Typed in this tab"', User, ids, "name",
                    "Saved in another tab")


def _portfolio_form(app, ids, **overrides):
    with app.app_context():
        portfolio = db.session.get(Portfolio, ids["id"])
        form = {"municipality_id": portfolio.municipality_id, "slug": portfolio.slug,
                "track": portfolio.track, "title_az": portfolio.title_az,
                "title_en": portfolio.title_en, "intent_en": ""}
    return {**form, **overrides}


def test_stale_portfolio_form_is_shown_again_with_the_typed_text(app, client, login_as,
                                                                make_user, make_municipality):
    ids = _portfolio_setup(app, make_user, make_municipality)
    seen = _someone_else_saves(app, Portfolio, ids, _portfolio_save, "Their intent")
    login_as("coordinator")
    response = client.post("/en/portfolios/race-portfolio/edit", data=_portfolio_form(
        app, ids, intent_en="My typed intent", version=str(seen)))
    _assert_refused(app, response, "My typed intent", Portfolio, ids, "intent_en",
                    "Their intent")


def test_stale_option_form_is_shown_again_with_the_typed_text(app, client, login_as,
                                                             make_user, make_municipality):
    ids = _option_setup(app, make_user, make_municipality)
    seen = _someone_else_saves(app, Option, ids, _option_save, "Their description")
    login_as("coordinator")
    response = client.post(f"/en/portfolios/race-portfolio/options/{ids['id']}/edit", data={
        "title_az": "Seçim", "title_en": "Option", "description_en": "My typed description",
        "version": str(seen)})
    _assert_refused(app, response, "My typed description", Option, ids, "description_en",
                    "Their description")


@pytest.mark.parametrize("version", ["stale", None])
def test_stale_or_versionless_status_change_is_refused(app, client, login_as, make_user,
                                                       make_municipality, version):
    """The status form carries the option's version: a stale one gets the conflict, a
    missing one the out-of-date message (it used to be saved without any check)."""
    ids = _option_setup(app, make_user, make_municipality)
    seen = _someone_else_saves(app, Option, ids, _option_status_save, "designed")
    login_as("coordinator")
    form = {"status": "dropped", "reason": "My typed reason", "on_date": ""}
    if version == "stale":
        form["version"] = str(seen)
    response = client.post(f"/en/portfolios/race-portfolio/options/{ids['id']}/status",
                           data=form)
    assert response.status_code == 409
    page = unescape(response.get_data(as_text=True))
    assert ("after you opened" if version else "This form is out of date.") in page
    with app.app_context():
        assert db.session.get(Option, ids["id"]).status == "designed"


def test_stale_workshop_form_is_shown_again_with_the_typed_text(app, client, login_as,
                                                               make_user, make_municipality):
    ids = _workshop_setup(app, make_user, make_municipality)
    seen = _someone_else_saves(app, Workshop, ids, _workshop_save, "Their venue")
    login_as("coordinator")
    start = utcnow() + timedelta(days=20)
    response = client.post(f"/en/workshops/{ids['id']}/edit", data={
        "course_slug": COURSE, "city_az": "Şəki", "city_en": "Sheki", "venue": "My typed venue",
        "starts_at": start.strftime("%Y-%m-%dT10:00"),
        "ends_at": start.strftime("%Y-%m-%dT17:00"),
        "registration_deadline": (start - timedelta(days=2)).strftime("%Y-%m-%dT18:00"),
        "capacity": "25", "version": str(seen)})
    _assert_refused(app, response, 'value="My typed venue"', Workshop, ids, "venue",
                    "Their venue")
