"""Portfolio pages over HTTP: public pages, tracking, board, role checks on every route."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from m4eg.extensions import db
from m4eg.portfolios.models import Activity, Option, Portfolio, Story

URVA = "urva-tourism-and-local-brand"


def _option_id(app, slug=URVA):
    from m4eg.portfolios import services

    with app.app_context():
        return services.get_by_slug(slug).options[0].id


def test_public_pages_show_the_reported_facts(client, demonstrators):
    index = client.get("/en/portfolios/").get_data(as_text=True)
    assert "Transition to LED lighting" in index and "Procurement" in index
    assert "Regional Sensemaking Workshop of the Portfolio Journey" in index
    page = client.get("/en/portfolios/khirdalan-entrepreneurship-and-talent").get_data(
        as_text=True)
    assert "1001" in page and "Completed" in page and "Orkhan Musayev" in page
    assert "May 2024" in page and "People reached: 1,000" in page
    az = client.get(f"/az/portfolios/{URVA}").get_data(as_text=True)
    assert "Urva turizm informasiya mərkəzi" in az and "Fərhad Aşurbəyli" in az
    assert "Farkhad Ashurbeyli" not in az  # the person's name in its Azerbaijani spelling
    en = client.get(f"/en/portfolios/{URVA}").get_data(as_text=True)
    assert "Farkhad Ashurbeyli" in en and "Fərhad" not in en


def test_public_pages_hide_internal_notes_and_internal_stories(app, client, demonstrators):
    with app.app_context():
        option = db.session.get(Option, _option_id(app))
        option.internal_notes = "Budget dispute with the contractor"
        db.session.add(Story(portfolio_id=option.portfolio_id, quote_az="Gizli", quote_en="Secret",
                             person_name_en="Internal Person", is_public=False))
        db.session.commit()
    page = client.get(f"/en/portfolios/{URVA}").get_data(as_text=True)
    assert "Budget dispute" not in page and "Internal Person" not in page


def test_track_filter_and_unknown_slug(client, demonstrators):
    page = client.get("/en/portfolios/?track=portfolio_journey").get_data(as_text=True)
    assert "Smart Old City" in page and "Ceremonial house" not in page
    assert client.get("/en/portfolios/?track=bogus").status_code == 200
    assert client.get("/en/portfolios/no-such-portfolio").status_code == 404


def test_member_page_shows_its_portfolio(client, demonstrators):
    page = client.get("/en/municipalities/urva").get_data(as_text=True)
    badge = r'<span class="badge [^"]*">Implementing</span>'
    assert re.search(r"Urva tourism information centre " + badge, page)


def test_coordinator_moves_an_option_and_sees_the_history(app, client, demonstrators, login_as):
    coordinator = login_as("coordinator")
    option_id = _option_id(app)
    response = client.post(f"/en/portfolios/{URVA}/options/{option_id}/status",
                           data={"status": "completed", "version": "1", "on_date": "2024-06-15"})
    assert response.status_code == 302
    page = client.get(f"/en/portfolios/{URVA}/manage").get_data(as_text=True)
    assert "Implementing → Completed" in page and coordinator.name in page


def test_invalid_transition_is_refused_with_the_input_kept(app, client, demonstrators, login_as):
    login_as("coordinator")
    option_id = _option_id(app)
    response = client.post(f"/en/portfolios/{URVA}/options/{option_id}/status",
                           data={"status": "idea", "reason": "my typed reason",
                                 "version": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "cannot go from" in page and 'value="my typed reason"' in page
    with app.app_context():
        assert db.session.get(Option, option_id).status == "implementing"


def test_activity_with_negative_counts_is_refused_and_kept(app, client, demonstrators,
                                                           login_as):
    login_as("coordinator")
    with app.app_context():
        before = len(db.session.scalars(select(Activity)).all())
    response = client.post(f"/en/portfolios/{URVA}/activities", data={
        # A meeting: the programme counts meetings as events (workshops it does not).
        "activity-kind": "meeting", "activity-title_az": "Bələdçi təlimi",
        "activity-title_en": "Guide training", "activity-on_date": "2024-04-10",
        "activity-men": "-3", "activity-women": "5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Number must be between 0 and 10000000." in page and 'value="Guide training"' in page
    with app.app_context():
        assert len(db.session.scalars(select(Activity)).all()) == before


def test_coordinator_records_an_activity_that_feeds_the_figures(app, client, demonstrators,
                                                                login_as):
    login_as("coordinator")
    response = client.post(f"/en/portfolios/{URVA}/activities", data={
        # A meeting: the programme counts meetings as events (workshops it does not).
        "activity-kind": "meeting", "activity-title_az": "Bələdçi təlimi",
        "activity-title_en": "Guide training", "activity-on_date": "2024-04-10",
        "activity-men": "4", "activity-women": "9", "activity-people_reached": "40"})
    assert response.status_code == 302
    csv = client.get("/en/figures/export.csv?from=2024-04&to=2024-04").get_data(as_text=True)
    assert "Events,Total,1" in csv and "Participants in events,Female,9" in csv
    # A small count of people is never published exactly.
    assert "Participants in events,Male,<5" in csv


def test_text_fields_are_escaped(app, client, demonstrators, login_as):
    login_as("coordinator")
    client.post(f"/en/portfolios/{URVA}/stories", data={
        "story-quote_az": "<script>alert(1)</script>", "story-quote_en": "<b>bold</b>",
        "story-person_name_en": "Test", "story-is_public": "y"})
    page = client.get(f"/en/portfolios/{URVA}").get_data(as_text=True)
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page


def test_board_flags_and_exports(client, demonstrators, login_as):
    login_as("coordinator")
    page = client.get("/en/portfolios/board?track=urban_imaginaries").get_data(as_text=True)
    assert "Transition to LED lighting" in page and "Smart Old City" not in page
    csv = client.get("/en/portfolios/board.csv").get_data(as_text=True)
    assert "Tourism information centre and local brand,Urva Municipality" in csv
    header, urva = csv.splitlines()[0], next(line for line in csv.splitlines() if "Urva" in line)
    assert header.lstrip("\ufeff").startswith("Portfolio,Municipality,Track,Options,Completed (%)")
    assert "Urban Imaginaries" in urva and "urban_imaginaries" not in csv
    az = client.get("/az/portfolios/board.csv").get_data(as_text=True)
    assert "Urva bələdiyyəsi" in az and "completed_percent" not in az


def test_hand_made_posts_get_form_errors_not_server_errors(app, client, demonstrators,
                                                            login_as):
    """Fields left out, an unknown grant phase, a count beyond any real event: the form
    answers with a message (or saves what is valid), never a 500."""
    login_as("coordinator")
    option_id = _option_id(app)
    with app.app_context():
        portfolio = db.session.scalar(select(Portfolio).where(Portfolio.slug == URVA))
        fields = {"municipality_id": portfolio.municipality_id, "slug": URVA,
                  "track": portfolio.track, "title_az": portfolio.title_az,
                  "title_en": portfolio.title_en, "version": portfolio.version}
        option_version = db.session.get(Option, option_id).version
    edited = client.post(f"/en/portfolios/{URVA}/edit", data=fields)  # no intent, no theme
    assert edited.status_code == 302  # saved: intent and theme may be left empty
    with app.app_context():
        assert db.session.scalar(select(Portfolio).where(Portfolio.slug == URVA)).intent_en == ""

    bogus = client.post(f"/en/portfolios/{URVA}/options", data={
        "option-title_az": "Yeni seçim", "option-title_en": "New option",
        "option-grant_phase": "platinum"})
    assert bogus.status_code == 400 and 'value="New option"' in bogus.get_data(as_text=True)
    option = client.post(f"/en/portfolios/{URVA}/options/{option_id}/edit", data={
        "title_az": "Seçim", "title_en": "Option", "version": option_version})
    assert option.status_code == 302

    huge = client.post(f"/en/portfolios/{URVA}/activities", data={
        "activity-kind": "forum", "activity-title_az": "Forum", "activity-title_en": "Forum",
        "activity-on_date": "2024-04-10", "activity-men": "9" * 30})
    assert huge.status_code == 400
    assert "Number must be between 0 and 10000000." in huge.get_data(as_text=True)


def test_board_queries_do_not_grow_with_portfolios_options_and_milestones(
        app, client, demonstrators, login_as, count_queries, make_portfolio):
    from m4eg.municipalities.models import Municipality

    login_as("coordinator")
    client.get("/en/portfolios/board")
    with count_queries() as few:
        few_page = client.get("/en/portfolios/board").get_data(as_text=True)
    with app.app_context():
        urva = db.session.scalar(select(Municipality.id).where(Municipality.slug == "urva"))
    for n in range(12):
        make_portfolio(urva, title_en=f"Extra portfolio {n}", options=3, milestones=4)
    with count_queries() as many:
        many_page = client.get("/en/portfolios/board").get_data(as_text=True)
    assert "Extra portfolio 11" in many_page and "Extra portfolio 11" not in few_page
    assert many.count == few.count


HAND_EDITED_VERSIONS = [" ", "abc", "99999999999999999999"]


@pytest.mark.parametrize("version", HAND_EDITED_VERSIONS)
def test_hand_edited_version_of_an_option_is_refused_not_a_500(app, client, demonstrators,
                                                               login_as, version):
    """The option's status and edit forms carry its version in a hidden field: edited by
    hand it gets the translated conflict message (409) and nothing is saved."""
    login_as("coordinator")
    option_id = _option_id(app)
    moved = client.post(f"/en/portfolios/{URVA}/options/{option_id}/status",
                        data={"status": "completed", "version": version,
                              "on_date": "2024-06-15"})
    assert moved.status_code == 409
    assert "This form is out of date. Reload the page and try again." in moved.get_data(
        as_text=True)
    edited = client.post(f"/en/portfolios/{URVA}/options/{option_id}/edit", data={
        "title_az": "Seçim", "title_en": "Edited by hand", "version": version})
    assert edited.status_code == 409
    assert "This form is out of date. Reload the page and try again." in edited.get_data(
        as_text=True)
    with app.app_context():
        option = db.session.get(Option, option_id)
        assert option.status == "implementing" and option.title_en != "Edited by hand"


@pytest.mark.parametrize("version", HAND_EDITED_VERSIONS)
def test_hand_edited_version_of_a_portfolio_is_refused_not_a_500(app, client, demonstrators,
                                                                 login_as, version):
    login_as("coordinator")
    with app.app_context():
        portfolio = db.session.scalar(select(Portfolio).where(Portfolio.slug == URVA))
        fields = {"municipality_id": portfolio.municipality_id, "slug": URVA,
                  "track": portfolio.track, "title_az": portfolio.title_az,
                  "title_en": "Edited by hand", "version": version}
    response = client.post(f"/en/portfolios/{URVA}/edit", data=fields)
    assert response.status_code == 409
    assert "This form is out of date. Reload the page and try again." in response.get_data(
        as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Portfolio).where(
            Portfolio.slug == URVA)).title_en != "Edited by hand"


def test_tracking_page_shows_labels_not_stored_values(app, client, demonstrators, login_as):
    """The grant phase and the status history read as words in the page's language, not as
    the values the database stores."""
    login_as("coordinator")
    option_id = _option_id(app)
    with app.app_context():
        db.session.get(Option, option_id).grant_phase = "seed"
        db.session.commit()
    page = client.get(f"/en/portfolios/{URVA}/manage").get_data(as_text=True)
    assert "Grant phase: Seed" in page
    assert "Idea → Implementing" in page and "idea → implementing" not in page


def test_another_portfolios_option_or_milestone_is_not_found(app, client, demonstrators,
                                                             login_as):
    login_as("coordinator")
    other = _option_id(app, "naftalan-ceremonial-house")
    with app.app_context():
        from m4eg.portfolios import services

        option = db.session.get(Option, other)
        milestone = services.add_milestone(option, {"title_az": "Tender", "title_en": "Tender",
                                                    "due_date": date(2030, 1, 1)})
        db.session.commit()
        milestone_id = milestone.id
    base = f"/en/portfolios/{URVA}"
    assert client.get(f"{base}/options/{other}/edit").status_code == 404
    assert client.post(f"{base}/options/{other}/status",
                       data={"status": "completed", "version": "1"}).status_code == 404
    assert client.post(f"{base}/milestones/{milestone_id}/done").status_code == 404
    with app.app_context():
        assert db.session.get(Option, other).milestones[0].done_on is None
