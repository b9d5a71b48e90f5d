"""The directory, member pages and the coordinators' register over HTTP."""

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from m4eg.extensions import db
from m4eg.municipalities.models import Municipality


def _names(response):
    page = response.get_data(as_text=True)
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', page)


def test_directory_lists_members_with_counts_per_type(client, roster):
    response = client.get("/en/municipalities/")
    page = response.get_data(as_text=True)
    assert "55 members found" in page
    for number, label in ((11, "City municipality"), (20, "District municipality"),
                          (24, "Village municipality")):
        assert f"<strong>{number}</strong> {label}" in page
    # 55 members, 20 a page, in alphabetical order: the first page starts with Alat.
    assert "Page 1 of 3" in page
    assert _names(response)[:2] == [
        "Alat Settlement Municipality", "Altiaghaj Village Municipality"]


def test_directory_sorts_in_the_azerbaijani_alphabet(client, make_municipality):
    for name in ("Zəylik", "Şəki", "Xaçmaz", "İsmayıllı", "Ismayıllı", "Çinarlı", "Əhmədli",
                 "Hacıkənd", "Qax"):
        make_municipality(name_az=name, name_en=name)
    assert _names(client.get("/az/municipalities/")) == [
        "Çinarlı", "Əhmədli", "Hacıkənd", "Xaçmaz", "Ismayıllı", "İsmayıllı", "Qax", "Şəki",
        "Zəylik"]


@pytest.mark.parametrize("query", ["Seki", "Sheki", "şəki", "ŞƏKİ"])
def test_search_finds_sheki_however_it_is_typed(client, roster, query):
    assert _names(client.get(f"/az/municipalities/?q={query}")) == ["Şəki şəhər bələdiyyəsi"]


@pytest.mark.parametrize("query", ["Xirdalan", "Khirdalan", "xırdalan"])
def test_search_finds_khirdalan_however_it_is_typed(client, roster, query):
    assert _names(client.get(f"/en/municipalities/?q={query}")) == ["Khirdalan City Municipality"]


def test_filters_by_type_region_status_and_demonstrators(client, roster):
    assert len(_names(client.get("/en/municipalities/?type=city"))) == 11
    assert _names(client.get("/en/municipalities/?region=GDA")) == [
        "Ganja City Municipality", "Hajikand Village Municipality",
        "Khoshbulag Village Municipality", "Naftalan Municipality"]
    demonstrators = _names(client.get("/en/municipalities/?demonstrators=1"))
    assert len(demonstrators) == 6
    assert _names(client.get("/en/municipalities/?status=suspended")) == []


def test_unknown_filter_values_are_ignored(client, roster):
    response = client.get("/en/municipalities/?type=metropolis&region=XX&status=gone&page=abc")
    assert response.status_code == 200
    assert "55 members found" in response.get_data(as_text=True)
    assert client.get("/en/municipalities/?page=999").status_code == 200


def test_pagination(client, roster):
    first = _names(client.get("/en/municipalities/"))
    third = _names(client.get("/en/municipalities/?page=3"))
    assert len(first) == 20 and len(third) == 15 and not set(first) & set(third)


def test_member_page_shows_profile_counts_and_demo_label(client, roster, make_user, app,
                                                          make_course_progress):
    with app.app_context():
        urva = db.session.scalar(select(Municipality).where(Municipality.slug == "urva"))
        urva_id = urva.id
    learners = [make_user(municipality_id=urva_id, name="Secret Learner"),
                make_user(municipality_id=urva_id)]
    make_user(municipality_id=urva_id)  # has an account but takes no course
    for user in learners:
        make_course_progress(user.id, "community-listening")
    make_course_progress(learners[0].id, "designing-a-p4eg-plan")
    page = client.get("/en/municipalities/urva").get_data(as_text=True)
    assert "Urva Municipality" in page and "Guba district" in page and "Guba-Khachmaz" in page
    assert "Urban Imaginaries" in page
    # Two is a small count: the public page never says it exactly.
    assert "Fewer than 5 people from this municipality learn at the ULC." in page
    assert "2 people from this municipality" not in page
    assert "Secret Learner" not in page
    assert "History" not in page  # the public does not see the history
    demo = client.get("/en/municipalities/guba-city").get_data(as_text=True)
    assert "This is a demo record" in demo


def _learners_of_urva(app, make_user, make_course_progress, count):
    with app.app_context():
        urva_id = db.session.scalar(select(Municipality.id).where(Municipality.slug == "urva"))
    for _ in range(count):
        make_course_progress(make_user(municipality_id=urva_id).id, "community-listening")


def test_a_small_number_of_learners_is_shown_as_fewer_than_the_threshold_then_exactly(
        client, roster, make_user, app, login_as, make_course_progress):
    _learners_of_urva(app, make_user, make_course_progress, 2)
    for who in (None, "coordinator"):
        if who:
            login_as(who)
        page = client.get("/en/municipalities/urva").get_data(as_text=True)
        assert "Fewer than 5 people from this municipality learn at the ULC." in page
        assert "2 people" not in page
    # Five: at the threshold, shown as it is.
    _learners_of_urva(app, make_user, make_course_progress, 3)
    page = client.get("/en/municipalities/urva").get_data(as_text=True)
    assert "5 people from this municipality learn at the ULC." in page
    assert "Fewer than" not in page


def test_the_threshold_is_a_setting(make_app, roster, make_user, app, make_course_progress):
    _learners_of_urva(app, make_user, make_course_progress, 2)
    page = make_app(SMALL_CELL_THRESHOLD=3).test_client().get("/en/municipalities/urva")
    assert "Fewer than 3 people from this municipality" in page.get_data(as_text=True)


def test_unknown_member_is_404(client, roster):
    assert client.get("/az/municipalities/no-such-place").status_code == 404


def _edit_data(**overrides):
    data = {"code": "AZ-006", "name_az": "Urva bələdiyyəsi", "name_en": "Urva Municipality",
            "slug": "urva", "type": "village", "rayon_id": "", "joined_year": "",
            "demonstrator_track": "urban_imaginaries", "email": "", "phone": "", "website": "",
            "version": "1"}
    data.update(overrides)
    return data


def _rayon_id(app, code):
    from m4eg.municipalities.models import Rayon

    with app.app_context():
        return db.session.scalar(select(Rayon.id).where(Rayon.code == code))


def test_coordinator_edits_a_member_and_the_history_shows_it(app, client, roster, login_as):
    coordinator = login_as("coordinator")
    data = _edit_data(rayon_id=str(_rayon_id(app, "guba")), email="info@urva.example",
                      joined_year="2021")
    response = client.post("/en/municipalities/urva/edit", data=data)
    assert response.status_code == 302
    page = client.get("/en/municipalities/urva").get_data(as_text=True)
    assert "info@urva.example" in page
    assert "History" in page and coordinator.name in page and "Year joined" in page


def test_a_new_web_address_leads_to_the_member_at_that_address(app, client, roster, login_as):
    login_as("coordinator")
    response = client.post("/en/municipalities/urva/edit", data=_edit_data(
        rayon_id=str(_rayon_id(app, "guba")), slug="urva-village"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/en/municipalities/urva-village")
    assert "Urva Municipality" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_a_coordinator_setting_the_type_confirms_it(app, client, roster, login_as):
    login_as("coordinator")
    with app.app_context():
        icherisheher = db.session.scalar(select(Municipality).where(
            Municipality.slug == "icherisheher"))
        assert icherisheher.type_confirmed is False
        data = _edit_data(code=icherisheher.code, name_az=icherisheher.name_az,
                          name_en=icherisheher.name_en, slug="icherisheher",
                          type="district", rayon_id=str(icherisheher.rayon_id),
                          demonstrator_track=icherisheher.demonstrator_track or "",
                          version=str(icherisheher.version))
    assert client.post("/en/municipalities/icherisheher/edit", data=data).status_code == 302
    page = client.get("/en/municipalities/icherisheher").get_data(as_text=True)
    assert "District municipality" in page and "unconfirmed" not in page


def test_stale_edit_keeps_the_input_and_does_not_overwrite(app, client, roster, login_as):
    login_as("coordinator")
    rayon = str(_rayon_id(app, "guba"))
    assert client.post("/en/municipalities/urva/edit",
                       data=_edit_data(rayon_id=rayon, phone="111")).status_code == 302
    stale = client.post("/en/municipalities/urva/edit", data=_edit_data(rayon_id=rayon,
                                                                        phone="222"))
    page = stale.get_data(as_text=True)
    assert "Someone else saved this member" in page and 'value="222"' in page
    with app.app_context():
        assert db.session.scalar(select(Municipality.phone).where(
            Municipality.slug == "urva")) == "111"


def test_invalid_edit_re_shows_the_form_with_what_was_typed(app, client, roster, login_as):
    login_as("coordinator")
    response = client.post("/en/municipalities/urva/edit",
                           data=_edit_data(name_en="", phone="x" * 41, website="not a url"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This field is required." in page and "Invalid URL." in page
    assert 'value="not a url"' in page


def test_coordinator_adds_suspends_and_restores_a_member(app, client, roster, login_as):
    login_as("coordinator")
    response = client.post("/en/municipalities/new", data=_edit_data(
        code="AZ-100", name_az="Yeni kənd bələdiyyəsi", name_en="New Village Municipality",
        slug="", rayon_id=str(_rayon_id(app, "lerik")), demonstrator_track=""))
    assert response.headers["Location"] == "/en/municipalities/new-village-municipality"
    client.post("/en/municipalities/new-village-municipality/status",
                data={"status": "suspended", "version": "1"})
    client.post("/en/municipalities/new-village-municipality/status",
                data={"status": "active", "version": "2"})
    page = client.get("/en/municipalities/new-village-municipality").get_data(as_text=True)
    assert "restored" in page and "suspended" in page and "created" in page


def test_import_dry_run_then_confirm(app, client, roster, login_as):
    login_as("coordinator")
    csv = ("code,name_az,name_en,type,rayon\n"
           "AZ-006,Urva bələdiyyəsi,Urva Municipality,village,guba\n"
           "AZ-200,Təzə kənd bələdiyyəsi,Teze Village Municipality,village,lerik\n").encode()
    response = client.post("/en/municipalities/import", data={
        "file": (io.BytesIO(csv), "roster.csv")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert "Dry run" in page and "Import now" in page
    with app.app_context():
        assert db.session.scalar(select(Municipality).where(Municipality.code == "AZ-200")) is None
    token = re.search(r'name="token" type="hidden" value="([a-f0-9]{64})"', page).group(1)
    response = client.post("/en/municipalities/import/confirm", data={"token": token},
                           follow_redirects=True)
    assert "Import done: 1 created, 1 updated, 0 unchanged." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Municipality).where(Municipality.code == "AZ-200"))
    # The kept file is gone once imported: confirming again (or a made-up token) says so.
    for stale in (token, "f" * 64, "not-a-token"):
        again = client.post("/en/municipalities/import/confirm", data={"token": stale},
                            follow_redirects=True).get_data(as_text=True)
        assert "The uploaded file is no longer available. Upload it again." in again


def test_import_with_errors_lists_them_and_offers_no_confirmation(app, client, roster,
                                                                  login_as):
    login_as("coordinator")
    csv = b"code,name_az,name_en,type,rayon\nAZ-300,,Nameless,hamlet,nowhere\n"
    page = client.post("/en/municipalities/import", data={
        "file": (io.BytesIO(csv), "roster.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "unknown type hamlet" in page and "unknown rayon nowhere" in page
    assert "empty name (name_az)" in page and "Import now" not in page


def test_import_of_a_wrong_file_is_a_translated_form_error(client, roster, login_as):
    login_as("coordinator")
    az = client.post("/az/municipalities/import", data={
        "file": (io.BytesIO(b"hello"), "notes.txt")}, content_type="multipart/form-data")
    en = client.post("/en/municipalities/import", data={
        "file": (io.BytesIO(b"hello"), "notes.txt")}, content_type="multipart/form-data")
    assert az.status_code == en.status_code == 200
    assert "Upload a CSV or XLSX file." in en.get_data(as_text=True)
    assert "CSV və ya XLSX faylı yükləyin." in az.get_data(as_text=True)


def test_export_escapes_formulas(app, client, roster, login_as):
    login_as("coordinator")
    with app.app_context():
        member = db.session.scalar(select(Municipality).where(Municipality.slug == "urva"))
        member.phone = "=HYPERLINK(\"http://evil\")"
        db.session.commit()
    text = client.get("/en/municipalities/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text
    workbook = load_workbook(io.BytesIO(client.get("/en/municipalities/export.xlsx").data))
    phones = [row[11] for row in workbook.active.iter_rows(values_only=True)]
    assert "'=HYPERLINK(\"http://evil\")" in phones


def test_export_round_trips_through_the_import(app, client, roster, login_as):
    login_as("coordinator")
    exported = client.get("/en/municipalities/export.csv").data
    page = client.post("/en/municipalities/import", data={
        "file": (io.BytesIO(exported), "export.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "<strong>55</strong> unchanged" in page


@pytest.mark.parametrize("url", ["/az/municipalities/", "/az/municipalities/?q=seki",
                                 "/en/municipalities/urva", "/en/figures/",
                                 "/api/v1/municipalities"])
def test_queries_do_not_grow_with_the_number_of_members(client, make_municipality, roster,
                                                        count_queries, url):
    client.get(url)  # warm-up: first-request work is not the page's
    make_municipality()  # a write empties the page cache: both requests below render
    with count_queries() as small:
        client.get(url)
    for _ in range(30):
        make_municipality()
    with count_queries() as large:
        client.get(url)
    assert large.count == small.count > 0


@pytest.mark.parametrize("version", [" ", "abc", "99999999999999999999"])
def test_hand_edited_version_of_a_member_is_refused_not_a_500(app, client, roster, login_as,
                                                              version):
    login_as("coordinator")
    response = client.post("/en/municipalities/urva/edit",
                           data=_edit_data(rayon_id=str(_rayon_id(app, "guba")), phone="555",
                                           version=version))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This form is out of date. Reload the page and try again." in page
    assert 'value="555"' in page
    with app.app_context():
        assert db.session.scalar(select(Municipality.phone).where(
            Municipality.slug == "urva")) == ""


def test_every_rejection_reason_of_the_roster_import_shows_the_value_as_text(client, roster,
                                                                            login_as):
    """A cell's text is quoted in the reasons, escaped: a lazy translation would have been
    trusted as HTML (a ``<meta http-equiv="refresh">`` cell redirected the coordinator)."""
    login_as("coordinator")
    tag = "<b>x</b>"
    row = f"{tag},{tag},{tag},Name,{tag},{tag},{tag},{tag},{tag},no,{tag}\n"
    csv = ("code,slug,name_az,name_en,type,rayon,status,joined,track,demo,email\n"
           + row + row).encode()
    response = client.post("/en/municipalities/import", data={
        "file": (io.BytesIO(csv), "roster.csv")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    shown = "&lt;b&gt;x&lt;/b&gt;"
    for reason in (f"code {shown} has characters other than letters", f"unknown type {shown}",
                   f"unknown rayon {shown}", f"unknown status {shown}",
                   f"year joined {shown} is not a year", f"unknown track {shown}",
                   f"web address {shown} may use only", f"email {shown} is not an email",
                   f"duplicate code {shown} (also on line 2)",
                   f"duplicate web address {shown} (also on line 2)"):
        assert reason in page
    assert tag not in page and "Import now" not in page
    # A header is quoted back the same way.
    header = client.post("/en/municipalities/import", data={
        "file": (io.BytesIO(f"code,name_az,name_en,type,rayon,{tag}\n".encode() + row.encode()),
                 "roster.csv")}, content_type="multipart/form-data").get_data(as_text=True)
    assert f"Unknown: {shown}" in header and tag not in header


def test_a_long_cell_is_quoted_cut_to_80_characters(client, roster, login_as):
    login_as("coordinator")
    csv = f"code,name_az,name_en,type,rayon\nAZ-300,Ad,Name,village,{'y' * 5000}\n".encode()
    page = client.post("/en/municipalities/import", data={
        "file": (io.BytesIO(csv), "roster.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert f"unknown rayon {'y' * 80}…" in page and "y" * 81 not in page


def test_history_names_each_change_in_words(app, client, roster, login_as):
    login_as("coordinator")
    client.post("/en/municipalities/urva/status", data={"status": "left", "version": "1"})
    page = client.get("/en/municipalities/urva").get_data(as_text=True)
    assert "Status changed to: Left the network." in page
    assert "· left the network" in page  # the history entry, not the stored word "left"
    assert "Mark as left the network" not in page  # no button for the status it has


def test_import_preview_lists_what_changes_and_skips_unchanged_rows(app, client, roster,
                                                                    login_as):
    login_as("coordinator")
    exported = client.get("/en/municipalities/export.csv").get_data(as_text=True)
    lines = exported.lstrip("\ufeff").splitlines()
    urva = next(line for line in lines if ",urva," in line)
    edited = urva.replace(",active,", ",suspended,")
    csv = "\n".join([lines[0], edited, next(line for line in lines if ",sabail," in line),
                     "AZ-300,,Teze,Teze Village,hamlet,lerik,,,,no,,,"]) + "\n"
    page = client.post("/en/municipalities/import", data={
        "file": (io.BytesIO(csv.encode()), "roster.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    az = client.post("/az/municipalities/import", data={
        "file": (io.BytesIO(csv.encode()), "roster.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert '<td data-label="Təfərrüatlar">Üzvlük statusu</td>' in az
    rows = re.findall(r'<tr class="row-(\w+)">\s*<td data-label="Line">(\d+)</td>',
                      page)
    assert rows == [("changed", "2"), ("error", "4")]  # line 3 (Səbail) is unchanged
    # The changed field of the updated row, by its label.
    assert '<td data-label="Details">Status</td>' in page
    assert "<strong>1</strong> to update" in page and "<strong>1</strong> rejected" in page


def test_icherisheher_shows_its_type_as_unconfirmed_and_other_members_do_not(client, roster):
    page = client.get("/en/municipalities/icherisheher").get_data(as_text=True)
    assert "City municipality" in page and "unconfirmed" in page
    assert "the type is not confirmed" in page
    other = client.get("/en/municipalities/khirdalan").get_data(as_text=True)
    assert "unconfirmed" not in other
