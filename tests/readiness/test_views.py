"""Readiness pages over HTTP: public pages in both languages, coordinators' tools."""

import io

import pytest

from m4eg.extensions import db


@pytest.fixture
def demo_values(app, roster):
    from m4eg.readiness import services

    with app.app_context():
        services.ensure_demo_values()
        db.session.commit()


def test_ranking_catalogue_and_profile_in_both_languages(client, demo_values):
    en = client.get("/en/readiness/").get_data(as_text=True)
    az = client.get("/az/readiness/").get_data(as_text=True)
    assert "synthetic demo data set" in en and '<svg class="chart"' in en
    assert "Amplify" in en and "Urva Municipality" in en
    assert "Urva bələdiyyəsi" in az and "synthetic demo data set" not in az
    catalogue = client.get("/en/readiness/indicators").get_data(as_text=True)
    assert catalogue.count("<tr><td>") == 53 and "less readiness" in catalogue
    profile = client.get("/en/readiness/village/AZ-006").get_data(as_text=True)
    assert "Network median" in profile and "Kinds of intervention the World Bank paper suggests" in profile
    assert client.get("/en/readiness/rayon/guba").status_code == 200
    assert client.get("/en/readiness/village/AZ-002").status_code == 404  # a city
    assert client.get("/en/readiness/town/AZ-006").status_code == 404


def test_export_and_api(client, demo_values):
    csv = client.get("/en/readiness/export.csv?kind=rayon").get_data(as_text=True)
    assert csv.startswith("\ufeffCode,Name,Year,Rank,Class,Official class,Index,Data coverage,"
                          "Not classed: too little data,Economic sources for local development,")
    az = client.get("/az/readiness/export.csv?kind=rayon").get_data(as_text=True)
    assert az.startswith("\ufeffKod,Ad,")
    data = client.get("/api/v1/readiness?kind=village").get_json()
    assert data["demo"] is True and len(data["areas"]) == 24
    assert {a["class"] for a in data["areas"] if not a["flagged"]} <= {
        "amplify", "accelerate_high", "accelerate_medium", "accelerate_low", "activate"}


def test_coordinator_imports_values(app, client, roster, login_as):
    login_as("coordinator")
    content = b"area,indicator,value,year,source\nAZ-036,1,12.5,2023,AZStat\nguba,1,40,2023,\n"
    page = client.post("/en/readiness/import", data={"file": (io.BytesIO(content), "v.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Import now" in page
    import re

    token = re.search(r'name="token" type="hidden" value="([a-f0-9]{64})"', page).group(1)
    assert client.post("/en/readiness/import/confirm", data={"token": token}).status_code == 302
    bad = client.post("/en/readiness/import", data={
        "file": (io.BytesIO(b"area,indicator,value,year\nAZ-036,99,x,2023\n"), "v.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "unknown indicator number 99" in bad and "Import now" not in bad


def test_coordinator_saves_weights_and_sees_sensitivity(client, demo_values, login_as):
    login_as("coordinator")
    data = {"name": "Human capital first", "economic_sources": "1",
            "infrastructure_services": "1", "human_capital": "3", "economic_potential": "1",
            "governance": "0"}
    response = client.post("/en/readiness/weights", data=data)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "change class between the two weight sets" in page
    invalid = client.post("/en/readiness/weights", data={**data, "name": "Bad",
                                                         "governance": "-1"})
    assert invalid.status_code == 200 and 'value="Bad"' in invalid.get_data(as_text=True)


def test_a_village_plan_shows_its_readiness_profile(app, client, demo_values, login_as):
    from datetime import date

    from m4eg.municipalities.services import get_by_slug
    from m4eg.plans import services as plans
    from m4eg.plans.cli import DEFAULT_TEMPLATE

    with app.app_context():
        urva = get_by_slug("urva").id
    login_as("focal_point", municipality_id=urva)
    with app.app_context():
        plans.load_template(DEFAULT_TEMPLATE)
        cycle = plans.save_cycle(None, name="2026–2028", deadline=date(2028, 1, 1),
                                 reminder_days=7)
        db.session.commit()
        cycle_id = cycle.id
    response = client.post("/en/plans/start", data={"cycle_id": cycle_id})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Smart Village Readiness profile (read-only)" in page


def test_every_rejection_reason_of_the_value_import_shows_the_value_as_text(client, roster,
                                                                           login_as):
    login_as("coordinator")
    tag = "<b>x</b>"
    content = f"area,indicator,value,year,source\n{tag},{tag},{tag},{tag},{tag}\n".encode()
    page = client.post("/en/readiness/import", data={"file": (io.BytesIO(content), "v.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    shown = "&lt;b&gt;x&lt;/b&gt;"
    for reason in (f"area {shown} is not a village municipality",
                   f"unknown indicator number {shown}", f"value {shown} is not a number",
                   f"year {shown} is not a year"):
        assert reason in page
    assert tag not in page and "Import now" not in page
    script = "<script>alert(1)</script>"
    scripted = client.post("/en/readiness/import", data={"file": (io.BytesIO(
        f"area,indicator,value,year\nAZ-036,1,{script},2023\n".encode()), "v.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in scripted and script not in scripted


def test_value_import_preview_lists_only_the_rejected_rows(client, roster, login_as):
    login_as("coordinator")
    content = b"area,indicator,value,year\nAZ-036,1,12.5,2023\nguba,7,x,2023\n"
    page = client.post("/en/readiness/import", data={"file": (io.BytesIO(content), "v.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "<strong>1</strong> to create" in page and "<strong>1</strong> rejected" in page
    assert '<tr class="row-error">' in page and "<td>guba</td><td>7 · 2023</td>" in page
    assert "AZ-036" not in page.split("<tbody>")[-1]  # the good row is not listed
