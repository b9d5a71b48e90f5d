"""Plans over HTTP for every role, including refusals across municipalities."""

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from m4eg.extensions import db
from m4eg.plans import services
from m4eg.plans.models import Plan, PlanTemplate
from tests.conftest import log_in as _log_in
from tests.plans.conftest import block_form


def log_in(client, email):
    """Switch the client to another user (logging out whoever was in)."""
    client.post("/en/accounts/logout")
    assert _log_in(client, email).status_code == 302


@pytest.fixture
def khirdalan_plan(app, plan_setup, member_id, make_user):
    """A draft plan of Khirdalan, its focal point's credentials and ids."""
    from m4eg.accounts.services import get_user
    from m4eg.plans.models import Cycle

    khirdalan = member_id("khirdalan")
    focal = make_user(role="focal_point", municipality_id=khirdalan)
    with app.app_context():
        plan = services.start_plan(khirdalan, db.session.get(Cycle, plan_setup["cycle_id"]),
                                   get_user(focal.id),
                                   db.session.get(PlanTemplate, plan_setup["template_id"]))
        db.session.commit()
        return {"id": plan.id, "focal": focal, "municipality_id": khirdalan}


def _template(app):
    with app.app_context():
        return db.session.scalar(select(PlanTemplate))


def _version(app, plan_id):
    with app.app_context():
        return db.session.get(Plan, plan_id).version


def _fill_all(app, client, plan_id):
    template = _template(app)
    for block in template.blocks:
        data = block_form(template, block["key"], version=_version(app, plan_id))
        assert client.post(f"/en/plans/{plan_id}/blocks/{block['key']}",
                           data=data).status_code == 302


def test_focal_point_fills_submits_and_coordinator_approves(app, client, khirdalan_plan,
                                                            login_as, outbox):
    plan_id = khirdalan_plan["id"]
    log_in(client, khirdalan_plan["focal"].email)
    response = client.post(f"/en/plans/{plan_id}/submit")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Still missing before you can submit" in page
    _fill_all(app, client, plan_id)
    assert client.post(f"/en/plans/{plan_id}/submit").status_code == 302
    login_as("coordinator")
    assert "Khirdalan" in client.get("/en/plans/queue?status=submitted").get_data(as_text=True)
    client.post(f"/en/plans/{plan_id}/review")
    client.post(f"/en/plans/{plan_id}/comments", data={"block": "vision",
                                                       "body": "Add a baseline year."})
    client.post(f"/en/plans/{plan_id}/request-changes", data={"note": "See the comments."})
    log_in(client, khirdalan_plan["focal"].email)
    page = client.get(f"/en/plans/{plan_id}").get_data(as_text=True)
    assert "Changes requested" in page and "Add a baseline year." in page
    _fill_all(app, client, plan_id)
    client.post(f"/en/plans/{plan_id}/submit")
    login_as("coordinator")
    client.post(f"/en/plans/{plan_id}/review")
    assert client.post(f"/en/plans/{plan_id}/approve").status_code == 302
    history = client.get(f"/en/plans/{plan_id}/history?a=1&b=2").get_data(as_text=True)
    assert "Revision 2" in history and "approved" in history
    assert "Approved" in client.get("/en/municipalities/khirdalan").get_data(as_text=True)
    figures = client.get("/en/figures/export.csv").get_data(as_text=True)
    assert "plans_submitted,total,1" in figures and "plans_approved,total,1" in figures


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


@pytest.mark.parametrize("role", ["staff", "focal_point"])
def test_municipal_roles_cannot_review(app, client, khirdalan_plan, login_as, role):
    plan_id = khirdalan_plan["id"]
    login_as(role, municipality_id=khirdalan_plan["municipality_id"])
    for url in ("/en/plans/queue", "/en/plans/queue.csv", "/en/plans/cycles"):
        assert client.get(url).status_code == 403
    for url in (f"/en/plans/{plan_id}/review", f"/en/plans/{plan_id}/approve",
                f"/en/plans/{plan_id}/request-changes"):
        assert client.post(url, data={"note": "x"}).status_code == 403


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
    assert "İkinci redaktorun mətni" in page
    with app.app_context():
        stored = db.session.get(Plan, plan_id).content["drivers"]["drivers_of_change"]
        assert stored == "Birinci redaktor"


def test_bad_numbers_keep_what_was_typed(app, client, khirdalan_plan):
    plan_id = khirdalan_plan["id"]
    log_in(client, khirdalan_plan["focal"].email)
    data = block_form(_template(app), "diagnostic", version=1)
    data["f-population"] = "twelve thousand"
    response = client.post(f"/en/plans/{plan_id}/blocks/diagnostic", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "is not a number" in page and 'value="twelve thousand"' in page


def test_autosave_answers_json(app, client, khirdalan_plan):
    plan_id = khirdalan_plan["id"]
    log_in(client, khirdalan_plan["focal"].email)
    data = block_form(_template(app), "engagement", version=1)
    response = client.post(f"/en/plans/{plan_id}/blocks/engagement", data=data,
                           headers={"X-Autosave": "1"})
    assert response.get_json() == {"ok": True, "version": 2}
    stale = client.post(f"/en/plans/{plan_id}/blocks/engagement", data=data,
                        headers={"X-Autosave": "1"})
    assert stale.status_code == 409 and stale.get_json()["conflict"] is True


def test_script_in_text_is_sanitised(app, client, khirdalan_plan):
    plan_id = khirdalan_plan["id"]
    log_in(client, khirdalan_plan["focal"].email)
    data = block_form(_template(app), "vision", version=1,
                      text="**Vizyon** <script>alert(1)</script><img src=x onerror=alert(1)>")
    client.post(f"/en/plans/{plan_id}/blocks/vision", data=data)
    page = client.get(f"/en/plans/{plan_id}").get_data(as_text=True)
    assert "<strong>Vizyon</strong>" in page  # Markdown is rendered…
    assert "<script>alert(1)" not in page and "<img src=x" not in page  # …markup never runs
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # table cells show it as text


def test_pdf_and_print_in_azerbaijani(app, client, khirdalan_plan):
    plan_id = khirdalan_plan["id"]
    log_in(client, khirdalan_plan["focal"].email)
    data = block_form(_template(app), "diagnostic", version=1,
                      text="Şəkidə gənclər üçün iş yerləri azdır; ağ ipək istehsalı.")
    client.post(f"/az/plans/{plan_id}/blocks/diagnostic", data=data)
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
    assert "Khirdalan City Municipality,2025–2027,draft" in csv


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
    assert client.get(f"/en/plans/{khirdalan_plan['id']}/blocks/nope").status_code in (404,)


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
