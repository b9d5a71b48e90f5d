"""Browser test of the P4EG plan pages on a phone: no page wider than the screen.

The data is built in the test: the demo plan for Khirdalan with every section filled in, an
action plan of ten rows with long texts, comment threads with typed line breaks, one round
of review sent back with a note, then a second save of the action plan (so the history has
a comparison). The focal point then opens the plan, the action-plan editor, the history and
the confirmation page at 390 and 360 px, in az and en; the coordinator opens the queue.
"""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from m4eg.extensions import db
from m4eg.plans.blockform import cell_name, field_name, rows_name
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

FOCAL = "focal@example.org"
COORDINATOR = "coordinator@example.org"
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
LONG = ("Xırdalan şəhərində kiçik və orta sahibkarlığın inkişafı üçün biznes inkubatorunun "
        "yaradılması, gənclər üçün təlimlər və rəqəmsal xidmətlərin genişləndirilməsi")
LONG_WORD = "https://example.org/" + "uzun-söz-" * 12
NOTE = ("Please make the budget of action 3 clearer.\nSplit the incubator into two phases.\n"
        + LONG_WORD)


def _block_values(template, key, *, actions_text):
    """Form data for one block: every field filled, the action plan with ten long rows."""
    block = template.block(key)
    data = {"version": None}
    for field in block["fields"]:
        name = field["key"]
        if field["type"] == "text":
            data[field_name(name)] = f"{LONG}.\nİkinci sətir.\n\n- bir\n- iki"
        elif field["type"] == "number":
            data[field_name(name)] = "21500" if name == "population" else "12,5"
        elif field["type"] == "choice":
            data[field_name(name)] = field["choices"][0]["key"]
        else:
            rows = 10 if name == "action_plan" else 2
            data[rows_name(name)] = str(rows)
            for i in range(rows):
                for column in field["columns"]:
                    cell, kind = cell_name(name, i, column['key']), column["type"]
                    if kind == "date":
                        value = f"202{5 + i % 2}-0{1 + i % 9}-15" if column["key"] == "start" \
                            else f"2027-0{1 + i % 9}-28"
                    elif column["key"] == "year":
                        value = "2027"
                    elif column.get("year"):  # the baseline year (template v3)
                        value = "2024"
                    elif kind == "number":
                        value = f"{(i + 1) * 125000}"
                    elif kind == "choice":
                        value = column["choices"][i % len(column["choices"])]["key"]
                    elif kind == "sdgs":
                        value = "8, 9, 11"
                    else:
                        value = f"{actions_text} {i + 1}: {LONG}"
                    data[cell] = value
    return data


def _build_plan(app) -> int:
    """The demo plan, filled, submitted, sent back with a note, then edited again."""
    from m4eg.accounts.services import get_by_email
    from m4eg.municipalities.services import get_by_slug
    from m4eg.plans import services
    from m4eg.plans.cli import ensure_demo_plans

    with app.app_context():
        ensure_demo_plans()
        db.session.commit()
        plan = services.plans_of(get_by_slug("khirdalan").id)[0]
        focal, coordinator = get_by_email(FOCAL), get_by_email(COORDINATOR)
        for block in plan.template.blocks:
            key = block["key"]
            form = _block_values(plan.template, key, actions_text="Tədbir")
            form["version"] = str(plan.block_version(key))
            services.save_block(plan, key, MultiDict(form), focal,
                                version=plan.block_version(key), lang="en")
        db.session.commit()
        first = services.add_comment(plan, "actions", f"Birinci sətir.\nİkinci sətir.\n{LONG_WORD}",
                                     coordinator)
        db.session.flush()
        services.add_comment(plan, "actions", "Cavab: düzəldəcəyik.\nSabah.", focal,
                             parent_id=first.id)
        services.add_comment(plan, "diagnostic", "Əhalinin sayı hansı ilə aiddir?", coordinator)
        db.session.commit()
        services.submit(plan, focal)
        services.start_review(plan, coordinator)
        services.request_changes(plan, coordinator, NOTE)
        db.session.commit()
        form = _block_values(plan.template, "actions", actions_text="Yenilənmiş tədbir")
        services.save_block(plan, "actions", MultiDict(form), focal,
                            version=plan.block_version("actions"), lang="en")
        db.session.commit()
        plan_id = plan.id
        db.session.remove()
        return plan_id


def _log_in(context, live_server, email):
    return log_in(context.new_page(), live_server, email)


def _fits(page, url):
    response = page.goto(url)
    assert response.status == 200, f"{url}: HTTP {response.status}"
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 8)")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"{url} is wider than the screen; too wide: {wide}")


def _save_button(page):
    button = page.locator("form.plan-form .form-actions button[type='submit']:not([name])")
    _expect_visible(button)
    box = button.bounding_box()
    width = page.evaluate("window.innerWidth")
    assert box["height"] >= 44, box
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box


def _expect_visible(locator):
    from playwright.sync_api import expect

    expect(locator).to_be_visible()


def _small_targets(page):
    """Buttons, inputs and selects in the main area smaller than 44 px in either direction."""
    return page.evaluate("""() => [...document.querySelectorAll(
        'main button, main .button, main select, main input:not([type=hidden]), main textarea,'
        + ' main summary')]
        .filter(e => e.offsetParent !== null)
        // A checkbox or radio is tapped through its row: the label beside it takes the tap.
        .map(e => [e, (e.closest('.check-row, .field.checkbox') || e).getBoundingClientRect()])
        .filter(([e, r]) => r.height < 44 || r.width < 44)
        .map(([e, r]) => `${e.tagName}#${e.id}.${e.className} `
                         + `${Math.round(r.width)}x${Math.round(r.height)}`)
    """)


@pytest.mark.parametrize("viewport", [PHONE, SMALL_PHONE], ids=["390", "360"])
def test_plan_pages_fit_a_phone(live_server, new_context, screenshots_dir, viewport):
    plan_id = _build_plan(live_server.app)
    page = _log_in(new_context(viewport=viewport), live_server, FOCAL)
    width = viewport["width"]
    for lang in ("az", "en"):
        base = f"{live_server.url}/{lang}/plans/{plan_id}"
        _fits(page, base)
        _expect_visible(page.locator(".reviewer-note"))
        assert _small_targets(page) == []
        page.screenshot(path=screenshots_dir / f"plan-show-{lang}-{width}.png", full_page=True)

        _fits(page, f"{base}/blocks/actions")
        _save_button(page)
        first_cell = cell_name("action_plan", 0, "action")
        _expect_visible(page.locator(f"label.cell-label[for='{first_cell}']"))
        assert page.locator("table.edit-table tbody tr").count() >= 10
        assert _small_targets(page) == []
        page.screenshot(path=screenshots_dir / f"plan-block-actions-{lang}-{width}.png",
                        full_page=True)

        _fits(page, f"{base}/blocks/diagnostic")
        _save_button(page)

        _fits(page, f"{base}/history")
        page.screenshot(path=screenshots_dir / f"plan-history-{lang}-{width}.png", full_page=True)

        _fits(page, f"{base}/submit")
        assert _small_targets(page) == []
        page.screenshot(path=screenshots_dir / f"plan-confirm-{lang}-{width}.png", full_page=True)


def test_review_queue_fits_a_phone(live_server, new_context, screenshots_dir):
    _build_plan(live_server.app)
    page = _log_in(new_context(viewport=PHONE), live_server, COORDINATOR)
    for lang in ("az", "en"):
        _fits(page, f"{live_server.url}/{lang}/plans/queue")
        assert _small_targets(page) == []
        page.screenshot(path=screenshots_dir / f"plan-queue-{lang}-390.png", full_page=True)


def test_plan_pages_on_a_desktop(live_server, new_context, screenshots_dir):
    """At 1280 px the tables are tables again: the thead shows, the cell labels do not."""
    plan_id = _build_plan(live_server.app)
    page = _log_in(new_context(viewport=DESKTOP), live_server, FOCAL)
    for lang in ("az", "en"):
        base = f"{live_server.url}/{lang}/plans/{plan_id}"
        _fits(page, base)
        page.screenshot(path=screenshots_dir / f"plan-show-{lang}-1280.png", full_page=True)
        _fits(page, f"{base}/blocks/actions")
        _expect_visible(page.locator("table.edit-table thead th").nth(1))
        label = page.locator(f"label.cell-label[for='{cell_name('action_plan', 0, 'action')}']")
        assert label.bounding_box()["width"] <= 1
        page.screenshot(path=screenshots_dir / f"plan-block-actions-{lang}-1280.png",
                        full_page=True)
        _fits(page, f"{base}/history")
        page.screenshot(path=screenshots_dir / f"plan-history-{lang}-1280.png", full_page=True)
        _fits(page, f"{base}/submit")
    coordinator = _log_in(new_context(viewport=DESKTOP), live_server, COORDINATOR)
    _fits(coordinator, f"{live_server.url}/en/plans/queue")
    coordinator.screenshot(path=screenshots_dir / "plan-queue-en-1280.png", full_page=True)


def _save_other_version(app, plan_id, key):
    """Someone else saves the block meanwhile, so the browser's next save is a conflict."""
    from m4eg.accounts.services import get_by_email
    from m4eg.plans import services

    with app.app_context():
        plan = services.get_plan(plan_id)
        form = _block_values(plan.template, key, actions_text="Başqası")
        form[field_name("summary")] = "Başqasının mətni.\n" + LONG_WORD
        services.save_block(plan, key, MultiDict(form), get_by_email(FOCAL),
                            version=plan.block_version(key), lang="en")
        db.session.commit()
        db.session.remove()


def test_editor_states_fit_a_phone(live_server, new_context, screenshots_dir):
    """Preview, a refused cell, a conflict and a signed-out save: each fits 390 px."""
    plan_id = _build_plan(live_server.app)
    context = new_context(viewport=PHONE)
    page = _log_in(context, live_server, FOCAL)
    base = f"{live_server.url}/en/plans/{plan_id}/blocks"
    save = "form.plan-form .form-actions button[type='submit']:not([name])"

    page.goto(f"{base}/diagnostic")
    page.locator("#" + field_name("summary")).fill(f"Önizləmə.\n{LONG_WORD}")
    page.locator("form.plan-form button[name='preview']").click()
    _expect_visible(page.locator(".preview"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=screenshots_dir / "plan-block-preview-en-390.png", full_page=True)

    page.goto(f"{base}/actions")
    page.locator("#" + cell_name("action_plan", 0, "budget_azn")).fill("çox")
    page.locator(save).click()
    _expect_visible(page.locator("td.has-error .errors").first)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=screenshots_dir / "plan-block-error-en-390.png", full_page=True)

    page.goto(f"{base}/diagnostic")
    _save_other_version(live_server.app, plan_id, "diagnostic")
    page.locator("#" + field_name("summary")).fill(f"Mənim mətnim.\n{LONG_WORD}")
    page.locator(save).click()
    _expect_visible(page.locator(".conflict pre.conflict-text").first)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _save_button(page)
    page.screenshot(path=screenshots_dir / "plan-block-conflict-en-390.png", full_page=True)

    page.goto(f"{base}/diagnostic")
    other = context.new_page()
    other.goto(f"{live_server.url}/en/")
    other.locator("form[action$='/accounts/logout'] button").click()
    page.locator(save).click()
    _expect_visible(page.locator(".signed-out"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert _small_targets(page) == []
    page.screenshot(path=screenshots_dir / "plan-block-signed-out-en-390.png", full_page=True)
