"""Monitoring reports reach the notification bell like plans do: each status change and each
comment makes a notification (both languages, linking to the report), and the mail goes only
to those who keep that kind by email."""

from flask_babel import force_locale
from sqlalchemy import delete, func, select

from m4eg.accounts.services import get_user
from m4eg.core.outbox import OutboxMessage
from m4eg.extensions import db
from m4eg.notifications import services as notifications
from m4eg.notifications.models import Kind, Notification
from m4eg.plans import services
from m4eg.plans.models import Plan
from tests.plans.monitoring_support import report_form
from tests.plans.test_monitoring import approved  # noqa: F401 (the fixture)


def _forget_the_plan():
    """The plan's own approval notified and mailed too: start from none."""
    db.session.execute(delete(Notification))
    db.session.execute(delete(OutboxMessage))


def _notes(user, kind):
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == str(kind))
        .order_by(Notification.id)))


def _mails(address):
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_address == address))


def _in_az(report):
    """The report's status as the Azerbaijani title names it."""
    with force_locale("az"):
        return str(report.status_label)


def _links_to(note, report):
    return note.endpoint == "plans.report" and note.link_args == {"report_id": report.id}


def test_each_report_event_notifies_the_right_people_in_both_languages(app, approved):  # noqa: F811, E501
    with app.app_context(), force_locale("en"):
        _forget_the_plan()
        plan = db.session.get(Plan, approved["plan"])
        focal, coordinator = get_user(approved["focal"].id), get_user(approved["coordinator"].id)
        other = get_user(approved["other"].id)
        report = services.start_report(plan, services.get_round(approved["round"]), focal)
        services.save_report(report, report_form(report.version), focal,
                             version=report.version, lang="en")
        services.submit_report(report, focal)
        [submitted] = _notes(coordinator, Kind.PLAN_STATUS)
        assert _links_to(submitted, report)
        assert "monitoring report" in submitted.title_en and "Submitted" in submitted.title_en
        assert _in_az(report) in submitted.title_az and "Submitted" not in submitted.title_az
        assert "monitorinq hesabatı" in submitted.title_az
        assert _mails(coordinator.email) == 1

        services.start_report_review(report, coordinator)
        comment = services.add_report_comment(report, "targets", "Where does 75 come from?",
                                               coordinator)
        services.return_report(report, coordinator, "Give the source of the bed count.")
        statuses = _notes(focal, Kind.PLAN_STATUS)
        assert len(statuses) == 2 and all(_links_to(n, report) for n in statuses)
        assert "In review" in statuses[0].title_en
        assert "Returned for changes" in statuses[1].title_en
        assert statuses[1].anchor == "#note-heading"
        assert _in_az(report) in statuses[1].title_az
        assert all("monitorinq hesabatı" in n.title_az for n in statuses)
        [commented] = _notes(focal, Kind.PLAN_COMMENT)
        assert _links_to(commented, report) and commented.anchor == f"#comment-{comment.id}"
        assert coordinator.name in commented.title_en and "monitoring report" in \
            commented.title_en
        assert coordinator.name in commented.title_az
        assert "monitorinq hesabatı haqqında yazdı" in commented.title_az
        assert _mails(focal.email) == 3

        # The focal point answers in the thread: the coordinator hears of it.
        services.add_report_comment(report, "targets", "The register, 2025.", focal,
                                    parent_id=comment.id)
        [reply] = _notes(coordinator, Kind.PLAN_COMMENT)
        assert _links_to(reply, report) and focal.name in reply.title_en

        data = report_form(report.version, narrative="Guesthouses opened (register, 2025).")
        services.save_report(report, data, focal, version=report.version, lang="en")
        services.submit_report(report, focal)
        services.start_report_review(report, coordinator)
        services.accept_report(report, coordinator)
        accepted = _notes(focal, Kind.PLAN_STATUS)[-1]
        assert _links_to(accepted, report) and "Accepted" in accepted.title_en
        assert _in_az(report) in accepted.title_az and "monitorinq hesabatı" in accepted.title_az
        # Another municipality hears of nothing.
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == other.id)) == 0


def test_a_kind_turned_off_still_notifies_but_sends_no_mail(app, approved):  # noqa: F811, E501
    with app.app_context(), force_locale("en"):
        _forget_the_plan()
        plan = db.session.get(Plan, approved["plan"])
        focal, coordinator = get_user(approved["focal"].id), get_user(approved["coordinator"].id)
        notifications.save_preferences(coordinator.id, set())
        notifications.save_preferences(focal.id, {k.value for k in Kind} - {"plan_comment"})
        report = services.start_report(plan, services.get_round(approved["round"]), focal)
        services.save_report(report, report_form(report.version), focal,
                             version=report.version, lang="en")
        services.submit_report(report, focal)
        services.start_report_review(report, coordinator)
        services.add_report_comment(report, "targets", "Where does 75 come from?", coordinator)
        assert len(_notes(coordinator, Kind.PLAN_STATUS)) == 1
        assert _mails(coordinator.email) == 0
        assert len(_notes(focal, Kind.PLAN_COMMENT)) == 1
        assert len(_notes(focal, Kind.PLAN_STATUS)) == 1
        assert _mails(focal.email) == 1  # the status change only, not the comment
