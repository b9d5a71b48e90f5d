"""Plans over HTTP for every role, including refusals across municipalities."""

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from m4eg.extensions import db
from m4eg.plans import services
from m4eg.plans.blockform import cell_name, field_name, rows_name
from m4eg.plans.models import Plan, PlanTemplate
from tests.conftest import log_in as _log_in
from tests.plans.conftest import block_form


def log_in(client, email):
    """Switch the client to another user (logging out whoever was in)."""
    client.post("/en/accounts/logout")
    assert _log_in(client, email).status_code == 302


@pytest.fixture
def khirdalan_plan(make_plan, member_id, make_user):
    """A draft plan of Khirdalan, its focal point's credentials and ids."""
    khirdalan = member_id("khirdalan")
    focal = make_user(role="focal_point", municipality_id=khirdalan)
    return {"id": make_plan("khirdalan", by=focal), "focal": focal,
            "municipality_id": khirdalan}


def _template(app):
    with app.app_context():
        return db.session.scalar(select(PlanTemplate))


def _version(app, plan_id, block_key):
    with app.app_context():
        return db.session.get(Plan, plan_id).block_version(block_key)


def _save_as_focal(app, client, plan, block_key, *, lang="en", changes=None, **values):
    """The plan's focal point signs in and saves ``block_key`` from the form opened on the
    first version, every field valid (``values``: :func:`block_form`'s options) and
    ``changes`` typed over it. Returns the response."""
    log_in(client, plan["focal"].email)
    data = block_form(_template(app), block_key, version=1, **values)
    data.update(changes or {})
    return client.post(f"/{lang}/plans/{plan['id']}/blocks/{block_key}", data=data)


def _fill_all(app, client, plan_id):
    template = _template(app)
    for block in template.blocks:
        data = block_form(template, block["key"], version=_version(app, plan_id,
                                                                   block["key"]))
        assert client.post(f"/en/plans/{plan_id}/blocks/{block['key']}",
                           data=data).status_code == 302


def test_focal_point_fills_submits_and_coordinator_approves(app, client, khirdalan_plan,
                                                            login_as, outbox):
    plan_id = khirdalan_plan["id"]
    log_in(client, khirdalan_plan["focal"].email)
    response = client.post(f"/en/plans/{plan_id}/submit", follow_redirects=True)
    page = response.get_data(as_text=True)
    # An incomplete submission lands back on the plan page (a refresh resubmits nothing).
    assert response.request.path == f"/en/plans/{plan_id}"
    assert "cannot be submitted yet" in page and "Still missing before you can submit" in page
    _fill_all(app, client, plan_id)
    confirm = client.get(f"/en/plans/{plan_id}/submit").get_data(as_text=True)
    assert "Yes, submit the plan" in confirm
    with app.app_context():
        assert db.session.get(Plan, plan_id).status == "draft"  # the GET changed nothing
    assert client.post(f"/en/plans/{plan_id}/submit").status_code == 302
    login_as("coordinator")
    assert "Khirdalan" in client.get("/en/plans/queue?status=submitted").get_data(as_text=True)
    client.post(f"/en/plans/{plan_id}/review")
    client.post(f"/en/plans/{plan_id}/comments", data={"block": "vision",
                                                       "body": "Add a baseline year."})
    client.post(f"/en/plans/{plan_id}/request-changes",
                data={"note": "See the comments.", "confirmed": "1"})
    log_in(client, khirdalan_plan["focal"].email)
    page = client.get(f"/en/plans/{plan_id}").get_data(as_text=True)
    assert "Changes requested" in page and "Add a baseline year." in page
    note = page.split('class="reviewer-note"')[1].split("</section>")[0]
    assert "What the reviewer asks you to change" in note and "See the comments." in note
    assert "1 open comment" in page
    editor = client.get(f"/en/plans/{plan_id}/blocks/vision").get_data(as_text=True)
    assert "Add a baseline year." in editor.split('id="comments"')[1]
    _fill_all(app, client, plan_id)
    client.post(f"/en/plans/{plan_id}/submit")
    login_as("coordinator")
    client.post(f"/en/plans/{plan_id}/review")
    assert "Yes, approve the plan" in client.get(
        f"/en/plans/{plan_id}/approve").get_data(as_text=True)
    assert client.post(f"/en/plans/{plan_id}/approve").status_code == 302
    history = client.get(f"/en/plans/{plan_id}/history?a=1&b=2").get_data(as_text=True)
    assert "Revision 2" in history and "approved the plan" in history
    assert "status: Approved" in history and "review_started" not in history
    assert "Approved" in client.get("/en/municipalities/khirdalan").get_data(as_text=True)
    figures = client.get("/en/figures/export.csv").get_data(as_text=True)
    assert "P4EG plans submitted,Total,1" in figures and "P4EG plans approved,Total,1" in figures


def test_staff_of_the_municipality_read_but_cannot_edit(app, client, khirdalan_plan,
                                                        login_as):
    plan_id = khirdalan_plan["id"]
    login_as("staff", municipality_id=khirdalan_plan["municipality_id"])
    assert client.get(f"/en/plans/{plan_id}").status_code == 200
    assert client.get(f"/en/plans/{plan_id}/blocks/vision").status_code == 403
    assert client.post(f"/en/plans/{plan_id}/submit").status_code == 403
    assert client.post(f"/en/plans/{plan_id}/comments",
                       data={"block": "vision", "body": "x"}).status_code == 403


@pytest.mark.parametrize("role", ["staff", "focal_point"])
def test_another_municipality_cannot_open_or_post_to_the_plan(app, client, khirdalan_plan,
                                                              login_as, member_id, role):
    plan_id = khirdalan_plan["id"]
    login_as(role, municipality_id=member_id("urva"))
    template = _template(app)
    for method, url, data in (
            ("get", f"/en/plans/{plan_id}", None),
            ("get", f"/en/plans/{plan_id}/history", None),
            ("get", f"/en/plans/{plan_id}/print", None),
            ("get", f"/en/plans/{plan_id}.pdf", None),
            ("get", f"/en/plans/{plan_id}/blocks/vision", None),
            ("post", f"/en/plans/{plan_id}/blocks/vision",
             block_form(template, "vision", version=1)),
            ("post", f"/en/plans/{plan_id}/submit", None),
            ("post", f"/en/plans/{plan_id}/comments", {"block": "vision", "body": "x"})):
        assert getattr(client, method)(url, data=data).status_code == 403, url
    with app.app_context():
        assert db.session.get(Plan, plan_id).content == {}


def test_stale_save_is_refused_with_the_text_kept(app, client, khirdalan_plan):
    plan_id = khirdalan_plan["id"]
    log_in(client, khirdalan_plan["focal"].email)
    template = _template(app)
    first = block_form(template, "drivers", version=1, text="Birinci redaktor")
    assert client.post(f"/en/plans/{plan_id}/blocks/drivers", data=first).status_code == 302
    second = block_form(template, "drivers", version=1, text="İkinci redaktorun mətni")
    response = client.post(f"/az/plans/{plan_id}/blocks/drivers", data=second)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    conflict = page.split('class="conflict"')[1].split("</section>")[0]
    assert "Birinci redaktor" in conflict and "İkinci redaktorun mətni" in conflict
    form = page.split('class="plan-form"')[1]
    assert "İkinci redaktorun mətni" in form and 'name="version" value="2"' in form
    with app.app_context():
        stored = db.session.get(Plan, plan_id).content["drivers"]["drivers_of_change"]
        assert stored == "Birinci redaktor"


def test_bad_numbers_keep_what_was_typed(app, client, khirdalan_plan):
    response = _save_as_focal(app, client, khirdalan_plan, "diagnostic",
                              changes={field_name("population"): "twelve thousand"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "is not a whole number" in page and 'value="twelve thousand"' in page


def test_autosave_answers_json(app, client, khirdalan_plan):
    plan_id = khirdalan_plan["id"]
    log_in(client, khirdalan_plan["focal"].email)
    data = block_form(_template(app), "engagement", version=1)
    response = client.post(f"/en/plans/{plan_id}/blocks/engagement", data=data,
                           headers={"X-Autosave": "1"})
    answer = response.get_json()
    assert answer["ok"] is True and answer["version"] == 2 and answer["saved_at"]
    stale = client.post(f"/en/plans/{plan_id}/blocks/engagement", data=data,
                        headers={"X-Autosave": "1"})
    assert stale.status_code == 409 and stale.get_json()["conflict"] is True


def test_script_in_text_is_sanitised(app, client, khirdalan_plan):
    plan_id = khirdalan_plan["id"]
    _save_as_focal(app, client, khirdalan_plan, "vision",
                   text="**Vizyon** <script>alert(1)</script><img src=x onerror=alert(1)>")
    page = client.get(f"/en/plans/{plan_id}").get_data(as_text=True)
    assert "<strong>Vizyon</strong>" in page  # Markdown is rendered…
    assert "<script>alert(1)" not in page and "<img src=x" not in page  # …markup never runs
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # table cells show it as text


def test_pdf_and_print_in_azerbaijani(app, client, khirdalan_plan):
    plan_id = khirdalan_plan["id"]
    _save_as_focal(app, client, khirdalan_plan, "diagnostic", lang="az",
                   text="Şəkidə gənclər üçün iş yerləri azdır; ağ ipək istehsalı.")
    pdf = client.get(f"/az/plans/{plan_id}.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Şəkidə gənclər üçün iş yerləri azdır" in text
    assert "Xırdalan" in text
    printed = client.get(f"/az/plans/{plan_id}/print").get_data(as_text=True)
    assert "Şəkidə gənclər" in printed


def test_queue_filters_and_export(app, client, khirdalan_plan, login_as):
    login_as("coordinator")
    assert "Khirdalan" in client.get("/en/plans/queue?status=draft").get_data(as_text=True)
    assert "Khirdalan" not in client.get("/en/plans/queue?status=approved").get_data(
        as_text=True)
    assert client.get("/en/plans/queue?status=bogus&region=XX&cycle=zz").status_code == 200
    csv = client.get("/en/plans/queue.csv").get_data(as_text=True)
    assert "Khirdalan City Municipality,2025–2027,Draft," in csv


def test_the_queue_names_statuses_in_the_readers_language(app, client, khirdalan_plan,
                                                          login_as):
    """The status filter and the export read the status label from one place: the stored
    value for machines, the label for people, in the language of the page."""
    login_as("coordinator")
    page = client.get("/az/plans/queue?status=in_review").get_data(as_text=True)
    assert '<option value="in_review" selected>Baxılır</option>' in page
    assert '<option value="draft">Qaralama</option>' in page
    csv = client.get("/az/plans/queue.csv").get_data(as_text=True)
    assert csv.splitlines()[0] == ("\ufeffBələdiyyə,Plan dövrü,Status,Son tarix,Qalan gün,"
                                   "Təqdim edilib,Redaksiyalar")
    assert "Xırdalan şəhər bələdiyyəsi,2025–2027,Qaralama," in csv


def test_the_editor_names_its_inputs_as_the_rules_read_them(app, client, khirdalan_plan):
    """Every input of the block editor is named by plans.blockform, the names the parser
    reads: a plain field, a table's row count and each offered row's cells."""
    plan_id = khirdalan_plan["id"]
    log_in(client, khirdalan_plan["focal"].email)
    for block_key in ("diagnostic", "actions"):
        page = client.get(f"/en/plans/{plan_id}/blocks/{block_key}").get_data(as_text=True)
        form = page.split('class="plan-form"')[1].split("</form>")[0]
        names = set(re.findall(r'<(?:input|textarea|select)[^>]*\sname="([^"]+)"', form))
        expected = {"csrf_token", "version"}
        for field in _template(app).block(block_key)["fields"]:
            if field["type"] == "table":  # a blank table offers one row
                expected.add(rows_name(field["key"]))
                expected.update(cell_name(field["key"], 0, column["key"])
                                for column in field["columns"])
            else:
                expected.add(field_name(field["key"]))
        assert names == expected, block_key


def test_focal_point_starts_a_plan_once_per_cycle(app, client, plan_setup, login_as,
                                                  member_id):
    login_as("focal_point", municipality_id=member_id("urva"))
    response = client.post("/en/plans/start", data={"cycle_id": plan_setup["cycle_id"]})
    assert response.status_code == 302
    plan_id = int(re.search(r"/plans/(\d+)", response.headers["Location"]).group(1))
    again = client.post("/en/plans/start", data={"cycle_id": plan_setup["cycle_id"]},
                        follow_redirects=True)
    assert "already has a plan" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Plan, plan_id).municipality_id == member_id("urva")


def test_unknown_plan_or_block_is_404(client, khirdalan_plan, login_as):
    login_as("coordinator")
    assert client.get("/en/plans/999999").status_code == 404
    log_in(client, khirdalan_plan["focal"].email)
    assert client.get(f"/en/plans/{khirdalan_plan['id']}/blocks/nope").status_code == 404


def test_queue_pages_through_every_plan_once(app, client, plan_setup, login_as):
    from datetime import UTC, datetime, timedelta

    from m4eg.municipalities.models import Municipality
    from m4eg.plans.models import Cycle

    with app.app_context():
        cycle = db.session.get(Cycle, plan_setup["cycle_id"])
        template = db.session.get(PlanTemplate, plan_setup["template_id"])
        members = db.session.scalars(select(Municipality).order_by(Municipality.id)).all()
        for index, member in enumerate(members):
            plan = services.start_plan(member.id, cycle, None, template)
            if index % 2:  # half submitted, on distinct and on equal dates
                plan.status = "submitted"
                plan.submitted_at = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=index // 4)
        db.session.commit()
        expected = [p.id for p in services.queue()]
    login_as("coordinator")
    first = client.get("/en/plans/queue").get_data(as_text=True)
    assert "55 plans found" in first
    seen = [int(i) for i in re.findall(r'href="/en/plans/(\d+)"', first)]
    assert len(seen) == 50
    following = re.search(r'href="(/en/plans/queue\?after=\d+)"', first).group(1)
    second = client.get(following).get_data(as_text=True)
    seen += [int(i) for i in re.findall(r'href="/en/plans/(\d+)"', second)]
    assert seen == expected
    assert "?after=" not in second.split("</table>")[1]  # the last page offers no "next"
    assert "Back to the start" in second


def test_queue_page_and_export_queries_do_not_grow_with_the_plans(app, client, plan_setup,
                                                                   login_as, count_queries):
    from m4eg.municipalities.models import Municipality
    from m4eg.plans.models import Cycle

    def start_plans(members):
        with app.app_context():
            cycle = db.session.get(Cycle, plan_setup["cycle_id"])
            template = db.session.get(PlanTemplate, plan_setup["template_id"])
            for member in db.session.scalars(select(Municipality).order_by(Municipality.id)
                                             .offset(members.start).limit(len(members))):
                services.start_plan(member.id, cycle, None, template)
            db.session.commit()

    login_as("coordinator")
    start_plans(range(0, 5))
    client.get("/en/plans/queue")
    with count_queries() as few:
        client.get("/en/plans/queue")
        client.get("/en/plans/queue.csv")
    start_plans(range(5, 55))
    with count_queries() as many:
        client.get("/en/plans/queue")
        csv = client.get("/en/plans/queue.csv").get_data(as_text=True)
    assert len(csv.strip().splitlines()) == 56  # the header and every plan
    assert many.count == few.count


def test_queue_and_board_read_bad_paging_values_as_the_first_page(client, plan_setup,
                                                                   login_as):
    login_as("coordinator")
    for url in ("/en/plans/queue?after=abc", "/en/plans/queue?after=99999999999999999999",
                "/en/plans/queue?after=%C2%B2", "/en/portfolios/board?page=0",
                "/en/portfolios/board?page=x", "/en/portfolios/board?page=10000"):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("lang, typed, shown, total", [
    ("az", "400.000", "400.000", 400000), ("en", "400,000", "400,000", 400000),
    ("en", "120 000", "120,000", 120000)])
def test_a_typed_budget_comes_back_formatted_with_the_totals(app, client, khirdalan_plan,
                                                              lang, typed, shown, total):
    plan_id = khirdalan_plan["id"]
    assert _save_as_focal(app, client, khirdalan_plan, "actions", lang=lang,
                          budget=typed).status_code == 302
    editor = client.get(f"/{lang}/plans/{plan_id}/blocks/actions").get_data(as_text=True)
    assert f'value="{shown}"' in editor and "saved-as" in editor
    with app.app_context():
        assert services.totals(db.session.get(Plan, plan_id))["total"] == total
    page = client.get(f"/{lang}/plans/{plan_id}").get_data(as_text=True)
    assert shown in page.split('id="block-actions"')[1]


def test_a_bad_cell_is_marked_alone_and_everything_typed_is_kept(app, client,
                                                                khirdalan_plan):
    response = _save_as_focal(app, client, khirdalan_plan, "actions", budget="400,000",
                              changes={rows_name("action_plan"): "2",
                                       cell_name("action_plan", 1, "action"): "Bazar<b>x</b>",
                                       cell_name("action_plan", 1, "budget_azn"): "<b>x</b>"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert page.count('<td data-label="Budget (AZN)" class="has-error">') == 1
    assert "“&lt;b&gt;x&lt;/b&gt;” is not a number" in page  # the value shown as text
    assert 'value="400,000"' in page and "Bazar&lt;b&gt;x&lt;/b&gt;" in page
    with app.app_context():
        assert "actions" not in db.session.get(Plan, khirdalan_plan["id"]).content


def test_preview_shows_the_formatted_text_without_saving(app, client, khirdalan_plan):
    plan_id = khirdalan_plan["id"]
    log_in(client, khirdalan_plan["focal"].email)
    data = {"version": "1", field_name("vision"): "**Yaşıl** şəhər\r\nikinci sətir", "preview": "1"}
    page = client.post(f"/az/plans/{plan_id}/blocks/vision", data=data).get_data(as_text=True)
    preview = page.split('class="preview"')[1].split("</section>")[0]
    assert "<strong>Yaşıl</strong> şəhər<br>" in preview
    with app.app_context():
        assert "vision" not in db.session.get(Plan, plan_id).content


def test_save_and_go_to_the_next_section(app, client, khirdalan_plan):
    plan_id = khirdalan_plan["id"]
    response = _save_as_focal(app, client, khirdalan_plan, "diagnostic",
                              changes={"next": "1"})
    assert response.headers["Location"].endswith(f"/en/plans/{plan_id}/blocks/drivers")
    page = client.get(f"/en/plans/{plan_id}").get_data(as_text=True)
    assert "1 of 8 sections complete" in page


def test_save_after_the_session_ended_keeps_the_text_through_the_sign_in(app, client,
                                                                        khirdalan_plan):
    plan_id = khirdalan_plan["id"]
    focal = khirdalan_plan["focal"]
    log_in(client, focal.email)
    client.post("/en/accounts/logout")  # the session is gone (expired or ended elsewhere)
    data = {"version": "1", field_name("vision"): "Mətn ki, itməməlidir.\r\nİkinci sətir."}
    response = client.post(f"/az/plans/{plan_id}/blocks/vision", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Mətn ki, itməməlidir." in page
    login_link = re.search(r'href="(/az/accounts/login\?next=[^"]+)"', page).group(1)
    login_page = client.get(login_link.replace("&amp;", "&"))
    next_value = re.search(r'name="next"[^>]*value="([^"]+)"',
                           login_page.get_data(as_text=True)).group(1).replace("&amp;", "&")
    signed_in = client.post("/az/accounts/login", data={
        "email": focal.email, "password": focal.password, "next": next_value})
    assert signed_in.status_code == 302
    restored = client.get(signed_in.headers["Location"]).get_data(as_text=True)
    form = restored.split('class="plan-form"')[1]
    assert "Mətn ki, itməməlidir." in form and "İkinci sətir." in form
    with app.app_context():
        assert "vision" not in db.session.get(Plan, plan_id).content  # not saved behind
    assert client.post(f"/az/plans/{plan_id}/blocks/vision", data={
        "version": "1", field_name("vision"): "Mətn ki, itməməlidir."}).status_code == 302


def test_an_expired_form_token_shows_the_text_again(make_app, make_plan, member_id,
                                                    make_user, app):
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    focal = make_user(role="focal_point", municipality_id=member_id("khirdalan"))
    plan_id = make_plan("khirdalan", by=focal)
    login = client.get("/en/accounts/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
    assert client.post("/en/accounts/login", data={
        "email": focal.email, "password": focal.password, "csrf_token": token}
    ).status_code == 302
    response = client.post(f"/en/plans/{plan_id}/blocks/vision", data={
        "version": "1", field_name("vision"): "Long afternoon text", "csrf_token": "expired"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "security check expired" in page and "Long afternoon text" in page
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/en/plans/{plan_id}/blocks/vision", data={
        "version": "1", field_name("vision"): "Long afternoon text", "csrf_token": fresh}
    ).status_code == 302


def test_comments_are_answered_and_resolved_from_the_editor(app, client, khirdalan_plan,
                                                           login_as):
    plan_id = khirdalan_plan["id"]
    login_as("coordinator")
    client.post(f"/en/plans/{plan_id}/comments", data={"block": "vision",
                                                       "body": "Name the baseline year."})
    with app.app_context():
        from m4eg.plans.models import Comment

        thread_id = db.session.scalar(select(Comment.id))
    log_in(client, khirdalan_plan["focal"].email)
    reply = client.post(f"/en/plans/{plan_id}/comments", data={
        "block": "vision", "body": "Added 2024.", "parent": str(thread_id), "from": "editor"})
    assert reply.headers["Location"].endswith(f"/plans/{plan_id}/blocks/vision#comments")
    client.post(f"/en/plans/{plan_id}/comments/{thread_id}/resolve", data={"from": "editor"})
    editor = client.get(f"/en/plans/{plan_id}/blocks/vision").get_data(as_text=True)
    comments = editor.split('id="comments"')[1]
    assert "Name the baseline year." in comments and "Added 2024." in comments
    assert "Resolved" in comments and "Open again" in comments
    page = client.get(f"/en/plans/{plan_id}").get_data(as_text=True)
    assert "open comment" not in page.split("<dl")[1].split("</dl>")[0]


def test_status_emails_link_to_the_plan_page(app, client, khirdalan_plan, login_as, outbox):
    plan_id = khirdalan_plan["id"]
    log_in(client, khirdalan_plan["focal"].email)
    _fill_all(app, client, plan_id)
    client.post(f"/en/plans/{plan_id}/submit")
    login_as("coordinator", preferred_language="en")
    client.post(f"/en/plans/{plan_id}/review")
    [*_, message] = outbox.wait_for(2)
    body = message.get_content()
    assert f"http://localhost/az/plans/{plan_id}" in body  # the focal point reads az


def test_line_breaks_in_table_cells_and_comments_are_shown(app, client, khirdalan_plan,
                                                          login_as):
    plan_id = khirdalan_plan["id"]
    assert _save_as_focal(app, client, khirdalan_plan, "actions", lang="az", changes={
        cell_name("action_plan", 0, "action"): "Bazar yeri\r\nikinci mərhələ"}
    ).status_code == 302
    client.post(f"/az/plans/{plan_id}/comments", data={
        "block": "actions", "body": "Birinci sətir\r\n<b>ikinci</b>"})
    page = client.get(f"/az/plans/{plan_id}").get_data(as_text=True)
    assert "Bazar yeri<br>ikinci mərhələ" in page
    assert "Birinci sətir<br>&lt;b&gt;ikinci&lt;/b&gt;" in page


PLAN_ROUTES = (("get", "/en/plans/{id}"), ("get", "/en/plans/{id}/history"),
               ("get", "/en/plans/{id}/history?a=1&b=2"), ("get", "/en/plans/{id}/print"),
               ("get", "/en/plans/{id}.pdf"), ("post", "/en/plans/{id}/comments"),
               ("post", "/en/plans/{id}/comments/{comment}/resolve"))


def _submitted_twice_with_a_comment(app, client, khirdalan_plan, login_as):
    """Khirdalan's plan with two revisions, a review note and a block comment."""
    plan_id = khirdalan_plan["id"]
    log_in(client, khirdalan_plan["focal"].email)
    _fill_all(app, client, plan_id)
    client.post(f"/en/plans/{plan_id}/submit")
    login_as("coordinator")
    client.post(f"/en/plans/{plan_id}/review")
    client.post(f"/en/plans/{plan_id}/comments", data={"block": "vision",
                                                       "body": "Internal: weak targets."})
    client.post(f"/en/plans/{plan_id}/request-changes",
                data={"note": "Confidential note.", "confirmed": "1"})
    log_in(client, khirdalan_plan["focal"].email)
    client.post(f"/en/plans/{plan_id}/submit")
    with app.app_context():
        from m4eg.plans.models import Comment

        return db.session.scalar(select(Comment.id))


@pytest.mark.parametrize("role", ["staff", "focal_point"])
def test_choosing_the_municipality_grants_no_plan_until_it_is_confirmed(
        app, client, khirdalan_plan, login_as, role):
    comment = _submitted_twice_with_a_comment(app, client, khirdalan_plan, login_as)
    claimant = login_as(role, municipality_id=khirdalan_plan["municipality_id"],
                        confirmed=False)
    for method, url in PLAN_ROUTES:
        url = url.format(id=khirdalan_plan["id"], comment=comment)
        response = getattr(client, method)(url, data={"block": "vision", "body": "x"})
        assert response.status_code == 403, url
        page = response.get_data(as_text=True)
        assert "Confidential note." not in page and "weak targets" not in page
    index = client.get("/en/plans/").get_data(as_text=True)
    assert "has not confirmed yet that you work for it" in index
    assert f'href="/en/plans/{khirdalan_plan["id"]}"' not in index
    # The focal point confirms the claim: the plan opens.
    log_in(client, khirdalan_plan["focal"].email)
    pending = client.get("/en/accounts/affiliations").get_data(as_text=True)
    assert claimant.name in pending
    assert client.post(f"/en/accounts/users/{claimant.id}/confirm").status_code == 302
    log_in(client, claimant.email)
    assert "Internal: weak targets." in client.get(
        f"/en/plans/{khirdalan_plan['id']}").get_data(as_text=True)
    assert "Confidential note." in client.get(
        f"/en/plans/{khirdalan_plan['id']}/history").get_data(as_text=True)


def test_moving_to_another_municipality_ends_the_reading(app, client, khirdalan_plan,
                                                         member_id):
    focal = khirdalan_plan["focal"]
    log_in(client, focal.email)
    assert client.get(f"/en/plans/{khirdalan_plan['id']}").status_code == 200
    profile = client.get("/en/accounts/profile").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', profile).group(1)
    client.post("/en/accounts/profile", data={
        "name": "Moved", "municipality_id": str(member_id("urva")), "position": "x",
        "sex": "not_stated", "preferred_language": "en", "version": version})
    assert client.get(f"/en/plans/{khirdalan_plan['id']}").status_code == 403
    with app.app_context():
        from m4eg.accounts.models import User
        from m4eg.core.audit import AuditEvent

        moved = db.session.get(User, focal.id)
        assert moved.role == "staff" and not moved.affiliation_confirmed
        assert db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "affiliation.reset", AuditEvent.target_id == focal.id))


def test_only_the_municipality_or_a_coordinator_confirms(app, client, khirdalan_plan,
                                                         login_as, member_id):
    claimant = login_as("staff", municipality_id=khirdalan_plan["municipality_id"],
                        confirmed=False)
    assert client.get("/en/accounts/affiliations").status_code == 403  # staff
    assert client.post(f"/en/accounts/users/{claimant.id}/confirm").status_code == 403
    login_as("focal_point", municipality_id=member_id("urva"))
    assert claimant.name not in client.get("/en/accounts/affiliations").get_data(as_text=True)
    assert client.post(f"/en/accounts/users/{claimant.id}/confirm").status_code == 403
    login_as("coordinator")
    assert claimant.name in client.get("/en/accounts/affiliations").get_data(as_text=True)
    assert client.post(f"/en/accounts/users/{claimant.id}/confirm").status_code == 302
    with app.app_context():
        from m4eg.accounts.models import User

        assert db.session.get(User, claimant.id).affiliation_confirmed


@pytest.mark.parametrize("added", ["action_plan\r\nSet-Cookie: x=1", "action_plan\n",
                                   "\r\n", "no_such_table"])
def test_add_row_with_line_breaks_after_a_save_is_read_as_no_table(app, client,
                                                                   khirdalan_plan, added):
    """``add_row`` names a table of the block: anything else (a header injected with CR/LF
    after the block was already saved once) is an ordinary save, never a 500 nor a header."""
    plan_id = khirdalan_plan["id"]
    log_in(client, khirdalan_plan["focal"].email)
    first = block_form(_template(app), "actions", version=1)
    assert client.post(f"/en/plans/{plan_id}/blocks/actions", data=first).status_code == 302
    data = block_form(_template(app), "actions", version=_version(app, plan_id, "actions"))
    data["add_row"] = added
    response = client.post(f"/en/plans/{plan_id}/blocks/actions", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/en/plans/{plan_id}#block-actions")
    assert "add=" not in response.headers["Location"]
    assert not any("x=1" in value for _, value in response.headers.items())
    editor = client.get(f"/en/plans/{plan_id}/blocks/actions?add={added}")
    assert editor.status_code == 200
    valid = block_form(_template(app), "actions", version=_version(app, plan_id, "actions"))
    valid["add_row"] = "action_plan"
    added_row = client.post(f"/en/plans/{plan_id}/blocks/actions", data=valid)
    assert added_row.headers["Location"].endswith(
        f"/en/plans/{plan_id}/blocks/actions?add=action_plan#field-action_plan")


def test_a_plan_is_submitted_while_the_mail_server_is_down_and_the_mail_follows(
        app, client, khirdalan_plan, make_user, smtp_server):
    from tests.conftest import _free_port, _Receiver

    port = _free_port()  # no mail server listens there
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT_SECONDS=2)
    coordinator = make_user(role="coordinator", preferred_language="en",
                            email="reviewer@undp.example")
    plan_id = khirdalan_plan["id"]
    log_in(client, khirdalan_plan["focal"].email)
    _fill_all(app, client, plan_id)
    response = client.post(f"/en/plans/{plan_id}/submit", follow_redirects=True)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Plan, plan_id).status == "submitted"
        from m4eg.core import outbox as queue

        assert queue.deliver().retried >= 1  # the server is still down: tried later
    received = []
    smtp_server(_Receiver(received), port=port)
    import time_machine

    from m4eg.core.time import utcnow

    with time_machine.travel(utcnow().timestamp() + 600, tick=True), app.app_context():
        queue.deliver()
    [message] = [m for m in received if m["To"] == coordinator.email]
    body = message.get_content()
    assert "Khirdalan" in body and "Submitted" in body
    assert f"/en/plans/{plan_id}" in body


def test_a_reviewers_comment_is_mailed_to_the_focal_point_in_their_language(
        app, client, khirdalan_plan, login_as, outbox):
    plan_id = khirdalan_plan["id"]
    login_as("coordinator", name="Aysel Quliyeva", preferred_language="en")
    client.post(f"/en/plans/{plan_id}/comments", data={
        "block": "vision", "body": "Name the baseline year.\nAnd the source."})
    [message] = outbox.wait_for(1)
    assert message["To"] == khirdalan_plan["focal"].email
    body = message.get_content()
    assert "Aysel Quliyeva" in body and "Name the baseline year.\nAnd the source." in body
    assert f"http://localhost/az/plans/{plan_id}" in body  # the focal point reads az
    assert "bölməsinə şərh yazdı" in body  # written in Azerbaijani
