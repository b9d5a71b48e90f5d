"""The annual report of a period: HTML, PDF and Word in both languages, bad periods, the
coordinators' versioned texts, the final (frozen, public) report."""

import io
import itertools
import re
from datetime import UTC, date, datetime, timedelta

import docx
import pdfplumber
import pytest

from m4eg.extensions import db
from m4eg.portfolios import services as portfolios
from m4eg.workshops.models import Workshop
from tests.plans.test_pdf import _overlap, _pages

PERIOD = "from=2023-05&to=2024-05"
REPORT = f"/en/figures/report?{PERIOD}"


def _text(data: bytes) -> str:
    return " ".join(" ".join(text.split()) for _w, _h, _words, text in _pages(data))


@pytest.fixture
def coordinator(app, login_as, demonstrators):
    """A coordinator signed in, on the demonstrators' records and one ULC launch session
    held in Lankaran in November 2023."""
    with app.app_context():
        starts = datetime(2023, 11, 6, 6, tzinfo=UTC)
        db.session.add(Workshop(course_slug="foresight-for-municipalities", city_az="Lənkəran",
                                city_en="Lankaran", venue="ULC", starts_at=starts,
                                ends_at=starts + timedelta(hours=7), capacity=30,
                                registration_deadline=starts - timedelta(days=3)))
        db.session.commit()
    return login_as("coordinator", name="Aysel Qasımova")


def test_the_html_report_shows_each_section_from_the_records_in_english_and_azerbaijani(
        client, coordinator):
    page = client.get(REPORT).get_data(as_text=True)
    assert "Key highlights May 2023 – May 2024, Azerbaijan" in page
    assert '<th scope="row">Members of the network</th>' in page
    assert "<strong>55</strong>" in page and "City municipality: 11" in page
    assert "Future Ready Municipalities" in page and "Portfolio Journey" in page
    assert "Tourism information centre and local brand" in page  # Urva's initiative
    assert "Study tour to Bosnia and Herzegovina, Serbia and Montenegro" in page
    assert "Orkhan Musayev, Chairman of Khirdalan Municipality" in page  # a public quote
    assert "6 November 2023" in page and "Lankaran" in page  # the ULC session
    assert "Urban Learning Center" in page and "Pathways for Economic Growth" in page
    assert "do not necessarily reflect the views of the European Union" in page
    # The Brussels sensemaking workshop of April 2023 is before the period.
    assert "Brussels" not in page
    az = client.get(f"/az/figures/report?{PERIOD}").get_data(as_text=True)
    assert "Xırdalan şəhər bələdiyyəsi" in az and "İçərişəhər" in az
    assert "Orxan Musayev" in az
    assert "Lənkəran" in az  # a ULC in-person session of November 2023


@pytest.mark.parametrize("lang", ["az", "en"])
def test_every_word_of_the_pdf_is_inside_the_a4_page_and_none_overlaps(client, coordinator,
                                                                        lang):
    response = client.get(f"/{lang}/figures/report.pdf?{PERIOD}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = _pages(response.data)
    for width, height, words, _page_text in pages:
        assert (round(width), round(height)) == (595, 842)
        for word in words:
            assert word["x0"] >= 20 and word["x1"] <= width - 20, word
            assert word["top"] >= 20 and word["bottom"] <= height - 20, word
        for a, b in itertools.combinations(words, 2):
            assert not _overlap(a, b), (a["text"], b["text"])
    text = _text(response.data)
    if lang == "az":
        assert "Xırdalan şəhər bələdiyyəsi" in text and "İçərişəhər" in text
        assert "Lənkəran" in text
        # The events' sex column is the records' "not stated", its heading wrapped only
        # between words (not «göstəril / məyib»).
        assert "Cinsi göstərilməyib" in text
        words = {word["text"] for _w, _h, page_words, _t in pages for word in page_words}
        assert "göstərilməyib" in words and not words & {"göstəril", "məyib", "Bildirm"}
        assert "Bildirmək istəmirəm" not in text  # the person's own answer, not a count's
    else:
        assert "Members of the network" in text and "Sex not stated" in text
        assert "Urban Imaginaries" in text and "Khirdalan" in text
    assert f"1 / {len(pages)}" in text


def test_the_word_file_is_a4_with_the_key_figures_as_a_word_table(client, coordinator):
    response = client.get(f"/en/figures/report.docx?{PERIOD}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    document = docx.Document(io.BytesIO(response.data))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    figures = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert figures["Members of the network"].splitlines()[:2] == ["55", "City municipality: 11"]
    assert figures["Deep demonstrators"].splitlines() == [
        "6", "Portfolio Journey: 2", "Urban Imaginaries: 4"]
    texts = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "Urva bələdiyyəsi" not in texts and any("Urva" in text for text in texts)
    az = docx.Document(io.BytesIO(client.get(f"/az/figures/report.docx?{PERIOD}").data))
    az_cells = [cell.text for table in az.tables for row in table.rows for cell in row.cells]
    assert "Xırdalan şəhər bələdiyyəsi" in az_cells


@pytest.mark.parametrize(("query", "told"), [
    ("from=2024-05&to=2023-05", "The period starts after it ends"),
    ("from=2024-13&to=2024-05", "“2024-13” is not a month"),
    ("from=May&to=2024-05", "“May” is not a month"),
    ("from=2023-05", "Choose the first and the last month")])
@pytest.mark.parametrize("suffix", ["", ".pdf", ".docx"])
def test_a_bad_period_is_refused_with_a_translated_message(client, query, told, suffix):
    response = client.get(f"/en/figures/report{suffix}?{query}")
    assert response.status_code == 400
    assert told in response.get_data(as_text=True)


def _texts(version, **values):
    data = {"version": version}
    data.update(values)
    return data


def test_the_coordinators_texts_are_saved_sanitised_and_shown_by_language(client, coordinator):
    response = client.post(f"/en/figures/report/edit?{PERIOD}", data=_texts(
        0, intro_en="The **network** grew.<script>alert(1)</script>", intro_az="Şəbəkə böyüdü.",
        note_ulc_en="Four launch sessions."))
    assert response.status_code == 302
    page = client.get(REPORT).get_data(as_text=True)
    assert "<strong>network</strong> grew." in page and "<script>alert" not in page
    assert "Four launch sessions." in page
    assert "Şəbəkə böyüdü." in client.get(f"/az/figures/report?{PERIOD}").get_data(as_text=True)
    pdf_text = _text(client.get(f"/en/figures/report.pdf?{PERIOD}").data)
    assert "The network grew." in pdf_text and "alert(1)" not in pdf_text


def test_a_stale_save_is_refused_with_409_and_keeps_what_was_typed(client, coordinator):
    url = f"/en/figures/report/edit?{PERIOD}"
    assert client.post(url, data=_texts(0, intro_en="First draft.")).status_code == 302
    # Two tabs opened on version 1: the first saves, the second is stale.
    assert client.post(url, data=_texts(1, intro_en="Tab one.")).status_code == 302
    stale = client.post(url, data=_texts(1, intro_en="Tab two, typed at length."))
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "Someone saved this report while you were editing it" in page
    assert "Tab two, typed at length." in page
    assert "Tab one." in client.get(REPORT).get_data(as_text=True)
    # A second first save (another tab that opened before any report existed) is stale too.
    assert client.post(url, data=_texts(0, intro_en="Late.")).status_code == 409


def _figures_table(page: str) -> str:
    """The key-figures table of a report page, as its HTML."""
    return re.search(r'<table class="[^"]*report-figures.*?</table>', page, re.S).group(0)


def _live_events(client) -> int:
    """The key figure "events" counted from the records now (the public API)."""
    figure = client.get(f"/api/v1/figures/events?{PERIOD}").get_json()["figure"]
    return figure["value"]


def test_a_final_report_is_frozen_public_and_says_who_finalised_it(app, client, coordinator):
    assert client.post(f"/en/figures/report/edit?{PERIOD}",
                       data=_texts(0, intro_en="Our year.")).status_code == 302
    response = client.post(f"/en/figures/report/edit?{PERIOD}",
                           data=_texts(1, intro_en="Our year.", finalise="1"))
    assert response.status_code == 302
    before = client.get(REPORT).get_data(as_text=True)
    assert "Final report, finalised on" in before and "by Aysel Qasımova" in before
    events_before = _live_events(client)
    with app.app_context():
        portfolios.add_activity(None, {
            "kind": "meeting", "title_az": "Yeni görüş", "title_en": "A meeting added later",
            "on_date": date(2024, 1, 10), "place_az": "Bakı", "place_en": "Baku",
            "women": 40, "men": 30, "people_reached": 5000})
        db.session.commit()
    assert _live_events(client) == events_before + 1  # the records did change
    after = client.get(REPORT).get_data(as_text=True)
    assert "A meeting added later" not in after
    assert _figures_table(after) == _figures_table(before)
    assert "A meeting added later" not in _text(
        client.get(f"/en/figures/report.pdf?{PERIOD}").data)
    # Its texts can no longer be changed (409, nothing written).
    refused = client.post(f"/en/figures/report/edit?{PERIOD}",
                          data=_texts(2, intro_en="Rewritten."))
    assert refused.status_code == 409
    assert "This report is final" in refused.get_data(as_text=True)
    assert "Rewritten." not in client.get(REPORT).get_data(as_text=True)
    # Anyone may read it now, in both languages and formats.
    client.post("/en/accounts/logout")
    assert client.get(REPORT).status_code == 200
    assert client.get(f"/az/figures/report.docx?{PERIOD}").status_code == 200


def test_a_report_not_yet_final_is_for_coordinators_only(client, login_as, demonstrators):
    response = client.get(REPORT)  # not signed in: told, not sent to a sign-in
    assert response.status_code == 403
    assert "This report is not final yet" in response.get_data(as_text=True)
    login_as("focal_point")
    response = client.get(REPORT)
    assert response.status_code == 403
    assert "This report is not final yet" in response.get_data(as_text=True)
    assert client.get(f"/en/figures/report.pdf?{PERIOD}").status_code == 403
    assert client.post(f"/en/figures/report/edit?{PERIOD}",
                       data=_texts(0, intro_en="x")).status_code == 403


def _section(page: str, anchor: str) -> str:
    """One section of the report page, as its HTML."""
    return re.search(rf'<section aria-labelledby="{anchor}">.*?</section>', page, re.S).group(0)


def test_new_members_read_n_a_with_the_reason_in_every_format(client, coordinator):
    page = client.get(REPORT).get_data(as_text=True)
    figures = _figures_table(page)
    assert "not yet tracked" not in figures
    row = re.search(r"New members</th>.*?</tr>", figures, re.S).group(0)
    assert "<strong>n/a</strong>" in row and "new members of the period cannot be counted" in row
    pdf_text = _text(client.get(f"/en/figures/report.pdf?{PERIOD}").data)
    assert "not yet tracked" not in pdf_text
    assert "new members of the period cannot be counted" in pdf_text
    document = docx.Document(io.BytesIO(client.get(f"/en/figures/report.docx?{PERIOD}").data))
    cells = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert cells["New members"].splitlines()[0] == "n/a"
    assert "new members of the period cannot be counted" in cells["New members"]


def test_the_events_listed_are_those_the_key_figure_counts(client, coordinator):
    page = client.get(REPORT).get_data(as_text=True)
    events = _section(page, "s-events")
    rows = re.findall(r'<th scope="row">(.*?)</th>', events)
    assert len(rows) == _live_events(client)  # the figure "events" of the same period
    assert not any("fair" in title.lower() or "Batumi" in title for title in rows)
    assert any("Study tour" in title for title in rows)
    # The Lankaran session has no attendance recorded: "—", not a count of 0.
    lankaran = re.search(r"<tr>(?:(?!</tr>).)*Lankaran.*?</tr>", events, re.S).group(0)
    assert lankaran.count(">—<") == 4 and ">0<" not in lankaran


def test_the_report_says_what_its_quotes_and_plan_statuses_are(client, coordinator):
    page = client.get(REPORT).get_data(as_text=True)
    assert "Voices from the demonstrators — the records give no date for these quotes" in page
    status = _section(page, "s-p4eg")
    assert "All plans by their status on" in status and "not only the plans of the period" \
        in status


def test_a_final_report_offers_no_edit_button_and_is_listed_for_everyone(client, coordinator):
    assert client.post(f"/en/figures/report/edit?{PERIOD}",
                       data=_texts(0, finalise="1")).status_code == 302
    assert "Write the introduction and notes" not in client.get(REPORT).get_data(as_text=True)
    client.post("/en/accounts/logout")
    figures = client.get("/en/figures/").get_data(as_text=True)
    assert re.search(r'href="/en/figures/report">.*?Annual reports</a>', figures)
    listing = client.get("/en/figures/report").get_data(as_text=True)
    assert "Key highlights May 2023 – May 2024, Azerbaijan" in listing
    assert 'href="/en/figures/report?from=2023-05&amp;to=2024-05"' in listing
    assert 'name="from"' not in listing  # the period picker is for coordinators


def test_finalising_saves_what_was_typed_and_a_stale_tab_finalises_nothing(client,
                                                                          coordinator):
    url = f"/en/figures/report/edit?{PERIOD}"
    assert client.post(url, data=_texts(0, intro_en="Tab one.")).status_code == 302
    # A second tab opened on version 0 (before tab one saved): its stale save is refused,
    # and the page it shows carries the version it saw, not the current one.
    stale = client.post(url, data=_texts(0, intro_en="Tab two."))
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert 'name="version" value="0"' in page and "Save and mark final" in page
    assert "Mark the report final" not in page
    refused = client.post(url, data=_texts(0, intro_en="Tab two.", finalise="1"))
    assert refused.status_code == 409
    assert "it was not marked final" in refused.get_data(as_text=True)
    assert "Draft:" in client.get(REPORT).get_data(as_text=True)
    # The current tab: what it typed and did not save yet is saved, then made final.
    done = client.post(url, data=_texts(1, intro_en="Typed, never saved.", finalise="1"))
    assert done.status_code == 302
    report = client.get(REPORT).get_data(as_text=True)
    assert "Final report, finalised on" in report and "Typed, never saved." in report


def test_markdown_notes_keep_bullets_bold_and_link_addresses_in_pdf_and_word(client,
                                                                           coordinator):
    note = ("Bu il **şəbəkə** böyüdü:\n\n- Lənkəran seminarı\n- Şəki seminarı\n\n"
            "Ətraflı: [keçid](https://m4eg.example/az/hesabat)")
    assert client.post(f"/az/figures/report/edit?{PERIOD}",
                       data=_texts(0, note_events_az=note)).status_code == 302
    pdf = client.get(f"/az/figures/report.pdf?{PERIOD}").data
    text = _text(pdf)
    assert "• Lənkəran seminarı" in text and "• Şəki seminarı" in text
    assert "keçid (https://m4eg.example/az/hesabat)" in text
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        bold = {word["text"] for page in document.pages
                for word in page.extract_words(extra_attrs=["fontname"])
                if "Bold" in word["fontname"]}
    assert "şəbəkə" in bold and "böyüdü:" not in bold
    document = docx.Document(io.BytesIO(client.get(f"/az/figures/report.docx?{PERIOD}").data))
    paragraphs = {p.text: p for p in document.paragraphs}
    assert paragraphs["Lənkəran seminarı"].style.name == "List Bullet"
    assert "Ətraflı: keçid (https://m4eg.example/az/hesabat)" in paragraphs
    intro = paragraphs["Bu il şəbəkə böyüdü:"]
    assert [run.text for run in intro.runs if run.bold] == ["şəbəkə"]
