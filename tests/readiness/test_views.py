"""Readiness pages over HTTP: public pages in both languages, coordinators' tools."""

import io
import re

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
    assert catalogue.count('<tr><td data-label="№">') == 53 and "less readiness" in catalogue
    profile = client.get("/en/readiness/village/AZ-006").get_data(as_text=True)
    assert "Network median" in profile
    assert "Kinds of intervention the World Bank paper suggests" in profile
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


def test_the_method_page_says_what_the_paper_defines_and_what_the_platform_chose(client,
                                                                                demo_values):
    en = client.get("/en/readiness/method").get_data(as_text=True)
    for text in ("What the World Bank paper defines", "What the platform chose",
                 "does not publish how the indicators were scaled",
                 "the top fifth of our areas", "Absheron district", "Sumgayit city",
                 "footnote 36", "the platform&#39;s areas in the base year 2022"):
        assert text in en, text
    az = client.get("/az/readiness/method").get_data(as_text=True)
    for text in ("Hesabat göstəricilərin necə miqyaslandığını", "Abşeron rayonu",
                 "Sumqayıt şəhəri", "36-cı qeyd", "platformanındır"):
        assert text in az, text
    assert "follow section 5" not in en


def test_indicator_page_marks_the_platforms_reading_and_the_realigned_rows(client):
    page = client.get("/en/readiness/indicators").get_data(as_text=True)
    assert "A higher value means (platform's reading)" in page
    assert "Inferred: Annex I gives no measurement" in page
    assert page.count("Realigned: in Annex I") == 8
    assert "% change, -100 or more" in page


def test_a_profile_shows_progress_gaps_and_the_papers_hedged_wording(client, demo_values):
    page = client.get("/en/readiness/rayon/guba").get_data(as_text=True)
    assert "Progress since the base year" in page and "Scores by year" in page
    assert "2022 (base year)" in page and 'font-size="13"' in page
    assert "Indicators below the reference median" in page
    assert "While each village cluster is different" in page and "in broad terms" in page
    cluster = client.get("/en/readiness/cluster/guba-gusar-khachmaz").get_data(as_text=True)
    assert "Guba district" in cluster and "Official class" in cluster
    assert "section 5.6" in cluster
    earlier = client.get("/en/readiness/rayon/guba?year=2022").get_data(as_text=True)
    assert "This is the base year (2022)" in earlier
    assert client.get("/en/readiness/rayon/guba?year=1999").status_code == 400
    assert client.get("/en/readiness/?year=abc").status_code == 400


def test_the_network_view_counts_class_changes_and_leaves_baku_out(client, demo_values):
    page = client.get("/en/readiness/?kind=village&year=2024").get_data(as_text=True)
    assert "Class changes since 2022" in page and "moved up a class" in page
    rayons = client.get("/en/readiness/?kind=rayon").get_data(as_text=True)
    assert "14 rayons of Baku and its metropolitan area are left out" in rayons
    assert "Sabail district" not in rayons.split("<tbody>")[1]
    clusters = client.get("/en/readiness/?kind=cluster").get_data(as_text=True)
    assert "Shamkir–Tovuz cluster (demo)" in clusters and "Official class" in clusters


def test_the_api_takes_a_year(client, demo_values):
    data = client.get("/api/v1/readiness?kind=rayon&year=2023").get_json()
    assert data["year"] == 2023 and data["years"] == [2022, 2023, 2024]
    assert len(data["left_out"]) == 14 and data["reference"] == "base_year"
    for bad in ("1999", "abc", "²"):
        response = client.get(f"/api/v1/readiness?year={bad}")
        assert response.status_code == 400 and response.get_json()["field"] == "year"
    clusters = client.get("/api/v1/readiness?kind=cluster").get_json()
    assert {a["official_class"] for a in clusters["areas"]} == {"amplify"}


def test_coordinator_changes_the_method_settings(client, demo_values, login_as):
    login_as("coordinator")
    page = client.get("/en/readiness/settings").get_data(as_text=True)
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"',
                        page).group(1)
    data = {"reference": "base_year", "base_year": "2022", "cuts": "fixed",
            "amplify": "0.7", "accelerate_high": "0.6", "accelerate_medium": "0.8",
            "accelerate_low": "0.2", "version": version}
    refused = client.post("/en/readiness/settings", data=data)
    assert refused.status_code == 200 and "four thresholds" in refused.get_data(as_text=True)
    saved = client.post("/en/readiness/settings", data={**data, "accelerate_medium": "0.4"})
    assert saved.status_code == 302
    stale = client.post("/en/readiness/settings", data={**data, "cuts": "quintiles"})
    assert stale.status_code == 409
    method = client.get("/en/readiness/method").get_data(as_text=True)
    assert "four fixed thresholds: 0.70 · 0.60 · 0.40 · 0.20" in method


def test_coordinator_imports_clusters_with_a_dry_run(client, roster, login_as):
    login_as("coordinator")
    content = b"code,name_az,name_en,areas\ngg,Q,G,guba;gusar\nbad,B,B,guba;nowhere\n"
    page = client.post("/en/readiness/import/clusters", data={
        "file": (io.BytesIO(content), "c.csv")}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "area nowhere is not a village municipality" in page
    assert "area guba is named twice" in page and "Import now" not in page
    good = client.post("/en/readiness/import/clusters", data={
        "file": (io.BytesIO(content.rsplit(b"bad", 1)[0]), "c.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([a-f0-9]{64})"', good).group(1)
    done = client.post("/en/readiness/import/clusters/confirm", data={"token": token})
    assert done.status_code == 302
    listing = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Guba district; Gusar district" in listing
