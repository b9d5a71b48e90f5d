"""Accepted monitoring reports are public with their plan: on the plan's public page and in
/api/v1/plans, never a draft, submitted, in-review or returned report, never a person, a
comment, a reviewer's note or an action's note. A coordinator withholds one accepted report
(the reason kept and audited) and releases it; withholding the plan hides its reports."""

from datetime import date

import pytest
from flask_babel import force_locale
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from m4eg.accounts.services import get_user
from m4eg.core.audit import AuditEvent
from m4eg.extensions import db
from m4eg.plans import openplans, services
from m4eg.plans.models import Cycle, Plan, Withholding
from m4eg.plans.monitoring_models import MonitoringReport
from tests.conftest import log_in as _log_in
from tests.plans.monitoring_support import approve_plan, report_form

COMMENT = "Reviewer thread on the targets, never public"
RETURN_NOTE = "Reviewer asks for the register extract, never public"
ACTION_NOTE = "Working note for the reviewers, never public"
NARRATIVES = {"accepted-2025": "Guesthouses opened in the old town.",
              "accepted-2024": "The grant scheme was designed.",
              "submitted": "Submitted narrative, never public yet.",
              "in_review": "In-review narrative, never public yet.",
              "returned": "Returned narrative, never public yet.",
              "draft": "Draft narrative, never public yet."}


def log_in(client, user):
    client.post("/en/accounts/logout")
    assert _log_in(client, user.email).status_code == 302


def _round(cycle, year):
    return services.save_round(cycle, name=str(year), starts_on=date(year, 1, 1),
                               ends_on=date(year, 12, 31), deadline=date(year + 1, 2, 28))


def _report(plan, cycle, year, focal, coordinator, stage):
    """A report of ``year`` taken as far as ``stage`` (draft … accepted)."""
    report = services.start_report(plan, _round(cycle, year), focal)
    data = report_form(report.version, narrative=NARRATIVES[
        f"accepted-{year}" if stage == "accepted" else stage],
        actuals=((str(60 + year % 100), f"{year}-11-30"), ("250", f"{year}-10-15")))
    data["a-0-note"] = ACTION_NOTE
    services.save_report(report, data, focal, version=report.version, lang="en")
    if stage == "draft":
        return report
    services.submit_report(report, focal)
    if stage == "submitted":
        return report
    services.start_report_review(report, coordinator)
    services.add_report_comment(report, "targets", COMMENT, coordinator)
    if stage == "returned":
        services.return_report(report, coordinator, RETURN_NOTE)
    elif stage == "accepted":
        services.accept_report(report, coordinator)
    return report


@pytest.fixture
def monitored(app, make_plan, make_user, member_id):
    """Khirdalan's approved plan with reports at every stage: 2024 and 2025 accepted, 2026
    submitted, 2027 in review, 2028 returned, 2029 a draft; Urva's plan a draft."""
    focal = make_user(role="focal_point", municipality_id=member_id("khirdalan"),
                      name="Leyla Hacıyeva", email="leyla@example.org")
    coordinator = make_user(role="coordinator", name="Ramiz Əliyev", email="ramiz@example.org")
    plan_id = make_plan("khirdalan", by=focal)
    draft_plan = make_plan("urva", by=make_user(role="focal_point",
                                                municipality_id=member_id("urva")))
    with app.app_context(), force_locale("en"):
        plan = db.session.get(Plan, plan_id)
        who, by = get_user(focal.id), get_user(coordinator.id)
        approve_plan(plan, who, by)
        cycle = db.session.get(Cycle, plan.cycle_id)
        reports = {}
        for year, stage in ((2024, "accepted"), (2025, "accepted"), (2026, "submitted"),
                            (2027, "in_review"), (2028, "returned"), (2029, "draft")):
            key = f"accepted-{year}" if stage == "accepted" else stage
            reports[key] = _report(plan, cycle, year, who, by, stage).id
        db.session.commit()
    return {"plan": plan_id, "draft_plan": draft_plan, "focal": focal,
            "coordinator": coordinator, "reports": reports}


PERSONAL = ("Leyla Hacıyeva", "leyla@example.org", "Ramiz Əliyev", "ramiz@example.org",
            COMMENT, RETURN_NOTE, ACTION_NOTE)
NOT_PUBLIC = tuple(NARRATIVES[k] for k in ("submitted", "in_review", "returned", "draft"))


def _page(client, plan_id, lang="en"):
    response = client.get(f"/{lang}/municipalities/khirdalan/plans/{plan_id}")
    return response.status_code, response.get_data(as_text=True)


def test_the_public_page_shows_the_accepted_reports_and_nothing_personal(client, monitored):
    status, page = _page(client, monitored["plan"])
    assert status == 200
    assert "Monitoring report 2025" in page and "Monitoring report 2024" in page
    assert page.index("Monitoring report 2025") < page.index("Monitoring report 2024")
    assert NARRATIVES["accepted-2025"] in page and NARRATIVES["accepted-2024"] in page
    for secret in (*PERSONAL, *NOT_PUBLIC, "Monitoring report 2026", "Monitoring report 2029"):
        assert secret not in page, secret
    # Per report: the period, the targets as SVG and in a table, the actions' status,
    # share done and money spent by source against the planned.
    assert "January 1, 2025 – December 31, 2025" in page
    assert page.count('class="target-progress"') == 4  # two targets × two reports
    assert 'id="tp-{}-0-t"'.format(monitored["reports"]["accepted-2025"]) in page
    assert "Beds in registered guesthouses" in page and "November 30, 2025" in page
    assert "Completed" in page and "100 %" in page and "40 %" in page
    assert "Donor: AZN380,000.00 spent of AZN400,000.00" in page.replace("\xa0", "")
    assert "What was learnt" in page and "Start early." in page
    # The plan's own action statuses are said to be those it was approved with, with a link
    # to the latest report's (the visitor would otherwise read "Planned" for a done action).
    latest = monitored["reports"]["accepted-2025"]
    assert "The statuses above are those of the plan as approved." in page
    assert f'<a href="#report-{latest}">Monitoring report 2025</a>' in page
    assert f'id="report-{latest}"' in page
    az_status, az_page = _page(client, monitored["plan"], "az")
    assert az_status == 200 and NARRATIVES["accepted-2025"] in az_page
    assert "Yuxarıdakı statuslar planın təsdiq edildiyi vaxta aiddir." in az_page
    for secret in PERSONAL:
        assert secret not in az_page


def test_a_plan_without_an_accepted_report_says_so(app, client, make_plan, make_user,
                                                   member_id):
    focal = make_user(role="focal_point", municipality_id=member_id("khirdalan"))
    plan_id = make_plan("khirdalan", by=focal)
    with app.app_context(), force_locale("en"):
        approve_plan(db.session.get(Plan, plan_id), get_user(focal.id),
                     get_user(make_user(role="coordinator").id))
        db.session.commit()
    status, page = _page(client, plan_id)
    assert status == 200 and "No accepted monitoring report yet." in page
    assert "Monitoring report" not in page.split('id="monitoring"')[0]  # nothing to point to
    item = client.get("/api/v1/plans").get_json()["items"][0]
    assert item["monitoring"] == {"accepted_reports": 0, "latest": None}
    assert client.get(f"/api/v1/plans/{plan_id}").get_json()["monitoring_reports"] == []


def test_the_api_gives_the_accepted_reports_without_personal_data(client, monitored):
    detail = client.get(f"/api/v1/plans/{monitored['plan']}")
    data = detail.get_json()
    assert detail.status_code == 200
    reports = data["monitoring_reports"]
    assert [r["round"]["name"] for r in reports] == ["2025", "2024"]
    latest = reports[0]
    assert latest["id"] == monitored["reports"]["accepted-2025"]
    assert latest["round"] == {"name": "2025", "starts_on": "2025-01-01",
                               "ends_on": "2025-12-31"}
    assert latest["accepted_on"] and latest["demo"] is False
    grants, drains = latest["actions"]
    assert grants["action"] == "Guesthouse grants" and grants["status"] == "completed"
    assert grants["done_pct"] == 100
    assert grants["budget"] == [{"source": "donor", "planned": 400000, "spent": 380000}]
    assert {b["source"]: b["spent"] for b in drains["budget"]} == {
        "municipal_budget": 10000, "central_government": 60000}
    beds = latest["targets"][0]
    assert beds["indicator"] == "Beds in registered guesthouses"
    assert (beds["baseline"], beds["actual"], beds["target_value"]) == (40, 85, 120)
    assert beds["date"] == "2025-11-30" and beds["share_of_way"] == 56
    assert latest["narrative"]["changed"] == NARRATIVES["accepted-2025"]
    assert latest["spent_total"] == 450000
    assert "note" not in grants
    listing = client.get("/api/v1/plans")
    item = listing.get_json()["items"][0]
    assert item["monitoring"]["accepted_reports"] == 2
    assert item["monitoring"]["latest"]["round"] == "2025"
    assert "monitoring_reports" not in item
    raw = detail.get_data(as_text=True) + listing.get_data(as_text=True)
    for secret in (*PERSONAL, *NOT_PUBLIC):
        assert secret not in raw, secret
    for stage in ("submitted", "in_review", "returned", "draft"):
        assert f'"id": {monitored["reports"][stage]},' not in raw.replace('"id":', '"id": ')


def test_the_monitored_filter_on_the_list_and_in_the_api(app, client, monitored, make_plan,
                                                         make_user, member_id):
    focal = make_user(role="focal_point", municipality_id=member_id("sheki-city"))
    unmonitored = make_plan("sheki-city", by=focal)
    with app.app_context(), force_locale("en"):
        approve_plan(db.session.get(Plan, unmonitored), get_user(focal.id),
                     get_user(monitored["coordinator"].id))
        db.session.commit()

    def ids(query):
        return [p["id"] for p in client.get(f"/api/v1/plans?{query}").get_json()["items"]]

    assert ids("monitored=yes") == [monitored["plan"]]
    assert ids("monitored=no") == [unmonitored]
    assert len(ids("")) == 2
    refused = client.get("/api/v1/plans?monitored=maybe")
    assert refused.status_code == 400 and refused.get_json()["field"] == "monitored"
    listing = client.get("/en/plans/open").get_data(as_text=True)
    assert "Monitored" in listing and "Yes: 2025" in listing and "Not yet" in listing
    only = client.get("/en/plans/open?monitored=yes").get_data(as_text=True)
    assert "Khirdalan" in only and "Sheki City" not in only
    assert "Sheki City" in client.get("/en/plans/open?monitored=no").get_data(as_text=True)


def test_a_coordinator_withholds_one_report_and_releases_it(app, client, monitored):
    report_id = monitored["reports"]["accepted-2025"]
    reason = "The figures name a resident's guesthouse."
    log_in(client, monitored["coordinator"])
    page = client.get(f"/en/plans/monitoring/{report_id}").get_data(as_text=True)
    assert "Withhold this report from the public pages" in page
    refused = client.post(f"/en/plans/monitoring/{report_id}/withhold", data={"reason": " "})
    assert refused.status_code == 400
    # Shown in the public-page panel, whose fragment the form's address carries.
    panel = refused.get_data(as_text=True).split('id="report-public-heading"', 1)[1]
    assert "This field is required." in panel.split("</form>", 1)[0]
    assert f"/en/plans/monitoring/{report_id}/withhold#report-public-heading" in panel
    done = client.post(f"/en/plans/monitoring/{report_id}/withhold", data={"reason": reason})
    assert done.status_code == 302 and done.location.endswith("#report-public-heading")
    shown = client.get(done.location).get_data(as_text=True).split(
        'id="report-public-heading"', 1)[1]
    assert "The monitoring report is withheld from the public pages." in shown
    again = client.post(f"/en/plans/monitoring/{report_id}/withhold",
                        data={"reason": "Twice"}, follow_redirects=True)
    assert "already withheld" in again.get_data(as_text=True)
    page = client.get(f"/en/plans/monitoring/{report_id}").get_data(as_text=True)
    assert "Make it public again" in page and "a resident&#39;s guesthouse" in page
    client.post("/en/accounts/logout")

    status, public = _page(client, monitored["plan"])  # the plan stays public
    assert status == 200 and "Monitoring report 2024" in public
    assert "Monitoring report 2025" not in public and NARRATIVES["accepted-2025"] not in public
    assert reason not in public and "guesthouse." not in public
    data = client.get(f"/api/v1/plans/{monitored['plan']}").get_json()
    assert [r["round"]["name"] for r in data["monitoring_reports"]] == ["2024"]
    assert data["monitoring"]["latest"]["round"] == "2024"
    assert reason not in client.get("/api/v1/plans").get_data(as_text=True)

    log_in(client, monitored["coordinator"])
    assert client.post(f"/en/plans/monitoring/{report_id}/publish").status_code == 302
    client.post("/en/accounts/logout")
    assert "Monitoring report 2025" in _page(client, monitored["plan"])[1]
    with app.app_context():
        decision = db.session.scalar(select(Withholding))
        assert (decision.report_id, decision.plan_id, decision.reason) == (
            report_id, monitored["plan"], reason)
        assert decision.released_at is not None  # kept on record
        assert openplans.current_withholding(db.session.get(Plan, monitored["plan"])) is None
        events = {e.action: e for e in db.session.scalars(select(AuditEvent))}
        assert events["plans.report_withheld"].target_type == "MonitoringReport"
        assert events["plans.report_withheld"].target_id == report_id
        assert events["plans.report_withheld"].after["reason"] == reason
        assert "plans.report_published" in events


def test_only_an_accepted_report_can_be_withheld(app, client, monitored, login_as):
    login_as("coordinator")
    for stage in ("submitted", "in_review", "returned", "draft"):
        response = client.post(f"/en/plans/monitoring/{monitored['reports'][stage]}/withhold",
                               data={"reason": "Not yet"}, follow_redirects=True)
        assert "only an accepted report can be withheld" in response.get_data(as_text=True)
    response = client.post(f"/en/plans/monitoring/{monitored['reports']['draft']}/publish",
                           follow_redirects=True)
    assert "This monitoring report is not withheld." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Withholding)) is None


def test_withholding_the_plan_hides_its_reports(app, client, monitored):
    log_in(client, monitored["coordinator"])
    assert client.post(f"/en/plans/{monitored['plan']}/withhold",
                       data={"reason": "Under revision."}).status_code == 302
    page = client.get(f"/en/plans/monitoring/{monitored['reports']['accepted-2025']}"
                      ).get_data(as_text=True)
    assert "so neither is this report" in page
    client.post("/en/accounts/logout")
    assert _page(client, monitored["plan"])[0] == 404
    assert client.get(f"/api/v1/plans/{monitored['plan']}").status_code == 404
    assert client.get("/api/v1/plans?monitored=yes").get_json()["total"] == 0
    with app.app_context():
        plan = db.session.get(Plan, monitored["plan"])
        assert openplans.public_reports(plan) == []


def test_bad_ids_are_not_found(client, monitored, login_as):
    login_as("coordinator")
    for url in ("/en/plans/monitoring/999999/withhold", "/en/plans/monitoring/999999/publish"):
        assert client.post(url, data={"reason": "x"}).status_code == 404
    assert client.get("/api/v1/plans/999999").status_code == 404
    assert client.get(f"/api/v1/plans/{monitored['draft_plan']}").status_code == 404
    assert client.get("/en/municipalities/khirdalan/plans/999999").status_code == 404


def test_the_migration_adds_and_removes_the_report_reference(app_ctx):
    """0019 (on SQLite and on PostgreSQL): up adds the nullable report column; down drops it
    and the report decisions with it, the plan decisions stay."""
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(revision="0013")
    assert "report_id" not in {c["name"] for c in inspect(db.engine).get_columns(
        "plan_withholdings")}
    upgrade(revision="0019")
    columns = {c["name"]: c for c in inspect(db.engine).get_columns("plan_withholdings")}
    assert columns["report_id"]["nullable"]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two bare decisions, without the plan and report rows they name (the migration
            # only reads this table): PostgreSQL checks the foreign keys unless the session
            # replicates (CI's test user is the superuser postgres).
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(
            "INSERT INTO plan_withholdings (id, plan_id, report_id, reason, withheld_at) "
            "VALUES (1, 1, NULL, 'plan', '2025-01-01'), (2, 1, 1, 'report', '2025-01-01')"))
    downgrade(revision="0013")
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT reason FROM plan_withholdings")).scalars(
            ).all() == ["plan"]
    assert "report_id" not in {c["name"] for c in inspect(db.engine).get_columns(
        "plan_withholdings")}
    upgrade()


def test_the_openapi_document_describes_every_key_of_the_plan_and_its_reports(client,
                                                                             monitored):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    plan = client.get(f"/api/v1/plans/{monitored['plan']}").get_json()
    assert set(plan) == set(schemas["Plan"]["properties"])
    report_schema = schemas["MonitoringReport"]["properties"]
    report = plan["monitoring_reports"][0]
    assert set(report) == set(report_schema)
    assert set(report["actions"][0]) == set(report_schema["actions"]["items"]["properties"])
    assert set(report["targets"][0]) == set(report_schema["targets"]["items"]["properties"])
    assert set(plan["monitoring"]) == set(
        schemas["Plan"]["properties"]["monitoring"]["properties"])
    statuses = report_schema["actions"]["items"]["properties"]["status"]["enum"]
    assert {a["status"] for r in plan["monitoring_reports"] for a in r["actions"]} <= \
        set(statuses)
    listing = document["paths"]["/api/v1/plans"]["get"]["parameters"]
    assert {"name": "monitored", "in": "query", "schema": {"enum": ["yes", "no"]}}.items() <= \
        next(p for p in listing if p["name"] == "monitored").items()


def test_the_request_page_of_a_handed_in_report_says_why_instead_of_the_form(app, client,
                                                                               monitored):
    log_in(client, monitored["focal"])
    with app.app_context():
        accepted = db.session.get(MonitoringReport, monitored["reports"]["accepted-2025"])
        handed_in_round, plan_id = accepted.round_id, accepted.plan_id
        draft = db.session.get(MonitoringReport, monitored["reports"]["draft"])
        open_round = draft.round_id
    response = client.get(f"/en/plans/{plan_id}/rounds/{handed_in_round}/extension")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "has already been submitted: its deadline no longer applies." in page
    assert 'name="reason"' not in page and "Send the request" not in page
    assert 'name="reason"' in client.get(
        f"/en/plans/{plan_id}/rounds/{open_round}/extension").get_data(as_text=True)
    # The same rule refuses the POST.
    refused = client.post(f"/en/plans/{plan_id}/rounds/{handed_in_round}/extension",
                          data={"reason": "Late."})
    assert refused.status_code == 400
    assert "has already been submitted" in refused.get_data(as_text=True)
