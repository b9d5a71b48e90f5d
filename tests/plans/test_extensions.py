"""Deadline extensions: a focal point asks once with a reason, a coordinator grants a new
date or refuses; days left, "overdue" and the reminders follow the granted date; a cycle's
deadline and reminder days can be edited after its creation."""

import email
from datetime import date
from email import policy

import pytest
from sqlalchemy import select

from m4eg.core.outbox import OutboxMessage
from m4eg.extensions import db
from m4eg.plans import extensions, services
from m4eg.plans.models import Cycle, DeadlineExtension, Plan, ReminderSent
from tests.conftest import log_in as _log_in


def _mail_to(address) -> str:
    """The text of the mail queued for ``address``."""
    message = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.to_address == address))
    parsed = email.message_from_bytes(message.raw, policy=policy.default)
    return parsed.get_body(preferencelist=("plain",)).get_content()


def log_in(client, address):
    client.post("/en/accounts/logout")
    assert _log_in(client, address).status_code == 302


@pytest.fixture
def setup(app, make_plan, member_id, make_user):
    khirdalan = member_id("khirdalan")
    focal = make_user(role="focal_point", municipality_id=khirdalan)
    coordinator = make_user(role="coordinator")
    plan_id = make_plan("khirdalan", by=focal)
    return {"plan": plan_id, "focal": focal, "coordinator": coordinator,
            "khirdalan": khirdalan}


def _set_deadline(app, day):
    with app.app_context():
        db.session.scalar(select(Cycle)).deadline = day
        db.session.commit()


def test_ask_grant_and_the_new_date_counts_everywhere(app, client, setup):
    log_in(client, setup["focal"].email)
    page = client.get(f"/en/plans/{setup['plan']}").get_data(as_text=True)
    assert "Ask the coordinators for more time" in page
    empty = client.post(f"/en/plans/{setup['plan']}/extension", data={"reason": ""})
    assert empty.status_code == 400
    response = client.post(f"/en/plans/{setup['plan']}/extension",
                           data={"reason": "The municipal meeting is postponed."})
    assert response.status_code == 302
    with app.app_context():
        assert "The municipal meeting is postponed." in _mail_to(setup["coordinator"].email)
    twice = client.post(f"/en/plans/{setup['plan']}/extension", data={"reason": "Again"},
                        follow_redirects=True)
    assert "already asked for an extension" in twice.get_data(as_text=True)

    log_in(client, setup["coordinator"].email)
    listing = client.get("/en/plans/extensions").get_data(as_text=True)
    assert "The municipal meeting is postponed." in listing and "Waiting for a decision" in \
        listing
    with app.app_context():
        request_id = db.session.scalar(select(DeadlineExtension.id))
    early = client.post(f"/en/plans/extensions/{request_id}/grant",
                        data={f"g{request_id}-new_deadline": "2030-03-01"})
    assert early.status_code == 400 and "must be later than" in early.get_data(as_text=True)
    granted = client.post(f"/en/plans/extensions/{request_id}/grant",
                          data={f"g{request_id}-new_deadline": "2030-06-30",
                                f"g{request_id}-note": "Granted once."})
    assert granted.status_code == 302
    decided = client.post(f"/en/plans/extensions/{request_id}/refuse",
                          data={f"r{request_id}-note": "No"}, follow_redirects=True)
    assert "already been decided" in decided.get_data(as_text=True)

    with app.test_request_context("/en/"):
        plan = db.session.get(Plan, setup["plan"])
        assert extensions.deadline_for(plan.municipality_id, plan.cycle) == date(2030, 6, 30)
        assert services.days_left(plan, today=date(2030, 6, 1)) == 29
        # Past the cycle's deadline but inside the granted one: not overdue.
        assert services.queue(overdue=True, today=date(2030, 5, 1)) == []
        assert [p.id for p in services.queue(overdue=True, today=date(2030, 7, 1))] == [
            plan.id]
    page = client.get(f"/en/plans/{setup['plan']}").get_data(as_text=True)
    assert "June 30, 2030" in page and "(extended)" in page


def test_reminders_follow_the_granted_date(app, setup, make_user, member_id):
    from m4eg.accounts.services import get_user

    with app.test_request_context("/en/"):
        plan = db.session.get(Plan, setup["plan"])
        extension = extensions.ask(plan, get_user(setup["focal"].id), "More time",
                                   today=date(2030, 3, 1))
        extensions.grant(extension, get_user(setup["coordinator"].id), date(2030, 6, 30),
                         today=date(2030, 3, 1))
        db.session.commit()
        # Two weeks before the cycle's deadline: Khirdalan has until June, so no reminder.
        assert services.remind(today=date(2030, 3, 20)) == 0
        assert services.remind(today=date(2030, 6, 20)) == 1
        assert services.remind(today=date(2030, 6, 21)) == 0  # once
        kinds = set(db.session.scalars(select(ReminderSent.kind)))
        assert kinds == {"deadline-14-2030-06-30"}


def test_too_late_and_already_submitted_are_refused(app, setup, english):
    from m4eg.accounts.services import get_user

    plan = db.session.get(Plan, setup["plan"])
    focal = get_user(setup["focal"].id)
    assert extensions.grace_days() == 14  # the default; the deadline is 31 March 2030
    with pytest.raises(services.PlanError, match="more than 14 days ago"):
        extensions.ask(plan, focal, "Late", today=date(2030, 4, 15))
    plan.status = "submitted"
    with pytest.raises(services.PlanError, match="already been submitted"):
        extensions.ask(plan, focal, "Late", today=date(2030, 3, 1))
    assert db.session.scalar(select(DeadlineExtension)) is None


def test_inside_the_grace_days_a_late_request_is_accepted(app, setup, english):
    from m4eg.accounts.services import get_user

    plan = db.session.get(Plan, setup["plan"])
    extensions.ask(plan, get_user(setup["focal"].id), "Late but in time",
                   today=date(2030, 4, 14))
    assert db.session.scalar(select(DeadlineExtension.previous_deadline)) == date(2030, 3, 31)


def test_a_refusal_needs_a_reason_and_tells_the_focal_points(app, client, setup):
    from m4eg.accounts.services import get_user

    with app.test_request_context("/en/"):
        plan = db.session.get(Plan, setup["plan"])
        extension = extensions.ask(plan, get_user(setup["focal"].id), "More time",
                                   today=date(2030, 3, 1))
        db.session.commit()
        request_id = extension.id
    log_in(client, setup["coordinator"].email)
    assert client.post(f"/en/plans/extensions/{request_id}/refuse",
                       data={f"r{request_id}-note": ""}).status_code == 400
    assert client.post(f"/en/plans/extensions/{request_id}/refuse",
                       data={f"r{request_id}-note": "The cycle closes."}).status_code == 302
    with app.app_context():
        mail = _mail_to(setup["focal"].email)
        assert "The cycle closes." in mail and "2030" in mail


def test_a_coordinator_edits_a_cycles_deadline_and_reminder_days(app, client, setup):
    with app.app_context():
        cycle_id = db.session.scalar(select(Cycle.id))
    log_in(client, setup["coordinator"].email)
    form = client.get(f"/en/plans/cycles/{cycle_id}/edit").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in form
    data = {"name": "2025–2027", "deadline": "2030-05-31", "reminder_days": "30",
            "version": "1"}
    assert client.post(f"/en/plans/cycles/{cycle_id}/edit", data=data).status_code == 302
    stale = client.post(f"/en/plans/cycles/{cycle_id}/edit",
                        data={**data, "deadline": "2030-01-01"})
    assert stale.status_code == 409 and "Someone else saved this cycle" in \
        stale.get_data(as_text=True)
    with app.app_context():
        cycle = db.session.get(Cycle, cycle_id)
        assert (cycle.deadline, cycle.reminder_days, cycle.version) == (
            date(2030, 5, 31), 30, 2)
    page = client.get(f"/en/plans/{setup['plan']}").get_data(as_text=True)
    assert "May 31, 2030" in page


def _grant(app, setup, new=date(2030, 6, 30)):
    from m4eg.accounts.services import get_user

    with app.test_request_context("/en/"):
        plan = db.session.get(Plan, setup["plan"])
        extension = extensions.ask(plan, get_user(setup["focal"].id), "More time",
                                   today=date(2030, 3, 1))
        extensions.grant(extension, get_user(setup["coordinator"].id), new,
                         today=date(2030, 3, 1))
        db.session.commit()


def test_the_home_and_the_queue_export_show_the_granted_date(app, client, setup):
    _grant(app, setup)
    log_in(client, setup["focal"].email)
    home = client.get("/en/").get_data(as_text=True)
    assert "June 30, 2030 (extended)" in home and "March 31, 2030" not in home
    log_in(client, setup["coordinator"].email)
    exported = client.get("/en/plans/queue.csv").get_data(as_text=True)
    assert "Jun 30, 2030" in exported and "Mar 31, 2030" not in exported


def test_the_queue_shows_no_days_left_for_a_plan_handed_in(app, client, setup):
    with app.app_context():
        db.session.get(Plan, setup["plan"]).status = "approved"
        db.session.commit()
    log_in(client, setup["coordinator"].email)
    page = client.get("/en/plans/queue").get_data(as_text=True)
    cell = page.split("data-label=\"Days left\">")[1].split("<")[0]
    assert cell == "—"
    exported = client.get("/en/plans/queue.csv").get_data(as_text=True).splitlines()
    assert exported[1].endswith('2030",,,0') or exported[1].split('"')[2].startswith(",,")


def test_the_coordinator_home_counts_the_requests_waiting(app, client, setup):
    from m4eg.accounts.services import get_user

    log_in(client, setup["coordinator"].email)
    assert "No request for more time waits" in client.get("/en/").get_data(as_text=True)
    with app.test_request_context("/en/"):
        extensions.ask(db.session.get(Plan, setup["plan"]), get_user(setup["focal"].id),
                       "More time", today=date(2030, 3, 1))
        db.session.commit()
    home = client.get("/en/").get_data(as_text=True)
    assert ('<a href="/en/plans/extensions"><strong>1 request for more time waits for a '
            'decision') in home


def test_asking_and_deciding_notify_in_the_platform(app, client, setup):
    from m4eg.notifications.models import Notification

    _grant(app, setup)
    with app.app_context():
        rows = {(n.user_id, n.kind, n.title_en) for n in db.session.scalars(
            select(Notification))}
    assert (setup["coordinator"].id, "plan_extension",
            "Khirdalan City Municipality asks for more time for its P4EG plan") in rows
    assert (setup["focal"].id, "plan_extension",
            "More time for your P4EG plan is granted: until June 30, 2030") in rows
    log_in(client, setup["focal"].email)
    assert "More time for your P4EG plan is granted" in client.get(
        "/en/notifications/").get_data(as_text=True)


def test_the_request_page_shows_the_request_instead_of_the_form(app, client, setup):
    log_in(client, setup["focal"].email)
    assert 'name="reason"' in client.get(
        f"/en/plans/{setup['plan']}/extension").get_data(as_text=True)
    client.post(f"/en/plans/{setup['plan']}/extension", data={"reason": "Postponed."})
    page = client.get(f"/en/plans/{setup['plan']}/extension").get_data(as_text=True)
    assert 'name="reason"' not in page and "Send the request" not in page
    assert "Your municipality has already asked: Waiting for a decision." in page


def test_the_audit_log_names_the_plan_actions_and_objects(app, client, setup, login_as):
    _grant(app, setup)
    login_as("admin")
    page = client.get("/en/accounts/audit").get_data(as_text=True)
    assert "More time asked for a plan" in page and "More time granted for a plan" in page
    assert "Request for more time" in page and ">DeadlineExtension" not in page
    home = client.get("/en/").get_data(as_text=True).split('id="home-audit"')[1]
    assert "More time granted for a plan" in home and "plans.extension" not in home


def test_a_grant_is_measured_against_the_deadline_in_force_now(app, client, setup):
    log_in(client, setup["focal"].email)
    assert client.post(f"/en/plans/{setup['plan']}/extension",
                       data={"reason": "The council meets late."}).status_code == 302
    with app.app_context():
        extension = db.session.scalar(select(DeadlineExtension))
        request_id, asked_about = extension.id, extension.previous_deadline
    # The coordinators move the cycle's deadline earlier after the request was made.
    _set_deadline(app, date(2030, 1, 31))
    assert asked_about > date(2030, 2, 15)
    log_in(client, setup["coordinator"].email)
    listing = client.get("/en/plans/extensions").get_data(as_text=True)
    assert "Deadline in force now" in listing and "January 31, 2030" in listing
    refused = client.post(f"/en/plans/extensions/{request_id}/grant",
                          data={f"g{request_id}-new_deadline": "2030-01-20"})
    assert refused.status_code == 400
    assert "must be later than January 31, 2030" in refused.get_data(as_text=True)
    granted = client.post(f"/en/plans/extensions/{request_id}/grant",
                          data={f"g{request_id}-new_deadline": "2030-02-15"})
    assert granted.status_code == 302
    with app.app_context():
        assert db.session.get(DeadlineExtension, request_id).new_deadline == date(2030, 2, 15)
