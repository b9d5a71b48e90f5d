"""What a person reads on a history page is words in their language, never the codes the
database stores (``changes_requested``, ``joined_year``, ``municipal_budget``...): a plan's
history, a portfolio's status log and a member's change history, in az and in en."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from m4eg.extensions import db
from m4eg.portfolios import services as portfolios
from m4eg.portfolios.models import Option, Portfolio

from .test_views import _submitted_twice_with_a_comment, khirdalan_plan  # noqa: F401

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def visible_codes(html: str) -> set[str]:
    """snake_case tokens in the text a person sees (tags, scripts and styles removed)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"Test [a-z_]+ \d+", " ", html)  # the fixtures' user names, not a code
    return set(SNAKE.findall(re.sub(r"<[^>]+>", " ", html)))


def _pages(client, path):
    return {lang: client.get(f"/{lang}{path}") for lang in ("az", "en")}


def test_a_plans_history_and_its_diff_show_no_codes(app, client, khirdalan_plan,  # noqa: F811
                                                     login_as):
    plan_id = khirdalan_plan["id"]
    _submitted_twice_with_a_comment(app, client, khirdalan_plan, login_as)
    login_as("coordinator")
    client.post(f"/en/plans/{plan_id}/review")
    client.post(f"/en/plans/{plan_id}/approve")
    for lang, response in _pages(client, f"/plans/{plan_id}/history?a=1&b=2").items():
        assert response.status_code == 200
        assert visible_codes(response.get_data(as_text=True)) == set(), lang


def test_a_portfolios_status_log_shows_no_codes(app, client, demonstrators, login_as):
    slug = "icherisheher-smart-old-city"
    with app.app_context():
        option = db.session.scalars(select(Option).join(Portfolio).where(
            Portfolio.slug == slug)).one()
        portfolios.change_status(option, "paused", None, version=option.version,
                                 reason="Waiting for the suppliers", on_date=date(2024, 6, 1))
        db.session.commit()
    login_as("coordinator")
    for lang, response in _pages(client, f"/portfolios/{slug}/manage").items():
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        log = page.split("class=\"history\"")[1].split("</ol>")[0]
        assert visible_codes(log) == set(), lang
        assert visible_codes(page) == set(), lang


def test_a_members_change_history_shows_no_codes(app, client, roster, login_as):
    from m4eg.municipalities.models import Rayon

    with app.app_context():
        guba = db.session.scalar(select(Rayon.id).where(Rayon.code == "guba"))
    login_as("coordinator")
    data = {"code": "AZ-006", "name_az": "Urva bələdiyyəsi", "name_en": "Urva Municipality",
            "slug": "urva", "type": "city", "rayon_id": str(guba), "joined_year": "2021",
            "demonstrator_track": "portfolio_journey", "email": "info@urva.example",
            "phone": "", "website": "", "version": "1"}
    assert client.post("/en/municipalities/urva/edit", data=data).status_code == 302
    pages = _pages(client, "/municipalities/urva")
    for lang, response in pages.items():
        assert response.status_code == 200
        assert visible_codes(response.get_data(as_text=True)) == set(), lang
    en = pages["en"].get_data(as_text=True)
    assert "Year joined" in en and "Portfolio Journey" in en and "City municipality" in en


@pytest.mark.parametrize("text, codes", [
    ("<p>status: <b>changes_requested</b></p>", {"changes_requested"}),
    ('<option value="not_stated">Not stated</option><script>a_b()</script>', set()),
])
def test_the_check_sees_codes_in_text_and_not_in_markup(text, codes):
    assert visible_codes(text) == codes
