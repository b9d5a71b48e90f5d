"""Each role's home: what needs the person, each item linking where it is handled, in a
number of SQL statements that does not grow with the data."""

from datetime import date, timedelta

import pytest

from m4eg.accounts.services import get_user
from m4eg.core.audit import record
from m4eg.core.outbox import FAILED, queue_mail
from m4eg.extensions import db
from m4eg.plans import services as plans
from m4eg.plans.models import Cycle, Plan
from m4eg.workshops import services as workshops
from m4eg.workshops.models import Workshop

COURSE = "community-listening"


def _home(client, lang="en"):
    response = client.get(f"/{lang}/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _pages_cost_the_same(client, count_queries, grow, lang="en"):
    """The home's SQL statements before and after ``grow()`` adds more data."""
    _home(client, lang)  # warm: the first page of a session reads its lazy settings
    with count_queries() as before:
        _home(client, lang)
    grow()
    with count_queries() as after:
        page = _home(client, lang)
    assert after.count == before.count, (before.count, after.count)
    return page


def test_staff_home_resumes_courses_lists_workshops_and_certificates(
        app, client, login_as, make_course_progress, make_workshop, make_user, count_queries):
    me = login_as("staff")
    make_course_progress(me.id, COURSE, lessons=("why-listen",))
    seat = make_workshop(capacity=5)
    with app.app_context():
        from m4eg.courses.models import Certificate

        db.session.add(Certificate(code="HOME-CERT-0001", user_id=me.id,
                                   course_slug="foresight-for-municipalities",
                                   learner_name="x", course_title_az="x", course_title_en="x",
                                   hours=4, language="en"))
        workshops.register(get_user(me.id), db.session.get(Workshop, seat))
        db.session.commit()

    def more():
        for slug in ("foresight-for-municipalities", "adaptive-management-and-monitoring",
                     "localising-the-sdgs"):
            make_course_progress(me.id, slug)
        later = [make_workshop(capacity=5, days=20) for _ in range(3)]
        with app.app_context():
            for workshop_id in later:
                workshops.register(get_user(me.id), db.session.get(Workshop, workshop_id))
            db.session.commit()

    page = _pages_cost_the_same(client, count_queries, more)
    assert "My learning" in page and "Continue:" in page
    assert f'href="/en/courses/{COURSE}"' in page and "Lessons done" in page
    assert f'href="/en/workshops/{seat}"' in page and "seat confirmed" in page
    assert "My certificates" in page
    assert 'href="/en/courses/foresight-for-municipalities/certificate"' in page
    assert "Review queue" not in page and "Your municipality's P4EG plan" not in page


def test_focal_point_home_shows_the_plan_as_steps_deadline_comments_and_reminder(
        app, client, login_as, member_id, make_plan, make_user, count_queries):
    me = login_as("focal_point", municipality_id=member_id("khirdalan"))
    plan_id = make_plan("khirdalan", by=me)
    coordinator = make_user(role="coordinator")
    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        plans.add_comment(plan, "vision", "Which sectors?", get_user(coordinator.id))
        db.session.commit()

    def more():
        with app.app_context():
            plan = db.session.get(Plan, plan_id)
            for n in range(6):
                plans.add_comment(plan, "diagnostic", f"Question {n}", get_user(coordinator.id))
            db.session.commit()
        for _ in range(3):
            make_user(role="staff", municipality_id=member_id("khirdalan"), confirmed=False)

    page = _pages_cost_the_same(client, count_queries, more)
    assert "Your municipality's P4EG plan" in page
    assert f'href="/en/plans/{plan_id}"' in page
    assert '<ol class="steps"' in page and 'aria-current="step">Draft' in page
    assert "0 of 8 sections complete" in page
    with app.app_context():
        cycle = db.session.get(Plan, plan_id).cycle
        left = (cycle.deadline - date.today()).days
        reminder = cycle.deadline - timedelta(days=cycle.reminder_days)
    assert f"{left} days left" in page or f"{left - 1} days left" in page
    assert f'href="/en/plans/{plan_id}#block-' in page and "7 open comments" in page
    assert "Next reminder by email: " + reminder.strftime("%B") in page
    assert "3 people wait for you to confirm" in page
    assert 'href="/en/accounts/affiliations"' in page
    # The notification of the first comment leads to the plan, from the home too.
    assert "New for you" in page and "wrote about «" in page


def test_coordinator_home_counts_plans_lists_overdue_waiting_portfolios_and_seats(
        app, client, login_as, member_id, make_plan, make_user, make_workshop,
        make_portfolio, count_queries):
    login_as("coordinator")
    make_plan("khirdalan")
    mingachevir = member_id("mingachevir")
    make_portfolio(member_id("urva"), options=1, milestones=2, title_en="Urva brand")
    make_user(role="staff", municipality_id=member_id("urva"), confirmed=False,
              name="Waiting Person")
    free = make_workshop(capacity=3)
    with app.app_context():
        past = Cycle(name="2020 (past)", deadline=date(2020, 1, 31), reminder_days=7)
        db.session.add(past)
        plans.start_plan(mingachevir, past, None, plans.latest_template())
        db.session.commit()

    def more():
        members = [member_id(slug) for slug in ("urva", "sheki-city", "naftalan")]
        with app.app_context():
            past = db.session.scalar(db.select(Cycle).where(Cycle.name == "2020 (past)"))
            template = plans.latest_template()
            for municipality_id in members:
                plans.start_plan(municipality_id, past, None, template)
            db.session.commit()
        for n in range(3):
            make_portfolio(member_id("sheki-city"), options=2, milestones=3)
            make_user(role="staff", municipality_id=member_id("sheki-city"), confirmed=False)
            make_workshop(capacity=2, days=30 + n)

    page = _pages_cost_the_same(client, count_queries, more)
    assert 'href="/en/plans/queue?status=draft"><strong>5</strong> Draft' in page
    assert "4 plans past their deadline" in page and 'href="/en/plans/queue?overdue=1"' in page
    assert "4 new accounts wait for a confirmation" in page and "Waiting Person" in page
    assert "overdue milestone" in page and "Urva brand" in page
    assert f'href="/en/workshops/{free}"' in page and "3 seats left" in page
    assert 'href="/en/portfolios/board"' in page


def test_admin_home_counts_roles_shows_undeliverable_mail_and_recent_audit_events(
        app, client, login_as, make_user, count_queries):
    login_as("admin")
    with app.app_context():
        queue_mail("lost@test.example", "Lost subject", "Body").status = FAILED
        db.session.commit()

    def more():
        people = [make_user(role="staff") for _ in range(4)]
        with app.app_context():
            for person in people:
                record("role.changed", actor=get_user(people[0].id), target=get_user(person.id))
                queue_mail(f"x{person.id}@test.example", "Subject", "Body").status = FAILED
            db.session.commit()

    page = _pages_cost_the_same(client, count_queries, more)
    assert "Accounts by role" in page and 'href="/en/accounts/users/?role=staff"' in page
    assert "5 messages could not be delivered" in page and 'href="/en/admin/mail"' in page
    assert "Recent audit events" in page and "Role changed" in page
    assert 'href="/en/accounts/audit"' in page.split('id="home-audit"')[1]


@pytest.mark.parametrize("role, links, absent", [
    ("staff", ["/en/courses/my-learning"], ["Review queue", "Users", "Portfolio board"]),
    ("focal_point", ["/en/accounts/affiliations"], ["Review queue", "Portfolio board"]),
    ("coordinator", ["/en/plans/queue", "/en/portfolios/board", "/en/workshops/new",
                     "/en/municipalities/import", "/en/readiness/import",
                     "/en/accounts/users/", "/en/figures/report", "/en/courses/reports",
                     "/en/plans/extensions"],
     ["/en/admin/mail"]),
    ("admin", ["/en/plans/queue", "/en/accounts/users/", "/en/admin/mail",
               "/en/accounts/audit"], []),
])
def test_the_work_menu_offers_only_what_the_reader_may_open(client, login_as, role, links,
                                                           absent):
    login_as(role)
    page = client.get("/en/municipalities/").get_data(as_text=True)  # any page
    menu = page.split('<details class="work-menu">')[1].split("</details>")[0]
    for link in links:
        assert f'href="{link}"' in menu
    for text in absent:
        assert text not in menu
    assert "My learning" in menu  # the reader's own pages lead the menu, for every role
