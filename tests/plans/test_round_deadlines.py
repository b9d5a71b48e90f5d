"""Deadlines of reporting rounds: a focal point asks for more time on a round's monitoring
report, a coordinator grants or refuses it; the refusals (asked twice, too late, no approved
plan for the round, another municipality, a report handed in) write nothing; reminders and
"overdue" follow the granted date; a coordinator edits a round (a stale form is a 409 that
shows the other person's values, invalid dates are shown again as typed)."""

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from m4eg.accounts.services import get_user
from m4eg.extensions import db
from m4eg.plans import extensions, services
from m4eg.plans.models import Cycle, DeadlineExtension, Plan, ReminderSent
from m4eg.plans.monitoring_models import MonitoringRound
from tests.conftest import log_in as _log_in
from tests.plans.monitoring_support import approve_plan, make_round, report_form


def log_in(client, user):
    client.post("/en/accounts/logout")
    assert _log_in(client, user.email).status_code == 302


@pytest.fixture
def monitored(app, make_plan, make_user, member_id):
    """Khirdalan's approved plan, a 2026 round due on 28 February 2030 (reminded 14 days
    before), Khirdalan's focal point, Urva's focal point and a coordinator."""
    focal = make_user(role="focal_point", municipality_id=member_id("khirdalan"))
    other = make_user(role="focal_point", municipality_id=member_id("urva"))
    coordinator = make_user(role="coordinator")
    plan_id = make_plan("khirdalan", by=focal)
    with app.app_context(), force_locale("en"):
        approve_plan(db.session.get(Plan, plan_id), get_user(focal.id),
                     get_user(coordinator.id))
        round_id = make_round(name="2026", starts_on=date(2026, 1, 1),
                              ends_on=date(2026, 12, 31), deadline=date(2030, 2, 28)).id
        db.session.commit()
    return {"plan": plan_id, "round": round_id, "focal": focal, "other": other,
            "coordinator": coordinator}


def _requests() -> int:
    return db.session.scalar(select(func.count()).select_from(DeadlineExtension))


def _objects(ids):
    plan = db.session.get(Plan, ids["plan"])
    return (plan, db.session.get(MonitoringRound, ids["round"]), get_user(ids["focal"].id),
            get_user(ids["coordinator"].id))


# ---------------------------------------------------------------- services


def test_a_granted_round_extension_moves_the_reports_deadline_only(app, monitored, english):
    plan, round_, focal, coordinator = _objects(monitored)
    request = extensions.ask(plan, focal, "The district sends the figures in March.",
                             today=date(2030, 2, 1), round_=round_)
    assert (request.round_id, request.cycle_id) == (round_.id, None)
    assert request.previous_deadline == date(2030, 2, 28)
    assert request.subject == "monitoring report 2026 (cycle 2025–2027)"
    extensions.grant(request, coordinator, date(2030, 4, 30), today=date(2030, 2, 1))
    assert extensions.deadline_for(plan.municipality_id, round_) == date(2030, 4, 30)
    # The plan's own (cycle) deadline is untouched, and a cycle request is still possible.
    assert extensions.deadline_for(plan.municipality_id, plan.cycle) == plan.cycle.deadline
    assert extensions.request_for(plan.municipality_id, plan.cycle) is None
    # Past the round's deadline but inside the granted one: not overdue; after it: overdue.
    assert services.overdue_reports(today=date(2030, 3, 15)) == []
    (late,) = services.overdue_reports(today=date(2030, 5, 1))
    assert (late.plan.id, late.round.id, late.report, late.deadline) == (
        plan.id, round_.id, None, date(2030, 4, 30))


def test_refusals_write_nothing(app, monitored, make_plan, member_id, english):
    plan, round_, focal, coordinator = _objects(monitored)
    other = get_user(monitored["other"].id)
    with pytest.raises(services.PlanError, match="municipality's own people"):
        extensions.ask(plan, other, "Not ours", today=date(2030, 2, 1), round_=round_)
    with pytest.raises(services.PlanError, match="more than 14 days ago"):
        extensions.ask(plan, focal, "Late", today=date(2030, 3, 15), round_=round_)
    # A round of another cycle: the municipality has no approved plan for it.
    later = services.save_cycle(None, name="2028–2030", deadline=date(2031, 3, 31),
                                reminder_days=14)
    foreign = services.save_round(later, name="2029", starts_on=date(2029, 1, 1),
                                  ends_on=date(2029, 12, 31), deadline=date(2030, 2, 28))
    with pytest.raises(services.PlanError, match="no approved plan for the cycle"):
        extensions.ask(plan, focal, "Wrong round", today=date(2030, 2, 1), round_=foreign)
    # A draft plan has no monitoring report due, even for a round of its cycle.
    draft = services.start_plan(plan.municipality_id, later, focal, plan.template)
    with pytest.raises(services.PlanError, match="no approved plan for the cycle"):
        extensions.ask(draft, focal, "Draft", today=date(2030, 2, 1), round_=foreign)
    assert _requests() == 0
    extensions.ask(plan, focal, "Once", today=date(2030, 2, 1), round_=round_)
    with pytest.raises(services.PlanError, match="already asked"):
        extensions.ask(plan, focal, "Twice", today=date(2030, 2, 1), round_=round_)
    assert _requests() == 1


def test_no_request_once_the_report_is_handed_in(app, monitored, english):
    plan, round_, focal, _coordinator = _objects(monitored)
    report = services.start_report(plan, round_, focal)
    services.save_report(report, report_form(report.version, actuals=(
        ("75", "2026-11-30"), ("220", "2026-10-15"))), focal, version=report.version,
        lang="en")
    # A draft report still has its deadline ahead of it.
    assert extensions.may_ask(plan, round_)
    services.submit_report(report, focal)
    assert not extensions.may_ask(plan, round_)
    with pytest.raises(services.PlanError, match="already been submitted"):
        extensions.ask(plan, focal, "Late", today=date(2030, 2, 1), round_=round_)
    assert _requests() == 0
    assert services.overdue_reports(today=date(2031, 1, 1)) == []


def test_reminders_for_a_round_are_sent_once_and_follow_the_granted_date(app, monitored):
    with app.test_request_context("/en/"):
        plan, round_, focal, coordinator = _objects(monitored)
        cycle = db.session.get(Cycle, plan.cycle_id)
        cycle.deadline = date(2029, 3, 31)  # the plan's own reminders stay out of the way
        assert services.remind(today=date(2030, 2, 1)) == 0  # 27 days before: too early
        assert services.remind(today=date(2030, 2, 14)) == 1
        assert services.remind(today=date(2030, 2, 20)) == 0  # once
        request = extensions.ask(plan, focal, "More time", today=date(2030, 2, 20),
                                 round_=round_)
        extensions.grant(request, coordinator, date(2030, 5, 31), today=date(2030, 2, 20))
        assert services.remind(today=date(2030, 3, 1)) == 0  # the round's date no longer counts
        assert services.remind(today=date(2030, 5, 20)) == 1  # 11 days before the new one
        assert services.remind(today=date(2030, 5, 21)) == 0
        kinds = set(db.session.scalars(select(ReminderSent.kind)))
        assert kinds == {f"round-{round_.id}-14", f"round-{round_.id}-14-2030-05-31"}
        db.session.commit()


def test_a_handed_in_report_is_not_reminded(app, monitored):
    with app.test_request_context("/en/"):
        plan, round_, focal, _coordinator = _objects(monitored)
        db.session.get(Cycle, plan.cycle_id).deadline = date(2029, 3, 31)
        report = services.start_report(plan, round_, focal)
        services.save_report(report, report_form(report.version, actuals=(
            ("75", "2026-11-30"), ("220", "2026-10-15"))), focal, version=report.version,
            lang="en")
        services.submit_report(report, focal)
        assert services.remind(today=date(2030, 2, 20)) == 0


# ---------------------------------------------------------------- pages


def test_ask_over_http_then_a_coordinator_grants_and_the_pages_follow(app, client, monitored):
    ask_url = f"/en/plans/{monitored['plan']}/rounds/{monitored['round']}/extension"
    log_in(client, monitored["focal"])
    plan_page = client.get(f"/en/plans/{monitored['plan']}").get_data(as_text=True)
    assert "Report deadlines" in plan_page and ask_url in plan_page
    form = client.get(ask_url).get_data(as_text=True)
    assert "The monitoring report 2026 is due on February 28, 2030." in form
    assert client.post(ask_url, data={"reason": ""}).status_code == 400
    assert client.post(ask_url, data={"reason": "Figures come in March."}).status_code == 302
    twice = client.post(ask_url, data={"reason": "Again"}).get_data(as_text=True)
    assert "Your municipality has already asked: Waiting for a decision." in twice
    with app.app_context():
        assert _requests() == 1
        request_id = db.session.scalar(select(DeadlineExtension.id))

    log_in(client, monitored["coordinator"])
    listing = client.get("/en/plans/extensions").get_data(as_text=True)
    assert "monitoring report 2026 (cycle 2025–2027)" in listing
    assert "Figures come in March." in listing
    assert client.post(f"/en/plans/extensions/{request_id}/grant",
                       data={f"g{request_id}-new_deadline": "2030-04-30"}).status_code == 302

    log_in(client, monitored["focal"])
    plan_page = client.get(f"/en/plans/{monitored['plan']}").get_data(as_text=True)
    assert "2026: April 30, 2030 (extended) · More time requested: Granted" in plan_page
    with app.app_context():
        plan = db.session.get(Plan, monitored["plan"])
        report_id = services.start_report(plan, services.get_round(monitored["round"]),
                                          get_user(monitored["focal"].id)).id
        db.session.commit()
    report_page = client.get(f"/en/plans/monitoring/{report_id}").get_data(as_text=True)
    assert "April 30, 2030 (extended)" in report_page


def test_another_municipality_and_staff_cannot_ask(app, client, monitored, login_as,
                                                   member_id):
    ask_url = f"/en/plans/{monitored['plan']}/rounds/{monitored['round']}/extension"
    log_in(client, monitored["other"])
    assert client.get(ask_url).status_code == 403
    response = client.post(ask_url, data={"reason": "Not ours."})
    assert response.status_code == 403
    login_as("staff", municipality_id=member_id("khirdalan"))
    assert client.post(ask_url, data={"reason": "Not mine to ask."}).status_code == 403
    log_in(client, monitored["coordinator"])
    assert client.post(ask_url, data={"reason": "On their behalf."}).status_code == 403
    with app.app_context():
        assert _requests() == 0


def test_a_round_of_another_cycle_is_refused_with_a_message(app, client, monitored):
    with app.app_context():
        later = services.save_cycle(None, name="2028–2030", deadline=date(2031, 3, 31),
                                    reminder_days=14)
        foreign = services.save_round(later, name="2029", starts_on=date(2029, 1, 1),
                                      ends_on=date(2029, 12, 31), deadline=date(2030, 2, 28))
        db.session.commit()
        foreign_id = foreign.id
    log_in(client, monitored["focal"])
    response = client.post(f"/en/plans/{monitored['plan']}/rounds/{foreign_id}/extension",
                           data={"reason": "Wrong round."})
    assert response.status_code == 400
    assert "no approved plan for the cycle of this round" in response.get_data(as_text=True)
    assert client.get(f"/en/plans/{monitored['plan']}/rounds/9999/extension"
                      ).status_code == 404
    with app.app_context():
        assert _requests() == 0


def test_overdue_reports_show_on_the_coordinator_home_and_the_rounds_page(app, client,
                                                                         monitored):
    with app.app_context():
        db.session.get(MonitoringRound, monitored["round"]).deadline = date(2026, 2, 28)
        db.session.commit()
    log_in(client, monitored["coordinator"])
    home = client.get("/en/").get_data(as_text=True)
    assert "1 monitoring report past its deadline" in home
    assert "Monitoring report 2026 · February 28, 2026" in home
    rounds = client.get("/en/plans/rounds").get_data(as_text=True)
    section = rounds.split('id="overdue-reports"')[1].split("<h2")[0]
    assert "Khirdalan" in section and "February 28, 2026" in section and "not started" in \
        section


def test_a_coordinator_edits_a_round(app, client, monitored):
    url = f"/en/plans/rounds/{monitored['round']}/edit"
    log_in(client, monitored["coordinator"])
    form = client.get(url).get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in form and 'value="2026-12-31"' in form
    assert f'href="{url}"' in client.get("/en/plans/rounds").get_data(as_text=True)
    data = {"name": "2026 (yearly)", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
            "deadline": "2030-03-31", "reminder_days": "30", "version": "1"}
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        round_ = db.session.get(MonitoringRound, monitored["round"])
        assert (round_.name, round_.deadline, round_.reminder_days, round_.version) == (
            "2026 (yearly)", date(2030, 3, 31), 30, 2)
    # Someone else's form, opened on version 1: refused, their values shown, mine kept.
    stale = client.post(url, data={**data, "name": "2026 (mine)", "deadline": "2030-01-31"})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Someone else saved this round" in page
    theirs = page.split('id="theirs-heading"')[1].split("</section>")[0]
    assert "2026 (yearly)" in theirs and "March 31, 2030" in theirs
    assert 'value="2026 (mine)"' in page and 'value="2030-01-31"' in page
    assert 'name="version" type="hidden" value="2"' in page
    with app.app_context():
        assert db.session.get(MonitoringRound, monitored["round"]).name == "2026 (yearly)"


def test_an_invalid_round_edit_shows_what_was_typed(app, client, monitored):
    url = f"/en/plans/rounds/{monitored['round']}/edit"
    log_in(client, monitored["coordinator"])
    data = {"name": "2026 backwards", "starts_on": "2026-12-31", "ends_on": "2026-01-01",
            "deadline": "2027-02-28", "reminder_days": "14", "version": "1"}
    response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "The period cannot end before it starts." in page
    assert 'value="2026 backwards"' in page and 'value="2026-12-31"' in page
    assert 'id="theirs-heading"' not in page
    bad_days = client.post(url, data={**data, "starts_on": "2026-01-01",
                                      "ends_on": "2026-12-31", "reminder_days": "500"})
    assert bad_days.status_code == 400
    with app.app_context():
        round_ = db.session.get(MonitoringRound, monitored["round"])
        assert (round_.name, round_.version) == ("2026", 1)


def test_a_name_taken_in_the_cycle_is_refused_on_edit(app, monitored, english):
    make_round(name="2027", starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31),
               deadline=date(2031, 2, 28))
    db.session.commit()
    round_ = db.session.get(MonitoringRound, monitored["round"])
    coordinator = get_user(monitored["coordinator"].id)
    with pytest.raises(services.PlanError, match="already has a round of this name"):
        services.edit_round(round_, coordinator, 1, name="2027", starts_on=round_.starts_on,
                            ends_on=round_.ends_on, deadline=round_.deadline,
                            reminder_days=14)
    db.session.rollback()  # as the view does: nothing of the refused edit stays
    assert round_.version == 1
    # Keeping its own name is no clash.
    services.edit_round(round_, coordinator, 1, name="2026", starts_on=round_.starts_on,
                        ends_on=round_.ends_on, deadline=date(2030, 3, 1), reminder_days=7)
    assert (round_.deadline, round_.reminder_days, round_.version) == (date(2030, 3, 1), 7, 2)


def test_the_demo_shows_a_request_for_more_time_on_a_round(app, app_ctx, roster):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    db.session.expire_all()
    (request,) = [r for r in extensions.requests() if r.round_id is not None]
    assert request.is_demo and request.status == "pending"
    assert request.round.name == "2026 (demo)" and "(demo)" in request.reason
