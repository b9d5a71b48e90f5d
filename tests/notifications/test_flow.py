"""Every event that sends mail also notifies in the platform, in the reader's language, and
the mail follows each person's choice per kind (security mail always goes)."""

from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from m4eg.accounts import services as accounts
from m4eg.accounts.services import get_user
from m4eg.core.outbox import OutboxMessage
from m4eg.extensions import db
from m4eg.notifications import services as notifications
from m4eg.notifications.models import Kind, Notification
from m4eg.plans import services as plans
from m4eg.plans.models import Plan
from m4eg.workshops import services as workshops
from m4eg.workshops.models import Workshop
from tests.plans.conftest import block_form


def _mails(to: str) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.to_address == to))


def _notes(user, kind) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind.value)
        .order_by(Notification.id)))


@pytest.fixture
def ctx(app_ctx, make_plan, member_id, make_user):
    focal = make_user(role="focal_point", municipality_id=member_id("khirdalan"),
                      preferred_language="en")
    coordinator = make_user(role="coordinator", preferred_language="az")
    plan = db.session.get(Plan, make_plan("khirdalan", by=focal))
    return {"plan": plan, "focal": get_user(focal.id), "coordinator": get_user(coordinator.id)}


def _fill(plan, user):
    for block in plan.template.blocks:
        seen = plan.block_version(block["key"])
        plans.save_block(plan, block["key"], MultiDict(block_form(
            plan.template, block["key"], version=seen)), user, version=seen, lang="en")


def test_plan_status_changes_notify_with_a_link_to_the_plan_in_both_languages(ctx):
    plan, focal, coordinator = ctx["plan"], ctx["focal"], ctx["coordinator"]
    _fill(plan, focal)
    plans.submit(plan, focal)
    [told] = _notes(coordinator, Kind.PLAN_STATUS)
    assert "Khirdalan" in told.title_en and "Submitted" in told.title_en
    assert "Xırdalan" in told.title_az and "Təqdim" in told.title_az
    assert (told.endpoint, told.link_args) == ("plans.show", {"plan_id": plan.id})
    assert _mails(coordinator.email) == 1
    plans.start_review(plan, coordinator)
    plans.request_changes(plan, coordinator, "Name the sectors.")
    plans.submit(plan, focal)
    plans.start_review(plan, coordinator)
    plans.approve(plan, coordinator)
    told_focal = [n.title_en.rsplit(": ", 1)[1] for n in _notes(focal, Kind.PLAN_STATUS)]
    assert told_focal == ["In review", "Changes requested", "In review", "Approved"]
    assert _mails(focal.email) == 4


def test_a_comment_and_a_reply_notify_the_other_side_at_the_section(ctx):
    plan, focal, coordinator = ctx["plan"], ctx["focal"], ctx["coordinator"]
    thread = plans.add_comment(plan, "vision", "Which sectors?", coordinator)
    [note] = _notes(focal, Kind.PLAN_COMMENT)
    assert note.anchor == "#block-vision" and "Vision and targets" in note.title_en
    plans.add_comment(plan, "vision", "Tourism and crafts.", focal, parent_id=thread.id)
    [reply] = _notes(coordinator, Kind.PLAN_COMMENT)
    assert focal.name in reply.title_az
    assert _notes(focal, Kind.PLAN_COMMENT) == [note]  # not told of their own reply


def test_the_deadline_reminder_notifies_and_leads_to_the_plans(ctx):
    focal = ctx["focal"]
    assert plans.remind(today=date(2030, 3, 25)) == 1
    [note] = _notes(focal, Kind.PLAN_REMINDER)
    assert note.endpoint == "plans.index" and "6 days" in note.title_en
    assert _mails(focal.email) == 1


def test_a_role_granted_notifies_the_person(app_ctx, make_user):
    coordinator = get_user(make_user(role="coordinator").id)
    person = get_user(make_user(role="staff").id)
    accounts.set_role(coordinator, person, "focal_point", version=person.version)
    [note] = _notes(person, Kind.ROLE_GRANTED)
    assert note.title_en == "Your role on the M4EG platform is now: Focal point"
    assert "Əlaqələndirici şəxs" in note.title_az
    assert _mails(person.email) == 1


def test_a_confirmed_membership_notifies_the_person_once(app_ctx, make_user, member_id):
    """The person who chose Khirdalan learns, in the platform and by mail in their
    language, that the focal point confirmed them; confirming again tells nothing new."""
    khirdalan = member_id("khirdalan")
    focal = get_user(make_user(role="focal_point", municipality_id=khirdalan).id)
    person = get_user(make_user(role="staff", municipality_id=khirdalan,
                                preferred_language="az", confirmed=False).id)
    assert not person.affiliation_confirmed
    accounts.confirm_affiliation(focal, person)
    [note] = _notes(person, Kind.MEMBERSHIP_CONFIRMED)
    assert "confirmed that you work there" in note.title_en
    assert "çalışdığınızı təsdiqlədi" in note.title_az
    assert note.endpoint == "main.index"
    [mail] = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == person.email))
    assert "Bələdiyyəniz" in mail.subject
    accounts.confirm_affiliation(focal, get_user(person.id))
    assert len(_notes(person, Kind.MEMBERSHIP_CONFIRMED)) == 1


def test_a_seat_confirmed_and_a_seat_freed_from_the_waitlist_notify(app_ctx, make_user,
                                                                   make_workshop):
    workshop = db.session.get(Workshop, make_workshop(capacity=1))
    first, second = (get_user(make_user(role="staff").id) for _ in range(2))
    workshops.register(first, workshop)
    workshops.register(second, workshop)  # the waitlist: no seat, nothing to tell
    [seat] = _notes(first, Kind.WORKSHOP_SEAT)
    assert "Sheki" in seat.title_en and "Şəki" in seat.title_az
    assert (seat.endpoint, seat.link_args) == ("workshops.show", {"workshop_id": workshop.id})
    assert _notes(second, Kind.WORKSHOP_SEAT) == []
    workshops.cancel(first, workshop)
    [moved_up] = _notes(second, Kind.WORKSHOP_SEAT)
    assert moved_up.title_en.startswith("A seat has become free")
    assert _mails(second.email) == 1


def test_a_kind_turned_off_still_notifies_but_sends_no_mail(ctx):
    plan, focal, coordinator = ctx["plan"], ctx["focal"], ctx["coordinator"]
    notifications.save_preferences(focal.id, {k.value for k in Kind} - {"plan_comment"})
    plans.add_comment(plan, "vision", "Which sectors?", coordinator)
    assert len(_notes(focal, Kind.PLAN_COMMENT)) == 1
    assert _mails(focal.email) == 0
    assert notifications.preferences(focal.id)["plan_status"] is True


def test_security_mail_goes_whatever_the_choices(app_ctx, make_user):
    person = make_user(role="staff")
    notifications.save_preferences(person.id, set())
    accounts.request_password_reset(person.email, lambda token, lang: f"/reset/{token}",
                                    max_age=3600)
    assert _mails(person.email) == 1


def test_export_and_erase_for_an_account(ctx):
    plan, focal, coordinator = ctx["plan"], ctx["focal"], ctx["coordinator"]
    plans.add_comment(plan, "vision", "Which sectors?", coordinator)
    notifications.save_preferences(focal.id, set())
    [exported] = notifications.export_for_user(focal.id)
    assert exported["kind"] == "plan_comment" and exported["also_by_email"] is False
    assert exported["link_args"] == {"plan_id": plan.id} and exported["read_at"] is None
    assert notifications.erase_for_user(focal.id) == 1
    assert notifications.export_for_user(focal.id) == []
    assert notifications.preferences(focal.id)["plan_comment"] is True  # choices gone too
