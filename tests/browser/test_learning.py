"""Browser test of the Urban Learning Center: catalogue → lessons → quiz → verified certificate.

Runs against a live server (CSRF on, demo data loaded, a fresh database for every test) with
Debian's headless Chromium. Selectors lean on form actions, input names, URLs and the course
content (titles, answers) rather than on the wording of interface strings, which translators
may still change.
"""

from __future__ import annotations

import re

import pytest

from m4eg.courses.content import load_catalogue
from tests.browser.conftest import format_violations, log_in

pytestmark = pytest.mark.browser

SLUG = "community-listening"
COURSE_TITLE_AZ = "İcma və sosial dinləmə: giriş"
DEMO_EMAIL = "staff@example.org"
DEMO_NAME = "Aytən Quliyeva (demo)"
CODE = r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}"
BLOCKING_IMPACTS = {"serious", "critical"}


def _expect():
    from playwright.sync_api import expect

    return expect


def _course():
    course = load_catalogue().get(SLUG)
    assert course is not None, f"the course {SLUG!r} is missing from the catalogue"
    return course


def _log_in(page, live_server):
    log_in(page, live_server, DEMO_EMAIL)
    _expect()(page.locator("header.site-header")).to_contain_text(DEMO_NAME)


def _enrol(page):
    expect = _expect()
    page.locator(f"form[action$='/courses/{SLUG}/enrol'] button").click()
    expect(page).to_have_url(re.compile(rf"/az/courses/{SLUG}$"))
    expect(page.locator(f"form[action$='/courses/{SLUG}/enrol']")).to_have_count(0)


def _answer_correctly(page, course):
    for question in course.questions:
        for option in question.options:
            box = page.locator(f"input[name='q-{question.id}'][value='{option.id}']")
            expected_type = "checkbox" if question.type == "multiple" else "radio"
            _expect()(box).to_have_attribute("type", expected_type)
            if option.correct:
                box.check()


def _submit_quiz(page):
    page.locator("form.quiz button[type='submit']").click()


def test_learner_goes_from_catalogue_to_verified_certificate(live_server, new_context):
    expect = _expect()
    course = _course()
    base = live_server.url
    page = new_context().new_page()

    _log_in(page, live_server)

    # The catalogue, filtered by the course's topic, lists the course.
    page.goto(f"{base}/az/courses/")
    topic = course.topics[0]
    page.locator(f"nav.topic-filter a[href$='?topic={topic}']").click()
    expect(page).to_have_url(re.compile(rf"/az/courses/\?topic={topic}$"))
    expect(page.locator(f"nav.topic-filter a[href$='?topic={topic}']")).to_have_attribute(
        "aria-current", "page")
    page.get_by_role("link", name=COURSE_TITLE_AZ, exact=True).click()
    expect(page).to_have_url(f"{base}/az/courses/{SLUG}")
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE_TITLE_AZ)

    # Before enrolling the table of contents has no links; afterwards it has.
    expect(page.locator("ol.toc a")).to_have_count(0)
    _enrol(page)
    toc = page.locator("ol.toc a")
    expect(toc).to_have_count(len(course.lessons) + 1)  # the lessons and the final quiz
    toc.first.click()

    # Every lesson in order: "mark as done and continue" moves to the next one, then the quiz.
    for lesson in course.lessons:
        expect(page).to_have_url(f"{base}/az/courses/{SLUG}/{lesson.slug}")
        expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title["az"])
        expect(page.locator("nav.lesson-toc a[aria-current='page']")).to_have_text(
            lesson.title["az"])
        page.locator(f"form[action$='/courses/{SLUG}/{lesson.slug}/done'] button").click()
    expect(page).to_have_url(f"{base}/az/courses/{SLUG}/quiz")

    # The quiz, answered correctly from the course content.
    expect(page.locator("form.quiz fieldset")).to_have_count(len(course.questions))
    expect(page.locator(".explanation")).to_have_count(0)
    _answer_correctly(page, course)
    _submit_quiz(page)
    expect(page).to_have_url(f"{base}/az/courses/{SLUG}/quiz")
    result = page.locator(".flash[role='status']")
    expect(result).to_have_class(re.compile(r"\bflash-success\b"))
    total = len(course.questions)
    expect(result.locator("strong")).to_contain_text(re.compile(
        rf"\b{total}\b\D+\b{total}\b\D+\b100\b"))
    explanations = page.locator(".explanation")
    expect(explanations).to_have_count(total)
    for question in course.questions:  # the review keeps the paper's shuffled order
        expect(explanations.filter(has_text=question.explanation["az"])).to_have_count(1)
        for option in question.options:
            expect(page.locator(f"#r-{question.id}-{option.id}")).to_be_checked(
                checked=option.correct)
    expect(page.locator(".badge.wrong")).to_have_count(0)

    # "Get your certificate" issues it and lands on its public page.
    result.locator(f"a[href$='/courses/{SLUG}/certificate']").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(base)}/az/certificates/{CODE}$"))
    code = page.url.rsplit("/", 1)[1]
    certificate = page.locator(".certificate-check")
    expect(certificate).to_contain_text(code)
    expect(certificate).to_contain_text(DEMO_NAME)
    expect(certificate).to_contain_text(course.title["az"])

    # The learner downloads the PDF (with the session cookie of their browser context).
    pdf_link = certificate.locator(f"a[href$='/certificates/{code}.pdf']")
    expect(pdf_link).to_be_visible()
    response = page.request.get(base + pdf_link.get_attribute("href"))
    assert response.ok, f"the PDF answered {response.status}"
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF"), response.body()[:40]

    # Getting the certificate again gives the same code, not a second certificate.
    page.goto(f"{base}/az/courses/{SLUG}/certificate")
    expect(page).to_have_url(f"{base}/az/certificates/{code}")

    # Anyone can verify the code, in English, without logging in; only the learner downloads.
    stranger = new_context().new_page()
    response = stranger.goto(f"{base}/en/certificates/{code}")
    assert response is not None and response.status == 200
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Certificate verified")
    check = stranger.locator(".certificate-check")
    expect(check).to_contain_text(code)
    expect(check).to_contain_text(DEMO_NAME)
    expect(check).to_contain_text(course.title["en"])  # the course title follows the page
    expect(stranger.locator("a[href$='.pdf']")).to_have_count(0)
    expect(stranger.locator("header.site-header")).not_to_contain_text(DEMO_NAME)
    anonymous_pdf = stranger.request.get(f"{base}/en/certificates/{code}.pdf")
    assert not anonymous_pdf.body().startswith(b"%PDF"), "an anonymous visitor got the PDF"

    # Codes are case-insensitive to read out; an unknown code is a 404 saying so.
    response = stranger.goto(f"{base}/en/certificates/{code.lower()}")
    assert response is not None and response.status == 200
    response = stranger.goto(f"{base}/en/certificates/XXXX-XXXX-XXXX")
    assert response is not None and response.status == 404
    expect(stranger.get_by_role("heading", level=1)).to_have_text(
        "No certificate with this code")
    expect(stranger.get_by_text("Certificate verified")).to_have_count(0)


def _open_lesson_and_quiz(page, live_server):
    """Log in, enrol and return the URLs of the first lesson and of the quiz."""
    course = _course()
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/az/courses/{SLUG}")
    _enrol(page)
    lesson = f"{live_server.url}/az/courses/{SLUG}/{course.lessons[0].slug}"
    quiz = f"{live_server.url}/az/courses/{SLUG}/quiz"
    return course, lesson, quiz


def test_lesson_and_quiz_pages_have_no_serious_accessibility_violations(live_server,
                                                                        new_context):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = new_context().new_page()
    course, lesson, quiz = _open_lesson_and_quiz(page, live_server)
    failures = []

    def check(label):
        results = axe.run(page)
        blocking = [v for v in results.response["violations"]
                    if v.get("impact") in BLOCKING_IMPACTS]
        if blocking:
            failures.append(format_violations(f"{label}: {page.url}", blocking))

    for label, url in (("lesson", lesson), ("quiz", quiz)):
        response = page.goto(url)
        assert response is not None and response.ok, f"{url} answered {response}"
        check(label)
    # The quiz once more with its results: score, badges and explanations.
    _answer_correctly(page, course)
    _submit_quiz(page)
    _expect()(page.locator(".explanation")).to_have_count(len(course.questions))
    check("quiz results")
    assert not failures, "axe-core found serious or critical violations:\n" + "\n".join(failures)


@pytest.mark.parametrize("width", [375, 1280])
def test_lesson_and_quiz_screenshots(live_server, new_context, screenshots_dir, width):
    page = new_context(viewport={"width": width, "height": 800}).new_page()
    course, lesson, quiz = _open_lesson_and_quiz(page, live_server)
    overflows = []

    def shoot(name):
        # Nothing may stick out sideways on a phone.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        page.screenshot(path=screenshots_dir / f"{name}-az-{width}.png", full_page=True)
        if overflow > 0:
            overflows.append(f"{name} is {overflow}px wider than a {width}px screen")

    for name, url in (("lesson", lesson), ("quiz", quiz)):
        response = page.goto(url)
        assert response is not None and response.ok
        shoot(name)
    _answer_correctly(page, course)
    _submit_quiz(page)
    _expect()(page.locator(".explanation")).to_have_count(len(course.questions))
    shoot("quiz-results")
    assert not overflows, "\n".join(overflows)


def test_back_after_a_failed_attempt_shows_an_empty_new_paper(live_server, new_context):
    """The back button after a failed attempt must not bring the old answers back ticked:
    the new attempt would otherwise be graded on them without the learner meaning to."""
    expect = _expect()
    course = _course()
    page = new_context().new_page()
    _unused, _lesson, quiz = _open_lesson_and_quiz(page, live_server)
    page.goto(quiz)
    for question in course.questions:
        wrong = [option for option in question.options if not option.correct]
        box = page.locator(f"input[name='q-{question.id}'][value='{wrong[0].id}']")
        if box.count():  # the paper may draw some of the questions only
            box.check()
    assert page.locator("form.quiz input:checked").count() > 0
    _submit_quiz(page)
    expect(page.locator("form.quiz")).to_have_count(0)  # the review of the failed attempt
    page.go_back()
    expect(page.locator("form.quiz fieldset").first).to_be_visible()
    assert page.locator("form.quiz input:checked").count() == 0, "old answers came back"
