"""Scores, shares, years and months as each language writes them (Babel through
Flask-Babel): ``0,86`` and ``may 2024`` on an Azerbaijani page, ``0.86`` and ``May 2024`` on an
English one, a year never grouped (``2023``, not ``2.023``)."""

import re

import pytest

from m4eg.extensions import db


@pytest.fixture
def demo_values(app, roster):
    from m4eg.readiness import services

    with app.app_context():
        services.ensure_demo_values()
        db.session.commit()


def _scores(page: str) -> list[str]:
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<td[^>]*>(\d+[.,]\d\d)</td>", table)


def test_readiness_scores_use_the_pages_decimal_sign(client, demo_values):
    az = client.get("/az/readiness/").get_data(as_text=True)
    en = client.get("/en/readiness/").get_data(as_text=True)
    assert _scores(az) and all("," in s for s in _scores(az))
    assert _scores(en) and all("." in s for s in _scores(en))
    chart = az.split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]
    assert re.search(r">\d,\d\d</text>", chart) and not re.search(r">\d\.\d\d</text>", chart)


def test_a_profile_shows_scores_and_coverage_for_its_language(client, demo_values):
    az = client.get("/az/readiness/village/AZ-006").get_data(as_text=True)
    en = client.get("/en/readiness/village/AZ-006").get_data(as_text=True)
    assert re.search(r"<dd>\d,\d\d</dd>", az) and re.search(r"<dd>\d\.\d\d</dd>", en)
    assert re.search(r"<dd>\d{1,3}%</dd>", az) and re.search(r"<dd>\d{1,3}%</dd>", en)


def test_the_figures_period_reads_in_month_names_and_years_are_not_grouped(client, roster):
    az = client.get("/az/figures/?from=2023-05&to=2024-05").get_data(as_text=True)
    en = client.get("/en/figures/?from=2023-05&to=2024-05").get_data(as_text=True)
    assert "may 2023 – may 2024" in az
    assert "May 2023 – May 2024" in en
    assert "2.023" not in az and "2,023" not in en
