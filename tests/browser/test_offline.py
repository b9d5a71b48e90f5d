"""Lessons offline in a real browser: a learner keeps a course, reads a lesson without a
connection, presses "Mark as done" there, and the server records it once the connection
returns (static/js/offline.js, the service worker /sw.js)."""

from __future__ import annotations

import html
import re
import time

import pytest
from sqlalchemy import select

from m4eg.accounts.models import User
from m4eg.courses.content import load_catalogue
from m4eg.courses.models import LessonProgress
from m4eg.extensions import db
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

SLUG = "community-listening"
DEMO_EMAIL = "staff@example.org"
DEMO_NAME = "Aytən Quliyeva"
NEXT_EMAIL = "focal@example.org"  # the next person at the same computer
NEXT_NAME = "Rəşad Hüseynov"


def _expect():
    from playwright.sync_api import expect

    return expect


def _first_sentence(lesson, lang):
    paragraph = re.search(r"<p>(.*?)</p>", lesson.html[lang], re.S).group(1)
    return html.unescape(re.sub(r"<[^>]+>", "", paragraph)).split(".")[0][:60]


def _done_rows(live_server):
    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
        rows = db.session.scalars(select(LessonProgress.lesson_slug).where(
            LessonProgress.user_id == user.id, LessonProgress.course_slug == SLUG)).all()
        db.session.remove()
        return rows


def _enrol_and_keep(page, live_server, lang):
    expect = _expect()
    log_in(page, live_server, DEMO_EMAIL, lang=lang)
    page.goto(f"{live_server.url}/{lang}/courses/{SLUG}")
    page.locator(f"form[action$='/courses/{SLUG}/enrol'] button").click()
    panel = page.locator("section.offline-panel")
    expect(panel).to_be_visible()  # the service worker registered
    panel.locator("[data-offline-keep]").click()
    expect(panel.locator("[data-offline-forget]")).to_be_visible()
    return panel


def test_a_lesson_read_and_done_offline_is_recorded_once_back_online(live_server, new_context):
    expect = _expect()
    course = load_catalogue().get(SLUG)
    lesson = course.lessons[1]
    context = new_context()
    page = context.new_page()
    panel = _enrol_and_keep(page, live_server, "en")
    expect(panel.locator(".offline-status")).to_contain_text(
        f"Available offline on this device: the {len(course.lessons)} lessons of this course "
        "in English, saved on")

    context.set_offline(True)
    response = page.goto(f"{live_server.url}/en/courses/{SLUG}/{lesson.slug}")
    assert response.from_service_worker, "the lesson did not come from the saved copy"
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title["en"])
    expect(page.locator("article.lesson")).to_contain_text(_first_sentence(lesson, "en"))
    expect(page.locator("link[rel=stylesheet]")).to_have_count(1)
    assert page.evaluate("getComputedStyle(document.querySelector('.lesson-layout')).display") \
        == "grid", "the stylesheet is not there offline"
    # A course that was not kept is not there without a connection: the offline page says so
    # and leads to the kept course.
    other = context.new_page()
    other.goto(f"{live_server.url}/en/courses/localising-the-sdgs")
    expect(other.get_by_role("main")).to_contain_text(
        "This page was not saved for offline reading.")
    expect(other.get_by_role("main").get_by_role("link", name=course.title["en"])) \
        .to_have_attribute("href", f"/en/courses/{SLUG}")
    other.close()

    page.locator(f"form[action$='/courses/{SLUG}/{lesson.slug}/done'] button").click()
    expect(page.locator(".offline-queue")).to_contain_text("No connection")
    assert _done_rows(live_server) == []

    context.set_offline(False)
    expect(page.locator(".offline-queue")).to_contain_text("now recorded")
    deadline = time.monotonic() + 10
    while not _done_rows(live_server) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _done_rows(live_server) == [lesson.slug]

    # Sent again (a second press after the queue), it is still one lesson done.
    page.goto(f"{live_server.url}/en/courses/{SLUG}/{lesson.slug}")
    page.locator(f"form[action$='/courses/{SLUG}/{lesson.slug}/done'] button").click()
    expect(page).to_have_url(f"{live_server.url}/en/courses/{SLUG}/{course.lessons[2].slug}")
    assert _done_rows(live_server) == [lesson.slug]
    page.goto(f"{live_server.url}/en/courses/{SLUG}")
    expect(page.locator(".progress-line")).to_contain_text(
        f"Progress: 1 of {len(course.lessons)} lessons")


SAVED_FILES = """() => caches.open("m4eg-offline-v1").then((cache) => cache.keys())
  .then((requests) => requests.map((request) => new URL(request.url).pathname))"""
FONTS = """() => document.fonts.ready.then(() => Array.from(document.fonts)
  .filter((face) => face.family.includes("M4EG Sans"))
  .map((face) => face.weight + " " + face.status))"""


def test_a_kept_lesson_offline_has_the_webfont_and_the_icons(live_server, new_context):
    """The fonts the stylesheet names and the icon sprite are saved with the course (each
    once), and a lesson opened without a connection shows them."""
    course = load_catalogue().get(SLUG)
    context = new_context()
    page = context.new_page()
    _enrol_and_keep(page, live_server, "az")
    saved = page.evaluate(SAVED_FILES)
    for name in ("/static/fonts/noto-sans-400.woff2", "/static/fonts/noto-sans-700.woff2",
                 "/static/img/icons.svg", "/static/css/site.css"):
        assert saved.count(name) == 1, (name, saved)

    context.set_offline(True)
    response = page.goto(f"{live_server.url}/az/courses/{SLUG}/{course.lessons[0].slug}")
    assert response.from_service_worker
    assert sorted(page.evaluate(FONTS)) == ["400 loaded", "700 loaded"]
    sprite = page.locator("svg.icon use").first.get_attribute("href")
    assert page.evaluate("(url) => fetch(url).then((r) => r.ok && r.text())", sprite) \
        .count("<symbol") > 10, "the icon sprite is not there offline"


@pytest.mark.parametrize("lang", ["az", "en"])
def test_the_offline_panel_on_a_phone_and_a_desktop(live_server, new_context, screenshots_dir,
                                                    lang):
    expect = _expect()
    course = load_catalogue().get(SLUG)
    context = new_context()
    page = context.new_page()
    _enrol_and_keep(page, live_server, lang)
    page.goto(f"{live_server.url}/{lang}/courses/{SLUG}/{course.lessons[0].slug}")
    panel = page.locator("section.offline-panel")
    expect(panel.locator("[data-offline-forget]")).to_be_visible()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        panel.scroll_into_view_if_needed()
        assert page.evaluate("document.documentElement.scrollWidth") <= width, \
            "the page scrolls sideways"
        box = panel.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        page.screenshot(path=str(screenshots_dir / f"offline-lesson-{lang}-{width}.png"))


def test_a_queued_done_whose_token_the_server_refuses_gets_a_fresh_one(live_server,
                                                                       new_context):
    """The learner stayed offline longer than the CSRF token lives: the server refuses the
    stored token (400), the script takes a fresh one from the lesson page and sends again."""
    expect = _expect()
    lesson = load_catalogue().get(SLUG).lessons[0]
    context = new_context()
    page = context.new_page()
    _enrol_and_keep(page, live_server, "en")
    context.set_offline(True)
    page.goto(f"{live_server.url}/en/courses/{SLUG}/{lesson.slug}")
    page.locator(f"form[action$='/courses/{SLUG}/{lesson.slug}/done'] button").click()
    expect(page.locator(".offline-queue")).to_contain_text("No connection")
    page.evaluate("""() => {
        const queue = JSON.parse(localStorage.getItem("m4eg-offline-queue"));
        queue.forEach(item => { item.token = "expired-" + item.token; });
        localStorage.setItem("m4eg-offline-queue", JSON.stringify(queue));
    }""")
    context.set_offline(False)
    expect(page.locator(".offline-queue")).to_contain_text("now recorded")
    assert _done_rows(live_server) == [lesson.slug]
    assert page.evaluate("localStorage.getItem('m4eg-offline-queue')") == "[]"


def test_signing_out_forgets_the_kept_course_on_a_shared_computer(live_server, new_context):
    """The next person at the same computer cannot read the previous learner's kept pages
    (their name in the header) offline after that learner signed out."""
    expect = _expect()
    lesson = load_catalogue().get(SLUG).lessons[0]
    context = new_context()
    page = context.new_page()
    _enrol_and_keep(page, live_server, "en")
    assert page.evaluate("caches.has('m4eg-offline-v1')")
    page.locator("form[data-signout] button").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()
    assert not page.evaluate("caches.has('m4eg-offline-v1')"), "the kept pages are still there"
    context.set_offline(True)
    with pytest.raises(Exception, match="ERR_"):
        page.goto(f"{live_server.url}/en/courses/{SLUG}/{lesson.slug}")


def test_a_session_that_ended_without_logging_out_leaves_nothing_for_the_next_person(
        live_server, new_context):
    """The learner's session expired (or the browser was closed) instead of a Log out: the
    next person who signs in at the same computer cannot read the kept lesson, with the
    previous learner's name in the header, without a connection."""
    expect = _expect()
    lesson = load_catalogue().get(SLUG).lessons[0]
    context = new_context()
    page = context.new_page()
    _enrol_and_keep(page, live_server, "en")
    context.clear_cookies()
    log_in(page, live_server, NEXT_EMAIL, lang="en")
    expect(page.get_by_role("banner")).to_contain_text(NEXT_NAME)

    context.set_offline(True)
    try:
        page.goto(f"{live_server.url}/en/courses/{SLUG}/{lesson.slug}")
    except Exception as error:  # nothing saved any more: the browser's own offline error
        assert "ERR_" in str(error)
    else:
        assert DEMO_NAME not in page.content()
        expect(page.locator("form.lesson-done")).to_have_count(0)


@pytest.mark.parametrize("kept, other", [("az", "en"), ("en", "az")])
def test_the_lesson_in_the_other_language_offline_shows_the_offline_page(
        live_server, new_context, kept, other):
    expect = _expect()
    course = load_catalogue().get(SLUG)
    lesson = course.lessons[0]
    context = new_context()
    page = context.new_page()
    _enrol_and_keep(page, live_server, kept)
    context.set_offline(True)
    response = page.goto(f"{live_server.url}/{other}/courses/{SLUG}/{lesson.slug}")
    assert response.from_service_worker
    expect(page.locator("html")).to_have_attribute("lang", other)
    if other == "en":
        expect(page.get_by_role("heading", level=1)).to_have_text("Not saved for offline reading")
        expect(page.get_by_role("main")).to_contain_text(
            "This page was not saved for offline reading.")
    else:  # the az text is not asserted while it waits in translations/pending-wt-off2.po
        expect(page.get_by_role("heading", level=1)).not_to_have_text(lesson.title["az"])
    link = page.get_by_role("main").get_by_role("link", name=course.title[kept])
    expect(link).to_have_attribute("href", f"/{kept}/courses/{SLUG}")
    link.click()  # the kept course, from the saved copy
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title[kept])


def test_on_a_very_slow_connection_the_saved_copy_is_shown_after_a_few_seconds(
        live_server, new_context):
    """The lesson's answer takes 10 s to arrive (a weak connection): the saved copy is on the
    screen within about 6 s (measured: 4.1 to 4.6 s, the worker's 4 s timeout), and the late
    answer, a newer version of the lesson, is what the learner reads offline next time."""
    expect = _expect()
    lesson = load_catalogue().get(SLUG).lessons[0]
    url = f"{live_server.url}/en/courses/{SLUG}/{lesson.slug}"
    context = new_context()
    page = context.new_page()
    _enrol_and_keep(page, live_server, "en")

    # context.route, not page.route: only the context sees the requests a service worker
    # makes. The request is held here and answered 10 s after it was made.
    held = []
    context.route(url, lambda route: held.append(route))
    started = time.monotonic()
    response = page.goto(url, timeout=9_000)
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title["en"])
    elapsed = time.monotonic() - started
    assert response.from_service_worker
    assert elapsed < 6, f"the saved copy took {elapsed:.1f} s"
    expect(page.get_by_role("banner")).to_contain_text(DEMO_NAME)

    assert len(held) == 1, "the worker did not ask the network"
    page.wait_for_timeout(max(0, 10 - (time.monotonic() - started)) * 1000)
    late = held[0].fetch()
    held[0].fulfill(response=late, body=late.text().replace("</h1>", " (updated)</h1>", 1))
    context.unroute(url)
    page.wait_for_function("""url => caches.match(url)
        .then(saved => saved && saved.text())
        .then(text => Boolean(text && text.includes("(updated)")))""", arg=url)
    context.set_offline(True)
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{lesson.title['en']} (updated)")


def test_the_worker_never_saves_the_next_persons_page_over_a_kept_copy(live_server,
                                                                       new_context):
    """The next person at the computer kept nothing: their pages (their name in the header)
    are not written to this device in place of the previous learner's kept copies. The
    worker checks it by itself: here offline-owner.js, which would forget the kept copies on
    the next person's first page, is held back."""
    url = f"{live_server.url}/en/courses/{SLUG}"
    context = new_context()
    page = context.new_page()
    _enrol_and_keep(page, live_server, "en")
    page.evaluate("""() => caches.open("m4eg-offline-v1").then(cache => cache.keys().then(
        keys => Promise.all(keys.filter(key => key.url.includes("offline-owner.js"))
                                .map(key => cache.delete(key)))))""")
    context.route("**/offline-owner.js*", lambda route: route.abort())
    context.clear_cookies()
    log_in(page, live_server, NEXT_EMAIL, lang="en")
    page.goto(url)  # online: the worker answers from the network
    _expect()(page.get_by_role("banner")).to_contain_text(NEXT_NAME)
    page.wait_for_timeout(1500)  # time for a refresh of the saved copy, were there one
    saved = page.evaluate("url => caches.match(url).then(saved => saved.text())", url)
    assert NEXT_NAME not in saved
    assert DEMO_NAME in saved
