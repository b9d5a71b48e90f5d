"""Monitoring reports: the cycle per role over the services and over HTTP, the refusals of
bad input (a plan not approved, a target or action not in the plan, another municipality),
and what the plan page shows of the progress."""

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from m4eg.accounts.services import get_user
from m4eg.extensions import db
from m4eg.plans import services
from m4eg.plans.models import Comment, Plan, PlanEvent
from m4eg.plans.monitoring_models import MonitoringReport, MonitoringRevision
from tests.conftest import log_in as _log_in
from tests.plans.monitoring_support import approve_plan, make_round, report_form


def log_in(client, user):
    client.post("/en/accounts/logout")
    assert _log_in(client, user.email).status_code == 302


@pytest.fixture
def approved(app, make_plan, make_user, member_id):
    """Khirdalan's approved plan, a 2025 round, Khirdalan's focal point, Urva's focal point
    and a coordinator (users as made by make_user, with their passwords)."""
    focal = make_user(role="focal_point", municipality_id=member_id("khirdalan"))
    other = make_user(role="focal_point", municipality_id=member_id("urva"))
    coordinator = make_user(role="coordinator")
    plan_id = make_plan("khirdalan", by=focal)
    with app.app_context(), force_locale("en"):
        plan = db.session.get(Plan, plan_id)
        approve_plan(plan, get_user(focal.id), get_user(coordinator.id))
        round_id = make_round().id
        db.session.commit()
    return {"plan": plan_id, "round": round_id, "focal": focal, "other": other,
            "coordinator": coordinator}


def _report_count():
    return db.session.scalar(select(func.count()).select_from(MonitoringReport))


# ---------------------------------------------------------------- services


def test_the_monitoring_cycle_freezes_revisions_and_keeps_a_history(app, approved, outbox):
    with app.app_context(), force_locale("en"):
        plan = db.session.get(Plan, approved["plan"])
        focal, coordinator = get_user(approved["focal"].id), get_user(approved["coordinator"].id)
        report = services.start_report(plan, services.get_round(approved["round"]), focal)
        assert services.report_missing(report)  # nothing filled in yet
        with pytest.raises(services.PlanError, match="required fields are empty"):
            services.submit_report(report, focal)
        services.save_report(report, report_form(report.version), focal,
                             version=report.version, lang="en")
        services.submit_report(report, focal)
        services.start_report_review(report, coordinator)
        services.add_report_comment(report, "targets", "Where does 75 come from?", coordinator)
        services.return_report(report, coordinator, "Give the source of the bed count.")
        assert services.return_note(report).note == "Give the source of the bed count."
        data = report_form(report.version, narrative="Guesthouses opened (register, 2025).")
        services.save_report(report, data, focal, version=report.version, lang="en")
        services.submit_report(report, focal)
        services.start_report_review(report, coordinator)
        services.accept_report(report, coordinator)
        db.session.commit()

        assert report.status == services.ReportStatus.ACCEPTED and report.accepted_at
        revisions = services.report_revisions(report)
        assert [r.number for r in revisions] == [1, 2]
        assert revisions[0].content["narrative"]["changed"] == \
            "Guesthouses opened in the old town."  # frozen as first submitted
        actions = [e["action"] for e in services.report_history(report)]
        assert actions[0] == "started the monitoring report"
        assert "returned the monitoring report for changes" in actions
        assert actions[-1] == "accepted the monitoring report"
        # The plan's own history, comments and steps do not mix in the report's.
        assert all("monitoring" not in e["action"] for e in services.history(plan, "en"))
        assert services.comments(plan) == {}
        assert plan.status == services.PlanStatus.APPROVED
    subjects = [m["Subject"] for m in outbox.wait_for(4)]
    # Each in its recipient's language (the test users read Azerbaijani).
    assert any(s.startswith(("Monitorinq hesabatı", "Monitoring report")) for s in subjects)


def test_a_plan_that_is_not_approved_has_no_monitoring_report(app, make_plan, make_user,
                                                              member_id):
    focal = make_user(role="focal_point", municipality_id=member_id("urva"))
    plan_id = make_plan("urva", by=focal)
    with app.app_context(), force_locale("en"):
        plan = db.session.get(Plan, plan_id)
        round_ = make_round()
        with pytest.raises(services.PlanError, match="Only an approved plan"):
            services.start_report(plan, round_, get_user(focal.id))
        db.session.rollback()
        assert _report_count() == 0


def test_actuals_for_a_target_not_in_the_plan_are_refused_and_nothing_is_written(app,
                                                                                 approved):
    with app.app_context(), force_locale("en"):
        plan = db.session.get(Plan, approved["plan"])
        focal = get_user(approved["focal"].id)
        report = services.start_report(plan, services.get_round(approved["round"]), focal)
        db.session.commit()
        data = {**report_form(report.version), "t-7-actual": "5", "t-7-date": "2025-05-01"}
        with pytest.raises(services.PlanError, match="target that is not in the plan"):
            services.save_report(report, data, focal, version=report.version, lang="en")
        data = {**report_form(report.version), "a-0-spent-private": "5"}
        with pytest.raises(services.PlanError, match="funding source that this action"):
            services.save_report(report, data, focal, version=report.version, lang="en")
        db.session.rollback()
        assert db.session.get(MonitoringReport, report.id).content == {}


def test_a_postponed_or_cancelled_action_needs_a_reason(app, approved):
    with app.app_context(), force_locale("en"):
        plan = db.session.get(Plan, approved["plan"])
        focal = get_user(approved["focal"].id)
        report = services.start_report(plan, services.get_round(approved["round"]), focal)
        data = report_form(report.version, statuses=("postponed", "cancelled"))
        with pytest.raises(services.PlanError) as refused:
            services.save_report(report, data, focal, version=report.version, lang="en")
        assert set(refused.value.problems) == {"a-0-reason", "a-1-reason"}
        data["a-0-reason"], data["a-1-reason"] = "Waiting for the grant.", "Merged."
        services.save_report(report, data, focal, version=report.version, lang="en")


def test_two_saves_of_the_same_version_cannot_both_win(app, approved):
    with app.app_context(), force_locale("en"):
        plan = db.session.get(Plan, approved["plan"])
        focal = get_user(approved["focal"].id)
        report = services.start_report(plan, services.get_round(approved["round"]), focal)
        seen = report.version
        services.save_report(report, report_form(seen), focal, version=seen, lang="en")
        with pytest.raises(services.PlanConflict):
            services.save_report(report, report_form(seen, narrative="Mine"), focal,
                                 version=seen, lang="en")


def test_a_round_needs_a_period_that_ends_after_it_starts(app, plan_setup):
    with app.app_context(), force_locale("en"):
        cycle = services.get_cycle(plan_setup["cycle_id"])
        with pytest.raises(services.PlanError, match="cannot end before"):
            services.save_round(cycle, name="2025", starts_on=date(2025, 6, 1),
                                ends_on=date(2025, 1, 1), deadline=date(2026, 1, 1))


# ---------------------------------------------------------------- HTTP, per role


def _start(client, approved):
    response = client.post(f"/en/plans/{approved['plan']}/monitoring",
                           data={"round_id": approved["round"]})
    assert response.status_code == 302
    with client.application.app_context():
        return db.session.scalar(select(MonitoringReport.id))


def test_the_monitoring_cycle_over_http_in_azerbaijani(app, client, approved):
    log_in(client, approved["focal"])
    page = client.get(f"/az/plans/{approved['plan']}").get_data(as_text=True)
    assert "Monitorinq" in page and "Monitorinq hesabatına başlayın" in page
    report_id = _start(client, approved)
    form = client.get(f"/az/plans/monitoring/{report_id}/edit").get_data(as_text=True)
    assert "Guesthouse grants" in form and 'name="t-1-actual"' in form
    # 380.000 on an Azerbaijani page is three hundred and eighty thousand.
    data = report_form(1, spent={"a-0-spent-donor": "380.000",
                                 "a-1-spent-municipal_budget": "10.000",
                                 "a-1-spent-central_government": "60.000,50"})
    assert client.post(f"/az/plans/monitoring/{report_id}/edit", data=data).status_code == 302
    with app.app_context():
        spent = db.session.get(MonitoringReport, report_id).content["actions"][1]["spent"]
        assert spent == {"municipal_budget": 10000, "central_government": 60000.5}
        assert db.session.get(MonitoringReport, report_id).content["actions"][0]["spent"] == \
            {"donor": 380000}
    shown = client.get(f"/az/plans/monitoring/{report_id}/edit").get_data(as_text=True)
    assert 'value="380.000"' in shown  # shown back as the page's language writes it
    assert client.post(f"/az/plans/monitoring/{report_id}/submit").status_code == 302
    log_in(client, approved["coordinator"])
    assert client.post(f"/az/plans/monitoring/{report_id}/review").status_code == 302
    assert client.post(f"/az/plans/monitoring/{report_id}/accept").status_code == 302
    page = client.get(f"/az/plans/{approved['plan']}").get_data(as_text=True)
    assert "Hədəflərə doğru irəliləyiş" in page
    assert "<svg" in page and "<title" in page and "<desc" in page
    assert "Başa çatıb" in page  # the first action's latest status
    assert "380.000,00" in page  # spent from the donor


def test_dates_typed_as_an_officer_writes_them_are_read(app, client, approved):
    """A browser without a date picker shows a text box: 30.11.2025 and «15 oktyabr 2025»
    are the days they say; a date that does not exist is refused, in Azerbaijani, with what
    was typed kept."""
    log_in(client, approved["focal"])
    report_id = _start(client, approved)
    data = report_form(1, actuals=(("75", "30.11.2025"), ("220", "15 oktyabr 2025")))
    assert client.post(f"/az/plans/monitoring/{report_id}/edit", data=data).status_code == 302
    with app.app_context():
        targets = db.session.get(MonitoringReport, report_id).content["targets"]
        assert [t["date"] for t in targets] == ["2025-11-30", "2025-10-15"]
    data = report_form(2, actuals=(("75", "31.11.2025"), ("220", "2025-10-15")))
    response = client.post(f"/az/plans/monitoring/{report_id}/edit", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "«31.11.2025» tarix deyil" in page and "GG.AA.İİİİ" in page
    assert 'value="31.11.2025"' in page


def test_a_bad_number_is_shown_again_with_the_reason_and_nothing_is_saved(app, client,
                                                                          approved):
    log_in(client, approved["focal"])
    report_id = _start(client, approved)
    data = report_form(1, done=("120", "40"))
    data["t-0-actual"] = "75,5.3"
    response = client.post(f"/en/plans/monitoring/{report_id}/edit", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="p-a-0-done"' in page and 'id="p-t-0-actual"' in page
    assert 'value="75,5.3"' in page  # what was typed, kept
    with app.app_context():
        assert db.session.get(MonitoringReport, report_id).content == {}


def test_a_target_not_in_the_plan_is_a_translated_refusal_over_http(app, client, approved):
    log_in(client, approved["focal"])
    report_id = _start(client, approved)
    data = {**report_form(1), "t-9-actual": "1", "t-9-date": "2025-03-01"}
    response = client.post(f"/az/plans/monitoring/{report_id}/edit", data=data)
    assert response.status_code == 400
    assert "Forma planda olmayan hədəfi göstərir" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(MonitoringReport, report_id).content == {}


def test_a_blocking_check_stops_the_submission_and_links_to_the_field(app, client, approved):
    log_in(client, approved["focal"])
    report_id = _start(client, approved)
    data = report_form(1, done=("80", "40"), actuals=(("75", "2024-12-31"),
                                                        ("220", "2025-10-15")))
    assert client.post(f"/en/plans/monitoring/{report_id}/edit", data=data).status_code == 302
    page = client.get(f"/en/plans/monitoring/{report_id}").get_data(as_text=True)
    assert "Must be corrected before submission" in page
    assert f"/en/plans/monitoring/{report_id}/edit#a-0-done" in page
    assert f"/en/plans/monitoring/{report_id}/edit#t-0-date" in page
    assert "Submit the monitoring report</a>" not in page
    response = client.post(f"/en/plans/monitoring/{report_id}/submit")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(MonitoringReport, report_id).status == "draft"
        assert db.session.scalar(select(func.count()).select_from(MonitoringRevision)) == 0


def test_another_municipality_can_neither_start_read_nor_write_a_report(app, client,
                                                                        approved):
    log_in(client, approved["focal"])
    report_id = _start(client, approved)
    client.post(f"/en/plans/monitoring/{report_id}/comments",
                data={"block": "narrative", "body": "Private remark."})
    log_in(client, approved["other"])
    assert client.post(f"/en/plans/{approved['plan']}/monitoring",
                       data={"round_id": approved["round"]}).status_code == 403
    for method, path in (("get", ""), ("get", "/edit"), ("post", "/edit"), ("get", "/history"),
                         ("post", "/submit"), ("post", "/comments")):
        response = getattr(client, method)(f"/en/plans/monitoring/{report_id}{path}",
                                           data=report_form(1) if method == "post" else None)
        assert response.status_code == 403, path
        assert "Private remark." not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(MonitoringReport, report_id).content == {}
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 1


def test_a_focal_point_cannot_review_and_a_coordinator_cannot_fill_in(app, client, approved):
    log_in(client, approved["focal"])
    report_id = _start(client, approved)
    client.post(f"/en/plans/monitoring/{report_id}/edit", data=report_form(1))
    client.post(f"/en/plans/monitoring/{report_id}/submit")
    for path in ("/review", "/accept", "/return"):
        assert client.post(f"/en/plans/monitoring/{report_id}{path}",
                           data={"note": "x"}).status_code == 403
    assert client.get("/en/plans/rounds").status_code == 403
    log_in(client, approved["coordinator"])
    assert client.get(f"/en/plans/monitoring/{report_id}/edit").status_code == 403
    assert client.get(f"/en/plans/monitoring/{report_id}").status_code == 200
    with app.app_context():
        events = db.session.scalar(select(func.count()).select_from(PlanEvent).where(
            PlanEvent.report_id == report_id))
        assert events == 3  # started, saved, submitted


def test_coordinators_set_rounds_and_a_bad_period_is_refused(app, client, approved):
    log_in(client, approved["coordinator"])
    with app.app_context():
        cycle_id = db.session.get(Plan, approved["plan"]).cycle_id
    data = {"cycle_id": cycle_id, "name": "2026", "starts_on": "2026-12-31",
            "ends_on": "2026-01-01", "deadline": "2027-02-28"}
    response = client.post("/az/plans/rounds", data=data)
    assert response.status_code == 200 and "Dövr başlamazdan əvvəl bitə bilməz" in \
        response.get_data(as_text=True)
    data.update(starts_on="2026-01-01", ends_on="2026-12-31")
    assert client.post("/az/plans/rounds", data=data).status_code == 302
    assert "2026" in client.get("/az/plans/rounds").get_data(as_text=True)


def test_coordinators_find_the_reports_waiting_for_review_first(app, client, approved):
    log_in(client, approved["focal"])
    report_id = _start(client, approved)
    client.post(f"/en/plans/monitoring/{report_id}/edit", data=report_form(1))
    client.post(f"/en/plans/monitoring/{report_id}/submit")
    log_in(client, approved["coordinator"])
    assert "/en/plans/rounds" in client.get("/en/plans/queue").get_data(as_text=True)
    page = client.get("/en/plans/rounds").get_data(as_text=True)
    listed = page.split("<h2>Monitoring reports</h2>", 1)[1]
    assert f"/en/plans/monitoring/{report_id}" in listed and "Submitted" in listed
    # Once submitted, the form is closed: its address opens the report's page.
    log_in(client, approved["focal"])
    response = client.get(f"/en/plans/monitoring/{report_id}/edit")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/en/plans/monitoring/{report_id}")


def test_the_history_compares_revisions_and_a_stale_save_shows_both_versions(app, client,
                                                                              approved):
    log_in(client, approved["focal"])
    report_id = _start(client, approved)
    client.post(f"/en/plans/monitoring/{report_id}/edit", data=report_form(1))
    client.post(f"/en/plans/monitoring/{report_id}/submit")
    log_in(client, approved["coordinator"])
    client.post(f"/en/plans/monitoring/{report_id}/review")
    client.post(f"/en/plans/monitoring/{report_id}/return", data={"note": "Source?"})
    log_in(client, approved["focal"])
    with app.app_context():
        version = db.session.get(MonitoringReport, report_id).version
    data = report_form(version, narrative="Guesthouses opened (tourism register).")
    assert client.post(f"/en/plans/monitoring/{report_id}/edit", data=data).status_code == 302
    client.post(f"/en/plans/monitoring/{report_id}/submit")
    page = client.get(f"/en/plans/monitoring/{report_id}/history").get_data(as_text=True)
    assert "Revision 2" in page
    assert "− " in page and "+ " in page and "Guesthouses opened (tourism register)." in page

    # A save on a version someone else saved after: 409, both versions side by side.
    log_in(client, approved["coordinator"])
    client.post(f"/en/plans/monitoring/{report_id}/review")
    client.post(f"/en/plans/monitoring/{report_id}/return", data={"note": "Again."})
    log_in(client, approved["focal"])
    stale = report_form(version, narrative="My older text.")
    response = client.post(f"/en/plans/monitoring/{report_id}/edit", data=stale)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Two versions of this report" in page and "My older text." in page
    assert "Guesthouses opened (tourism register)." in page


def test_a_report_comment_is_confirmed_and_an_empty_one_refused_at_its_form(app, client,
                                                                            approved):
    log_in(client, approved["focal"])
    report_id = _start(client, approved)
    refused = client.post(f"/en/plans/monitoring/{report_id}/comments",
                          data={"block": "narrative", "body": "  "})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    # The form's address carries the section's fragment, so the page opens at the form,
    # the error is inside that form and the box has the focus.
    form = page.split('id="new-comment-narrative-plan"', 1)[1].split("</form>", 1)[0]
    assert f'/en/plans/monitoring/{report_id}/comments#section-narrative' in page
    assert "This field is required." in form and "autofocus" in form
    done = client.post(f"/en/plans/monitoring/{report_id}/comments",
                       data={"block": "narrative", "body": "Please add the dates."})
    assert done.status_code == 302 and done.location.endswith("#section-narrative")
    page = client.get(done.location).get_data(as_text=True)
    section = page.split('id="section-narrative"', 1)[1]
    assert "Your comment has been added." in section
    assert "Please add the dates." in section
