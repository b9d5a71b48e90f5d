"""Certificates anyone can trust: the PDF in the reader's language with the mark, the EU
emblem, a signature line and a QR code of the public verification page; a verifier's form
tolerant of how people type a code; revocation by coordinators, audited."""

import io
import itertools
import shutil
import subprocess
from datetime import UTC, datetime

import pdfplumber
import pytest
from markupsafe import escape
from PIL import Image
from sqlalchemy import select

from m4eg.core.audit import AuditEvent
from m4eg.courses.models import Certificate
from m4eg.extensions import db
from tests.conftest import log_in

CODE = "QRST-UVWX-2345"
SLUG = "community-listening"
TITLE = {"az": "İcma ilə dinləmə: sakinlərin səsini eşitmək və qərarlara çevirmək",
         "en": "Community listening: hearing residents and turning it into decisions"}
LEARNER = "Aytən Şükürova-Əliyeva"
# A realistic long Azerbaijani name (70 characters) and a course title of three lines.
LONG_NAME = "Gülnarə Əliheydər qızı Məmmədova-Hüseynzadə Şükürova-Qəmbərli Ağabəyim"
LONG_TITLE = {
    "az": "Bələdiyyə büdcəsinin iştirakçı planlaşdırılması: sakinlərlə birgə prioritetlərin "
          "seçilməsi, xərclərin şəffaf izlənməsi və nəticələrin ictimaiyyətə hesabat şəklində "
          "təqdim edilməsi",
    "en": "Participatory municipal budgeting: choosing priorities together with residents, "
          "tracking spending transparently and reporting the results back to the public in "
          "plain language, step by step"}


@pytest.fixture
def owner(app, make_user):
    """A learner holding certificate CODE (issued in Azerbaijani)."""
    user = make_user(name=LEARNER)
    with app.app_context():
        db.session.add(Certificate(
            code=CODE, user_id=user.id, course_slug=SLUG, learner_name=LEARNER,
            course_title_az=TITLE["az"], course_title_en=TITLE["en"], hours=4.5, language="az",
            issued_at=datetime(2026, 3, 6, 10, tzinfo=UTC)))
        db.session.commit()
    return user


def _sign_in(client, user):
    client.post("/az/accounts/logout")
    assert log_in(client, user.email, user.password).status_code == 302


def _pdf(client, lang: str) -> bytes:
    response = client.get(f"/{lang}/certificates/{CODE}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def _page(data: bytes):
    with pdfplumber.open(io.BytesIO(data)) as document:
        assert len(document.pages) == 1
        page = document.pages[0]
        words = page.extract_words(extra_attrs=["size"])
        return page.width, page.height, words, " ".join(page.extract_text().split())


def _png(data: bytes, tmp_path, name: str) -> Image.Image:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: the QR code cannot be rendered")
    (tmp_path / f"{name}.pdf").write_bytes(data)
    command = [pdftoppm, "-png", "-r", "150", "-singlefile", str(tmp_path / f"{name}.pdf"),
               str(tmp_path / name)]
    subprocess.run(command, check=True)  # noqa: S603 (our own file, our own arguments)
    return Image.open(tmp_path / f"{name}.png")


@pytest.mark.parametrize("lang", ["az", "en"])
def test_the_qr_code_decodes_to_the_public_verification_page(client, login_as, owner, lang,
                                                              tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    _sign_in(client, owner)
    image = _png(_pdf(client, lang), tmp_path, lang)
    codes = zxingcpp.read_barcodes(image)
    assert [code.format.name for code in codes] == ["QRCode"]
    url = codes[0].text
    assert url.startswith("http") and url.endswith(f"/{lang}/certificates/{CODE}")
    path = "/" + url.split("/", 3)[3]
    page = client.get(path).get_data(as_text=True)
    assert LEARNER in page and TITLE[lang] in page


def test_one_code_gives_the_pdf_in_the_language_asked_for(client, login_as, owner):
    _sign_in(client, owner)
    _w, _h, _words, en = _page(_pdf(client, "en"))
    _w, _h, _words, az = _page(_pdf(client, "az"))
    for text in (en, az):
        assert LEARNER in text and CODE in text
    assert TITLE["en"] in en and TITLE["az"] not in en
    assert TITLE["az"] in az and TITLE["en"] not in az
    assert "Certificate of completion" in en and "Funded by the European Union" in en
    assert "Urban Learning Center coordinator" in en and "March 6, 2026" in en
    assert "4.5 hours" in en
    assert "Kursun başa vurulması haqqında sertifikat" in az
    assert "Avropa İttifaqı tərəfindən maliyyələşdirilir" in az
    assert "6 mart 2026" in az and "Certificate of completion" not in az


def _rename(app, name: str, titles: dict[str, str]) -> None:
    with app.app_context():
        certificate = db.session.scalar(select(Certificate))
        certificate.learner_name = name
        certificate.course_title_az, certificate.course_title_en = titles["az"], titles["en"]
        db.session.commit()


@pytest.mark.parametrize("lang", ["az", "en"])
@pytest.mark.parametrize("variant", ["usual", "long title", "long", "longest allowed"])
def test_every_word_is_inside_the_page_and_no_text_overlaps(app, client, login_as, owner, lang,
                                                            variant):
    """Whatever the lengths of the learner's name and the course title (up to the longest
    the database holds), every word stays inside the frame and no two lines touch."""
    name, titles = {
        "usual": (LEARNER, TITLE),
        "long title": (LEARNER, LONG_TITLE),
        "long": (LONG_NAME, LONG_TITLE),
        "longest allowed": ((LONG_NAME + " ") * 2, {k: (v + " ") * 2 for k, v in
                                                     LONG_TITLE.items()}),
    }[variant]
    name, titles = name[:120].strip(), {k: v[:200].strip() for k, v in titles.items()}
    assert len(LONG_NAME) == 70
    _rename(app, name, titles)
    _sign_in(client, owner)
    width, height, words, text = _page(_pdf(client, lang))
    assert name in text and titles[lang] in text  # all of it, none cut off
    if variant.startswith("long "):  # the title really takes three lines
        title_tops = {round(w["top"]) for w in words if round(w["size"]) == 17}  # its size
        assert len(title_tops) == 3, title_tops
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    for word in words:
        assert word["x0"] >= 40 and word["x1"] <= width - 40, word  # inside the frame
        assert word["top"] >= 40 and word["bottom"] <= height - 40, word
    for a, b in itertools.combinations(words, 2):
        overlap = (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > 0.5
                   and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5)
        assert not overlap, (a["text"], b["text"])


def test_the_pdf_carries_the_mark_the_emblem_and_the_qr_code(client, login_as, owner):
    _sign_in(client, owner)
    with pdfplumber.open(io.BytesIO(_pdf(client, "en"))) as document:
        page = document.pages[0]
        blue = [r for r in page.rects if r.get("non_stroking_color") in ((0, 0.2, 0.6),
                                                                          [0, 0.2, 0.6])]
        assert blue, "the EU emblem's blue field"
        assert len(page.images) == 1  # the QR code
        words = page.extract_words()
    text = " ".join(w["text"] for w in words)
    assert "M4EG Azerbaijan" in text and "Urban Learning Center" in text  # the mark
    funded = next(w for w in words if w["text"] == "Funded")
    assert blue[0]["x1"] < funded["x0"]  # the emblem left of its line


@pytest.mark.parametrize("lang, mark, english", [
    ("az", ["M4EG Azərbaycan", "Şəhər Tədris Mərkəzi (ULC)"], ["Urban Learning Center",
                                                              "Azerbaijan", "Certificate"]),
    ("en", ["M4EG Azerbaijan", "Urban Learning Center"], []),
])
def test_the_mark_and_the_metadata_speak_the_page_language(client, login_as, owner, lang, mark,
                                                          english):
    """An Azerbaijani certificate carries no English: neither the words of the mark in its
    header nor the title, author and subject a PDF reader shows."""
    _sign_in(client, owner)
    with pdfplumber.open(io.BytesIO(_pdf(client, lang))) as document:
        page = document.pages[0]
        header = page.crop((0, 0, page.width / 2, 40 * 72 / 25.4))  # top left, above 40 mm
        header_text = " ".join(header.extract_text().split())
        text = " ".join(page.extract_text().split())
        info = {key: document.metadata.get(key) for key in ("Title", "Author", "Subject")}
    for words in mark:
        assert words in header_text
    for words in english:
        assert words not in text and not any(words in value for value in info.values())
    heading = {"az": "Kursun başa vurulması haqqında sertifikat",
               "en": "Certificate of completion"}[lang]
    assert info == {"Title": heading, "Author": " — ".join(mark), "Subject": TITLE[lang]}


def test_a_verifier_types_the_code_as_they_read_it(client, owner):
    form = client.get("/en/certificates/")
    assert form.status_code == 200 and 'name="code"' in form.get_data(as_text=True)
    for typed in ("qrst uvwx 2345", " QRSTUVWX2345 ", "qrst-uvwx-2345"):
        response = client.get("/en/certificates/", query_string={"code": typed})
        assert response.status_code == 302
        assert response.headers["Location"] == f"/en/certificates/{CODE}"
    page = client.get(f"/en/certificates/{CODE.lower()}", follow_redirects=True)
    assert "Certificate verified" in page.get_data(as_text=True)


def test_an_unknown_code_is_a_friendly_404_everywhere(client, login_as, owner):
    response = client.get("/en/certificates/", query_string={"code": "abcd efgh jklm"},
                          follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "No certificate with this code" in page
    assert "ABCD-EFGH-JKLM" in page and 'name="code"' in page  # try again on the spot
    _sign_in(client, owner)
    pdf = client.get("/en/certificates/ABCD-EFGH-JKLM.pdf")
    assert pdf.status_code == 404 and "No certificate with this code" in pdf.get_data(as_text=True)


@pytest.mark.parametrize("typed, message", [
    ("", "Type the code printed on the certificate."),
    ("   ", "Type the code printed on the certificate."),
    ("A" * 5000, "A certificate code has 12 letters and digits"),
    ("QRST-UVWX-234<", "A certificate code has 12 letters and digits"),
])
def test_bad_input_on_the_form_is_told_clearly(client, typed, message):
    response = client.get("/en/certificates/", query_string={"code": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert f'value="{escape(typed[:40])}"' in page  # kept to correct, an absurd one cut short


def test_an_absurdly_long_address_is_a_404_not_a_500(client):
    response = client.get("/en/certificates/" + "x" * 3000)
    assert response.status_code == 404
    assert "No certificate with this code" in response.get_data(as_text=True)


def test_a_coordinator_revokes_with_a_reason_and_everyone_is_told(app, client, login_as, owner):
    coordinator = login_as("coordinator")
    page = client.get(f"/en/certificates/{CODE}").get_data(as_text=True)
    assert "Revoke this certificate" in page
    empty = client.post(f"/en/certificates/{CODE}/revoke", data={"reason": "  "})
    assert empty.status_code == 400
    assert "Give the reason for revoking the certificate." in empty.get_data(as_text=True)
    too_long = client.post(f"/en/certificates/{CODE}/revoke", data={"reason": "x" * 501})
    assert too_long.status_code == 400 and "under 500 characters" in too_long.get_data(
        as_text=True)
    reason = "Quiz answers were shared by another participant."
    done = client.post(f"/en/certificates/{CODE}/revoke", data={"reason": reason})
    assert done.status_code == 302

    verifier = app.test_client()
    shown = verifier.get(f"/en/certificates/{CODE}").get_data(as_text=True)
    assert "Certificate revoked" in shown and reason in shown
    assert "Certificate verified" not in shown and "Revoked on" in shown
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "certificate.revoked"))
        assert event.actor_id == coordinator.id and event.after == {"reason": reason}
        assert db.session.scalar(select(Certificate)).revoked_at is not None

    _sign_in(client, owner)
    for lang in ("en", "az"):
        refused = client.get(f"/{lang}/certificates/{CODE}.pdf")
        assert refused.status_code == 410 and refused.mimetype == "text/html"
    assert reason in client.get(f"/en/certificates/{CODE}.pdf").get_data(as_text=True)
    client.post(f"/en/courses/{SLUG}/enrol")
    course = client.get(f"/en/courses/{SLUG}").get_data(as_text=True)
    assert f"Your certificate {CODE} for this course was revoked" in course and reason in course
    learning = client.get("/en/courses/my-learning").get_data(as_text=True)
    assert CODE in learning and ">revoked</span>" in learning


@pytest.mark.parametrize("role", ["staff", "focal_point"])
def test_staff_and_focal_points_cannot_revoke(app, client, login_as, owner, role):
    login_as(role)
    assert "Revoke this certificate" not in client.get(f"/en/certificates/{CODE}").get_data(
        as_text=True)
    assert client.post(f"/en/certificates/{CODE}/revoke",
                       data={"reason": "No."}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Certificate)).revoked_at is None
