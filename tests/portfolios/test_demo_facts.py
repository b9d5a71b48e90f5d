"""The demo data says what the M4EG Azerbaijan report (seed 004) says, and no more."""

import re
from pathlib import Path

import pytest
import yaml

from m4eg.extensions import db
from m4eg.portfolios.cli import DATA, load_demonstrators
from m4eg.portfolios.models import Option, OptionStatus, Portfolio

# The sources sit next to the repository (../shared/seeds), not inside it.
SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
GAP = re.compile(r"\s*(?:…|\.\.\.)\s*")


def _normalise(text: str) -> str:
    text = re.sub(r"[“”„«»]", '"', text)
    text = re.sub(r"[‘’]", "'", text)
    text = re.sub(r"(\w)- (\w)", r"\1\2", text)  # the PDF's line-break hyphens ("col- leagues")
    return re.sub(r"\s+", " ", text).strip()


def _report() -> str:
    found = sorted(SEEDS.glob("004_*.txt")) if SEEDS.is_dir() else []
    if not found:
        pytest.skip(f"seed 004 (the M4EG Azerbaijan report) is not in {SEEDS}")
    return _normalise(found[0].read_text(encoding="utf-8"))


def _quotes():
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    for item in data["portfolios"]:
        for story in item.get("stories", []):
            yield story["person"]["en"], story["quote"]["en"]


def _in_order(quote: str, report: str) -> bool:
    """Every piece of the quote between ellipses occurs in the report, in that order."""
    position = 0
    for piece in GAP.split(_normalise(quote)):
        piece = piece.strip().rstrip(".,;")  # the report often ends a quote with a comma
        if not piece:
            continue
        found = report.find(piece, position)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def test_every_quote_is_the_reports_own_words():
    report = _report()
    quotes = list(_quotes())
    assert len(quotes) >= 9
    wrong = [person for person, quote in quotes if not _in_order(quote, report)]
    assert wrong == []


def test_quotes_that_were_cut_are_whole_and_the_study_tour_quote_is_there():
    quotes = {}
    for person, quote in _quotes():
        quotes.setdefault(person, []).append(quote)
    assert any(q.endswith("push forward on our own ideas.") for q in quotes["Orkhan Musayev"])
    assert quotes["Farkhad Ashurbeyli"][0].endswith("develop our initiative even further.")
    assert quotes["Farhad Ashurbeyli"][0].startswith("Being a small village municipality")


def test_a_cut_quote_is_refused_by_the_check():
    report = _report()
    assert _in_order("Being a small village municipality … and family branding.", report)
    assert not _in_order("Being a small village municipality and family branding.", report)


def test_the_demo_portfolios_carry_no_sdg_tags_or_themes_the_report_does_not_give(
        app_ctx, roster):
    load_demonstrators()
    portfolios = db.session.scalars(db.select(Portfolio)).all()
    assert len(portfolios) == 6
    assert all(p.sdgs == [] and p.theme_az == p.theme_en == "" for p in portfolios)


def test_icherisheher_option_status_reads_not_stated_in_the_report(app, roster):
    with app.app_context():
        load_demonstrators()
        db.session.commit()
        option = db.session.scalars(db.select(Option).join(Portfolio).where(
            Portfolio.slug == "icherisheher-smart-old-city")).one()
        assert option.status == OptionStatus.NOT_STATED
    page = app.test_client().get("/en/portfolios/icherisheher-smart-old-city").get_data(
        as_text=True)
    assert "Not stated in the report" in page and "Idea" not in page
    index = app.test_client().get("/en/portfolios/").get_data(as_text=True)
    assert "senior management" not in index and "UNDP SM" in index


def _footer(client, lang="en") -> str:
    page = client.get(f"/{lang}/").get_data(as_text=True)
    return _normalise(re.sub(r"<[^>]+>", " ", page.split('<footer', 1)[1]).replace(
        "&#34;", '"').replace("&quot;", '"'))


def test_footer_uses_the_eus_wording_for_a_funded_website(client):
    footer = _footer(client)
    assert "Funded by the European Union" in footer
    assert "This platform was funded" not in footer  # the EU line said once, not twice


def test_footer_gives_the_disclaimer_as_the_report_words_it(client):
    report = _report()
    disclaimer = re.search(r"Its contents are the sole responsibility[^.]*\.", report).group(0)
    assert disclaimer in _footer(client)
