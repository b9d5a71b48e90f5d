"""The plan PDF: every section and value inside the A4 page, in both languages, with the
translated totals, the page numbers and the EU funding line."""

import io
import itertools

import pdfplumber
import pytest
from werkzeug.datastructures import MultiDict

from m4eg.accounts.services import get_user
from m4eg.extensions import db
from m4eg.plans import blockform, services
from m4eg.plans.models import Plan
from m4eg.plans.pdf import money, plain_text, plan_pdf, shown

SUMMARY = ("Xırdalanda **gənclər arasında işsizlik** yüksəkdir.\n"
           "- Sənaye zonası şəhərin şimalındadır.\n"
           "- İctimai nəqliyyat Bakı ilə əlaqəni təmin edir.")
VISION = "2035-ci ilə qədər Xırdalan yaşıl və daşqından qorunan sənaye şəhəridir."
LONG = ("Bələdiyyə iclası, rayon icra hakimiyyəti və yerli sahibkarlar birlikdə işçi qrupu "
        "yaradır; qrup hər rübdə toplaşır, sakinlərin təkliflərini qeyd edir, qadın və "
        "gənclər qruplarının iştirakını təmin edir və nəticələr barədə ictimai hesabat "
        "hazırlayır ki, hər kəs irəliləyişi izləyə bilsin və vaxtında düzəlişlər edilsin.")
SOURCES = ["municipal_budget", "donor", "central_government", "private"]


def _form(block: dict, values: dict) -> MultiDict:
    """Form data for ``block``: plain fields by key, tables as lists of row dicts."""
    return MultiDict(blockform.encode(block, values))


def _content() -> dict:
    actions = [{
        "action": f"Fəaliyyət {n}: {LONG}" if n % 3 == 0 else f"Fəaliyyət {n}: gənclər üçün "
                  "peşə təlimi mərkəzinin açılması",
        "target": LONG if n % 4 == 0 else "Gənclər arasında işsizliyin azalması",
        "responsible": "Bələdiyyənin sosial məsələlər komissiyası",
        "start": f"{2025 + n % 3}-0{1 + n % 9}-01", "end": f"{2026 + n % 3}-12-31",
        "budget_azn": str(15000 + 2500 * n), "funding_source": SOURCES[n % 4],
        "sdgs": "8, 11", "status": "planned",
    } for n in range(1, 13)]
    return {
        "diagnostic": {"summary": SUMMARY, "population": "12500",
                       "main_sectors": "Tikinti materialları istehsalı, ticarət, logistika.",
                       "data_sources": "Dövlət Statistika Komitəsi, 2024."},
        "drivers": {"drivers_of_change": "Bakıya yaxınlıq — təsir 3, ehtimal 3",
                    "opportunities": "Logistika mərkəzləri", "stresses_and_shocks":
                    "Daşqın riski — təsir 2, ehtimal 2"},
        "vision": {"vision": VISION, "targets": [
            {"indicator": "Gənclər arasında işsizlik (2024)", "unit": "%", "baseline": "18",
             "target_value": "10", "year": "2029"},
            {"indicator": "Qeydiyyatlı kiçik müəssisələr (2024)", "unit": "müəssisə",
             "baseline": "1250", "target_value": "2000", "year": "2030"}]},
        "actions": {"action_plan": actions},
        "funding": {"revenue_sources": "Torpaq vergisi və əmlak gəliri: ildə təxminən "
                    "180000 AZN.", "own_revenue_share": "35"},
        "investment_pipeline": {"projects": [
            {"project": "Aşağı küçələrin drenajı", "estimated_cost_azn": "400000",
             "readiness": "concept", "preferred_financing": "donor"}]},
        "engagement": {"stakeholders": "Sakinlər, sahibkarlar, məktəblər.",
                       "engagement_methods": "3 qrup müzakirəsi, 45 sakin."},
        "governance_monitoring": {"governance": LONG, "monitoring_and_learning":
                                  "Koordinator hər rüb məlumat toplayır.",
                                  "review_frequency": "quarterly"},
    }


def _make_plan(make_plan, member_id, make_user, *, submit=True):
    focal = make_user(role="focal_point", municipality_id=member_id("khirdalan"))
    user = get_user(focal.id)
    plan = db.session.get(Plan, make_plan("khirdalan", by=focal))
    template = plan.template
    content = _content()
    for block in template.blocks:
        services.save_block(plan, block["key"], _form(block, content[block["key"]]), user,
                            version=plan.block_version(block["key"]), lang="en")
    if submit:
        services.submit(plan, user)
    db.session.commit()
    return plan


@pytest.fixture
def plan(app_ctx, make_plan, member_id, make_user):
    """Khirdalan's plan with every block filled (a 12-row action plan with long cells) and
    submitted once."""
    return _make_plan(make_plan, member_id, make_user)


@pytest.fixture
def plan_id(app, make_plan, member_id, make_user):
    """The same plan's id, made in an application context of its own (requests must not
    share the test's context: Flask-Babel keeps the page's locale on it)."""
    with app.app_context():
        return _make_plan(make_plan, member_id, make_user).id


def _pages(data: bytes):
    with pdfplumber.open(io.BytesIO(data)) as document:
        return [(page.width, page.height, page.extract_words(keep_blank_chars=False),
                 page.extract_text()) for page in document.pages]


def _overlap(a, b) -> bool:
    return (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > 0.5
            and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5)


@pytest.mark.parametrize("lang", ["az", "en"])
def test_every_word_is_inside_the_a4_page_and_no_text_overlaps(plan, lang):
    pages = _pages(plan_pdf(plan, lang))
    assert len(pages) >= 3
    for width, height, words, _text in pages:
        assert (round(width), round(height)) == (595, 842)  # A4 portrait, in points
        for word in words:
            assert word["x0"] >= 20 and word["x1"] <= width - 20, word
            assert word["top"] >= 20 and word["bottom"] <= height - 20, word
        for a, b in itertools.combinations(words, 2):
            assert not _overlap(a, b), (a["text"], b["text"])


def _text(data: bytes) -> tuple[str, list[str]]:
    pages = [text for _w, _h, _words, text in _pages(data)]
    return " ".join(" ".join(page.split()) for page in pages), pages  # NBSP → space too


def test_azerbaijani_pdf_has_every_section_value_and_translated_total(plan):
    text, pages = _text(plan_pdf(plan, "az"))
    template = plan.template
    for block in template.blocks:
        assert block["title"]["az"] in text
    assert "Xırdalanda gənclər arasında işsizlik yüksəkdir." in text  # ** markers dropped
    assert "• Sənaye zonası şəhərin şimalındadır." in text
    assert "**" not in text
    assert VISION in text
    assert "12.500 nəfər" in text and "35 %" in text  # numbers the Azerbaijani way, units
    assert "2029" in text and "2.029" not in text  # a year is not grouped
    assert "dek" in text and "2026-12-31" not in text  # ISO dates in words
    assert "Planlaşdırılıb" in text and "Rübdə bir dəfə" in text  # choices by label
    assert "Konsepsiya" in text
    assert "municipal_budget" not in text and "planned" not in text
    for label in ("Bələdiyyə büdcəsi", "Donor", "Mərkəzi hökumət", "Özəl sektor"):
        assert label in text  # funding sources in the totals, by their template labels
    assert "Cəmi" in text and "AZN" in text
    total = sum(15000 + 2500 * n for n in range(1, 13))
    assert f"{total:,}".replace(",", ".") + ",00 AZN" in text
    assert "Xırdalan" in text and "2025–2027" in text and "Təqdim edilib" in text
    assert "ə" in text and "İ" in text
    for number, page in enumerate(pages, start=1):
        assert f"Səhifə {number} / {len(pages)}" in page
        assert "Avropa İttifaqı tərəfindən maliyyələşdirilir" in page
    headed = [page for page in pages if "Başlama" in page and "DİM" in page]
    assert len(headed) >= 2  # the action plan spans pages and repeats its heading row


def test_english_pdf_has_the_cover_facts_and_budget_tables(plan):
    text, pages = _text(plan_pdf(plan, "en"))
    assert "Pathways for Economic Growth plan" in text and "Khirdalan" in text
    assert "Revision No. 1, submitted on" in text
    assert "Diagnostic of the local situation" in text and "12,500 people" in text
    assert "Dec 31," in text  # a date wraps before its year only
    assert "Budget by funding source (AZN)" in text and "Budget by year (AZN)" in text
    assert "Municipal budget" in text and "Private sector" in text
    assert "spread over those years in proportion to its months" in text
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Funded by the European Union" in page


def test_values_are_written_for_the_language():
    day = {"type": "date", "key": "start"}
    assert (shown(day, "2025-02-01", "az"), shown(day, "2025-02-01", "en")) == \
        ("1\xa0fev 2025", "Feb\xa01, 2025")
    budget = {"type": "number", "key": "budget_azn"}
    assert (shown(budget, 1234.5, "az"), shown(budget, 1234.5, "en")) == ("1.234,5", "1,234.5")
    assert shown({"type": "number", "key": "year"}, 2029, "az") == "2029"
    assert shown({"type": "sdgs", "key": "sdgs"}, [8, 11], "en") == "8, 11"
    assert shown({"type": "text", "key": "t"}, "", "az") == "—"
    assert money(375000, "az") == "375.000,00\xa0AZN"  # never broken between the two


def test_rows_too_tall_for_a_page_are_printed_as_records(app_ctx, make_plan, member_id,
                                                          make_user):
    plan = _make_plan(make_plan, member_id, make_user, submit=False)
    longest = ("Uzun mətn, sözlərdən ibarət " * 40)[:1000]  # as long as a cell may be
    block = plan.template.block("actions")
    row = {"action": longest, "target": longest, "responsible": longest,
           "start": "2025-01-01", "end": "2025-12-31", "budget_azn": "1000",
           "funding_source": "donor", "sdgs": "1, 8, 11", "status": "planned"}
    services.save_block(plan, "actions", _form(block, {"action_plan": [row, row]}), None,
                        version=plan.block_version("actions"), lang="en")
    pages = _pages(plan_pdf(plan, "az"))
    for width, height, words, _text in pages:
        for word in words:
            assert word["x1"] <= width - 20 and word["bottom"] <= height - 20, word
    every = longest.split().count("sözlərdən") * 6  # nothing of the six long cells is lost
    assert sum(word["text"] == "sözlərdən" for page in pages for word in page[2]) == every
    text = " ".join(" ".join(page[3].split()) for page in pages)
    assert "Xidmət etdiyi hədəf" in text and "31 dek 2025" in text


def test_markdown_becomes_plain_lines():
    assert plain_text("## Title\n**bold** and [site](https://example.az)\n* one\n2. two") \
        == "Title\nbold and site (https://example.az)\n• one\n• two"


def test_the_route_serves_the_pdf_and_the_print_page_the_same_facts(app, client, plan_id,
                                                                   login_as):
    login_as("coordinator")
    response = client.get(f"/az/plans/{plan_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "Avropa İttifaqı" in _text(response.data)[0]
    page = client.get(f"/en/plans/{plan_id}/print").get_data(as_text=True)
    for fact in ("<dd>Khirdalan City Municipality</dd>", "<dd>2025–2027</dd>",
                 "<dd>Submitted</dd>", "<dt>Revision</dt><dd>No. 1, submitted on",
                 VISION, "Municipal budget", "Budget by year (AZN)"):
        assert fact in page
    with app.app_context():
        titles = [b["title"]["en"] for b in services.get_plan(plan_id).template.blocks]
    for title in titles:
        assert title in page
