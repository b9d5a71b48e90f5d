"""Browser tests of a P4EG plan in Azerbaijani on a phone (390 × 844): the whole journey from
the draft to the approved plan's PDF, and typed text surviving an ended session or an expired
form token.

Every interface text is read from the catalogue (``gettext`` in az), so that the tests follow
the translations. At every page the layout must not scroll sideways; the pages that do are
collected, screenshotted and reported together at the end, so that one wide page does not
hide what the rest of the journey would find.
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from babel.numbers import format_currency
from pypdf import PdfReader
from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from m4eg.extensions import db
from m4eg.plans.blockform import field_name
from tests.plans.conftest import block_form

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
FOCAL = "focal@example.org"
COORDINATOR = "coordinator@example.org"
ACTION_TEXT = "Su kəmərinin yenilənməsi\nİkinci mərhələ: kənd yolları"
NOTE = "Büdcənin mənbəyini dəqiqləşdirin və məsul şəxsi yazın."
COMMENT = "Bu addım üçün hədəf aydın deyil."
REPLY = "Hədəfi dəqiqləşdirdik: 1.200 ev."


def _expect():
    from playwright.sync_api import expect

    return expect


@pytest.fixture
def t(live_server):
    """The catalogue's az text of an interface string."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    def translate(message, **variables):
        with live_server.app.test_request_context(), force_locale("az"):
            return _(message, **variables)

    return translate


@pytest.fixture
def demo_plan(live_server):
    """The demo template, cycle and Khirdalan's draft; every block but the action plan filled
    through the service (the browser fills that one). Returns ids and names."""
    from m4eg.accounts.services import get_by_email
    from m4eg.municipalities.services import get_by_slug
    from m4eg.plans import services
    from m4eg.plans.cli import ensure_demo_plans

    app = live_server.app
    with app.app_context():
        ensure_demo_plans()
        db.session.commit()
        khirdalan = get_by_slug("khirdalan")
        plan = services.plans_of(khirdalan.id)[0]
        focal = get_by_email(FOCAL)
        for block in plan.template.blocks:
            if block["key"] == "actions":
                continue
            version = plan.block_version(block["key"])
            services.save_block(plan, block["key"],
                                MultiDict(block_form(plan.template, block["key"],
                                                     version=version)),
                                focal, version=version, lang="az")
        db.session.commit()
        actions = plan.template.block("actions")["fields"][0]
        choices = {c["key"]: c["choices"][0]["key"] for c in actions["columns"]
                   if c["type"] == "choice"}
        result = {"id": plan.id, "municipality": khirdalan.name_az,
                  "cycle": plan.cycle.name, "choices": choices}
        db.session.remove()
        return result


# What sticks out on the right: the outermost elements past the viewport's edge, so that a
# failure names the culprit (e.g. "table.edit-table 1090px") rather than only a width.
WIDEST = """() => {
  const inner = window.innerWidth, found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.right > inner + 1 && !(el.parentElement && found.includes(el.parentElement))) {
      const parent = el.parentElement.getBoundingClientRect();
      if (parent.right <= inner + 1) { found.push(el); }
    }
  }
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.className && typeof el.className === "string"
       ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  return {scroll: document.documentElement.scrollWidth, inner: inner,
          widest: found.slice(0, 5).map(el => name(el) + " " + Math.round(
            el.getBoundingClientRect().right) + "px")};
}"""


class Journey:
    """Screenshots and the sideways-scroll check of every page visited."""

    def __init__(self, screenshots_dir, prefix):
        self.dir, self.prefix, self.count, self.wide = screenshots_dir, prefix, 0, []

    def check(self, page, name):
        self.count += 1
        path = self.dir / f"{self.prefix}-{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if not fits:
            widths = page.evaluate(WIDEST)
            self.wide.append(f"{name} ({page.url}): scrollWidth {widths['scroll']} > "
                             f"{widths['inner']}; widest: {', '.join(widths['widest'])}; "
                             f"see {path.name}")

    def assert_no_sideways_scroll(self):
        assert not self.wide, "pages scroll sideways at 390 px:\n" + "\n".join(self.wide)


def _log_in(page, live_server, t, email):
    expect = _expect()
    page.goto(f"{live_server.url}/az/accounts/login")
    main = page.get_by_role("main")
    main.locator("input[name='email']").fill(email)
    main.locator("input[name='password']").fill(live_server.demo_password)
    main.get_by_role("button", name=t("Log in"), exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login"))


def _log_out(page, t):
    expect = _expect()
    page.locator("header.site-header").get_by_role("button", name=t("Log out")).click()
    expect(page.locator("header.site-header").get_by_role("button", name=t("Log out"))
           ).to_have_count(0)


def _flash(page, text):
    _expect()(page.locator(".flashes")).to_contain_text(text)


def _stored(live_server, plan_id, block_key):
    from m4eg.plans import services

    with live_server.app.app_context():
        content = services.get_plan(plan_id).content.get(block_key, {})
        db.session.remove()
        return content


def _open_editor(page, t, block_key):
    page.locator(f"#block-{block_key}").get_by_role(
        "link", name=t("Edit this section")).click()
    _expect()(page).to_have_url(re.compile(rf"/az/plans/\d+/blocks/{block_key}"))


def _submit_plan(page, t, journey):
    expect = _expect()
    page.get_by_role("link", name=t("Submit the plan")).click()
    expect(page).to_have_url(re.compile(r"/az/plans/\d+/submit$"))
    journey.check(page, "submit-confirmation")
    page.get_by_role("button", name=t("Yes, submit the plan")).click()
    _flash(page, t("The plan has been submitted. Coordinators have been told."))


def test_plan_journey_on_a_phone_in_azerbaijani(live_server, demo_plan, new_context, t,
                                                 screenshots_dir):
    expect = _expect()
    url, plan_id = live_server.url, demo_plan["id"]
    journey = Journey(screenshots_dir, "plan-journey")
    money = format_currency(400000, "AZN", locale="az")

    # The focal point fills the action plan, a number typed the Azerbaijani way.
    focal = new_context(viewport=PHONE).new_page()
    _log_in(focal, live_server, t, FOCAL)
    focal.goto(f"{url}/az/plans/")
    journey.check(focal, "plans-index")
    focal.get_by_role("main").get_by_role("link", name=demo_plan["cycle"]).click()
    expect(focal).to_have_url(re.compile(rf"/az/plans/{plan_id}$"))
    expect(focal.locator("h1")).to_be_visible()
    journey.check(focal, "plan-draft")
    _open_editor(focal, t, "actions")
    journey.check(focal, "editor-empty")
    cell = "#t-action_plan-0-"
    focal.locator(cell + "action").fill(ACTION_TEXT)
    focal.locator(cell + "target").fill("800 ev təmiz suya qoşulur")
    focal.locator(cell + "responsible").fill("Bələdiyyənin texniki şöbəsi")
    focal.locator(cell + "start").fill("2025-02-01")
    focal.locator(cell + "end").fill("2025-11-30")
    focal.locator(cell + "budget_azn").fill("400.000")
    focal.locator(cell + "funding_source").select_option(demo_plan["choices"]["funding_source"])
    focal.locator(cell + "sdgs").fill("6, 11")
    focal.locator(cell + "status").select_option(demo_plan["choices"]["status"])
    focal.get_by_role("button", name=t("Save"), exact=True).click()
    expect(focal).to_have_url(re.compile(rf"/az/plans/{plan_id}#block-actions$"))
    _flash(focal, t("Saved."))
    journey.check(focal, "plan-saved")

    stored = _stored(live_server, plan_id, "actions")["action_plan"][0]
    assert stored["budget_azn"] == 400000
    assert stored["action"] == ACTION_TEXT  # both lines, one LF between them
    total = focal.locator("#block-actions table.totals tfoot td")
    assert total.text_content().strip() == money
    assert "400.000" in focal.locator("#block-actions table.compact").first.text_content()

    _open_editor(focal, t, "actions")
    expect(focal.locator(cell + "budget_azn")).to_have_value("400.000")
    saved_as = focal.locator("output.saved-as").first.text_content()
    assert "400.000" in saved_as and "400000" not in saved_as
    expect(focal.locator(cell + "action")).to_have_value(ACTION_TEXT)
    journey.check(focal, "editor-filled")
    focal.locator(".breadcrumbs a").last.click()  # the plan: the section itself is not a link

    _submit_plan(focal, t, journey)
    expect(focal.locator("dl.facts")).to_contain_text(t("Submitted"))
    journey.check(focal, "plan-submitted")
    _log_out(focal, t)

    # The coordinator takes it into review, comments on a block and asks for changes.
    coordinator = new_context(viewport=PHONE).new_page()
    _log_in(coordinator, live_server, t, COORDINATOR)
    coordinator.goto(f"{url}/az/plans/")
    expect(coordinator).to_have_url(re.compile(r"/az/plans/queue"))
    journey.check(coordinator, "queue")
    coordinator.get_by_role("main").get_by_role("link", name=demo_plan["municipality"]).click()
    expect(coordinator).to_have_url(re.compile(rf"/az/plans/{plan_id}$"))
    coordinator.get_by_role("button", name=t("Take into review")).click()
    _flash(coordinator, t("The plan is now in review."))
    journey.check(coordinator, "in-review")
    comment_form = coordinator.locator("#block-actions form.new-comment")
    comment_form.locator("textarea[name='body']").fill(COMMENT)
    comment_form.get_by_role("button", name=t("Comment"), exact=True).click()
    expect(coordinator.locator("#block-actions .comment-body").first).to_have_text(COMMENT)
    coordinator.get_by_label(t("What should the municipality change?")).fill(NOTE)
    coordinator.get_by_role("button", name=t("Request changes")).click()
    # Asked once more, on a page of its own, with the note still editable.
    expect(coordinator.get_by_label(t("What should the municipality change?"))).to_have_value(NOTE)
    coordinator.get_by_role("button", name=t("Yes, request changes")).click()
    _flash(coordinator, t("Changes have been requested. The focal points have been told."))
    journey.check(coordinator, "changes-requested")

    # The focal point reads the note and the comment, replies, resolves, edits, resubmits.
    _log_in(focal, live_server, t, FOCAL)
    focal.goto(f"{url}/az/plans/{plan_id}")
    note = focal.locator("section.reviewer-note")
    expect(note).to_contain_text(NOTE)
    expect(note).to_contain_text(t("What the reviewer asks you to change"))
    journey.check(focal, "plan-with-note")
    _open_editor(focal, t, "actions")
    comments = focal.locator("#comments")
    expect(comments.locator(".comment-body").first).to_have_text(COMMENT)
    journey.check(focal, "editor-with-comment")
    comments.locator("details.reply-form summary").first.click()
    comments.locator("details.reply-form textarea[name='body']").first.fill(REPLY)
    comments.get_by_role("button", name=t("Send the reply")).first.click()
    expect(focal).to_have_url(re.compile(r"/blocks/actions#comments$"))
    expect(focal.locator("#comments .reply .comment-body")).to_have_text(REPLY)
    focal.locator("#comments").get_by_role("button", name=t("Mark resolved")).click()
    expect(focal.locator("#comments .badge.resolved")).to_have_text(t("Resolved"))
    journey.check(focal, "comment-resolved")
    focal.locator(cell + "responsible").fill("Texniki şöbənin müdiri Elçin Məmmədov")
    focal.get_by_role("button", name=t("Save"), exact=True).click()
    _flash(focal, t("Saved."))
    assert _stored(live_server, plan_id, "actions")["action_plan"][0]["responsible"] == \
        "Texniki şöbənin müdiri Elçin Məmmədov"
    _submit_plan(focal, t, journey)

    # The coordinator approves on the confirmation page; the PDF names the municipality.
    coordinator.goto(f"{url}/az/plans/{plan_id}")
    coordinator.get_by_role("button", name=t("Take into review")).click()
    coordinator.get_by_role("link", name=t("Approve"), exact=True).click()
    expect(coordinator).to_have_url(re.compile(rf"/az/plans/{plan_id}/approve$"))
    journey.check(coordinator, "approve-confirmation")
    coordinator.get_by_role("button", name=t("Yes, approve the plan")).click()
    _flash(coordinator, t("The plan has been approved."))
    expect(coordinator.locator("dl.facts")).to_contain_text(t("Approved"))
    journey.check(coordinator, "approved")

    # The history in words, and what changed between the two submissions.
    coordinator.get_by_role("link", name=t("History and changes")).click()
    expect(coordinator.locator(".diff-added").first).to_contain_text(
        "Texniki şöbənin müdiri Elçin Məmmədov")
    expect(coordinator.locator(".diff-removed").first).to_contain_text(
        "Bələdiyyənin texniki şöbəsi")
    history = coordinator.locator("ol.history")
    for action in ("submitted the plan", "asked for changes", "approved the plan"):
        expect(history).to_contain_text(t(action))
    expect(history).to_contain_text(NOTE)
    journey.check(coordinator, "history")

    for reader in (coordinator, focal):
        pdf_url = f"{url}/az/plans/{plan_id}.pdf"
        assert reader.locator(f"a[href$='/plans/{plan_id}.pdf']").count() <= 1
        response = reader.request.get(pdf_url)
        assert response.status == 200
        assert response.headers["content-type"].startswith("application/pdf")
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
        assert demo_plan["municipality"] in text, text[:500]

    journey.assert_no_sideways_scroll()


def _editor(page, live_server, plan_id, block_key="diagnostic"):
    page.goto(f"{live_server.url}/az/plans/{plan_id}/blocks/{block_key}")
    _expect()(page.locator("form.plan-form")).to_be_visible()


def _press_save(page, t, plan_id, block_key="diagnostic"):
    """Press Save and return the status of the block's POST."""
    path = f"/az/plans/{plan_id}/blocks/{block_key}"
    with page.expect_response(lambda r: r.request.method == "POST"
                              and urlsplit(r.url).path == path) as answer:
        page.get_by_role("button", name=t("Save"), exact=True).click()
    return answer.value.status


TYPED = "Şəhərdə 31.000 nəfər yaşayır.\nƏsas problem: içməli su."
SUMMARY = "#" + field_name("summary")


def _typing_a_summary(live_server, demo_plan, new_context, t, screenshots_dir, name):
    """The focal point, on a phone, types :data:`TYPED` into the diagnostic section's
    summary without saving it yet. Returns the page, its journey and the plan's id."""
    page = new_context(viewport=PHONE).new_page()
    _log_in(page, live_server, t, FOCAL)
    _editor(page, live_server, demo_plan["id"])
    page.locator(SUMMARY).fill(TYPED)
    return page, Journey(screenshots_dir, name), demo_plan["id"]


def test_text_typed_before_the_session_ended_comes_back_after_signing_in(
        live_server, demo_plan, new_context, t, screenshots_dir):
    from m4eg.accounts.models import User, UserSession

    expect = _expect()
    page, journey, plan_id = _typing_a_summary(live_server, demo_plan, new_context, t,
                                               screenshots_dir, "plan-rescue")

    with live_server.app.app_context():  # the session ends on the server (e.g. logged out
        user = db.session.scalar(select(User).where(User.email == FOCAL))  # elsewhere)
        db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
        db.session.commit()
        db.session.remove()

    assert _press_save(page, t, plan_id) == 401
    expect(page.locator(SUMMARY)).to_have_value(TYPED)
    expect(page.locator(".signed-out")).to_contain_text(t("Not saved: you are signed out."))
    journey.check(page, "signed-out")
    assert _stored(live_server, plan_id, "diagnostic")["summary"] != TYPED

    page.get_by_role("link", name=t("Sign in again")).click()
    expect(page).to_have_url(re.compile(r"/az/accounts/login\?next="))
    main = page.get_by_role("main")
    main.locator("input[name='email']").fill(FOCAL)
    main.locator("input[name='password']").fill(live_server.demo_password)
    main.get_by_role("button", name=t("Log in"), exact=True).click()

    expect(page).to_have_url(re.compile(rf"/az/plans/{plan_id}/blocks/diagnostic\?restore="))
    expect(page.locator(SUMMARY)).to_have_value(TYPED)
    expect(page.locator(".form-errors")).to_contain_text(
        t("Your text from before you signed in again is back in the form. It is not saved "
          "yet: check it and press Save."))
    journey.check(page, "restored")
    assert _press_save(page, t, plan_id) == 302
    _flash(page, t("Saved."))
    assert _stored(live_server, plan_id, "diagnostic")["summary"] == TYPED
    journey.assert_no_sideways_scroll()


def test_text_typed_when_the_form_token_expired_is_kept_and_saves_again(
        live_server, demo_plan, new_context, t, screenshots_dir):
    expect = _expect()
    page, journey, plan_id = _typing_a_summary(live_server, demo_plan, new_context, t,
                                               screenshots_dir, "plan-csrf")
    page.evaluate("document.querySelector(\"form.plan-form input[name='csrf_token']\")"
                  ".value = 'expired-token'")

    assert _press_save(page, t, plan_id) == 400
    expect(page.locator(SUMMARY)).to_have_value(TYPED)
    expect(page.locator(".form-errors")).to_contain_text(
        t("This page was open so long that its security check expired. Your text is below, "
          "not saved yet: press Save again."))
    journey.check(page, "token-expired")
    assert _stored(live_server, plan_id, "diagnostic")["summary"] != TYPED

    assert _press_save(page, t, plan_id) == 302
    _flash(page, t("Saved."))
    assert _stored(live_server, plan_id, "diagnostic")["summary"] == TYPED
    journey.assert_no_sideways_scroll()
