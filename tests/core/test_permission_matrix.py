"""Who reaches which route, for every rule of the URL map: the one table of the site's access.

Each domain lists its routes with concrete ids (one object per domain, built by the
``objects`` fixture) and the people who may use them. The walk sends each person to every
route: those allowed are served (never refused, never sent to sign in), the others are refused
(403) or, when not signed in, sent to sign in. A route of the URL map that no domain lists and
that is not declared public makes the table incomplete, and the test fails.
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from m4eg.core.outbox import FAILED
from m4eg.core.permissions import ANONYMOUS, PUBLIC, declared_access
from m4eg.extensions import db

ANON, STAFF_A, FOCAL_A, FOCAL_B, COORDINATOR, ADMIN = (
    "anonymous", "staff of A", "focal point of A", "focal point of B", "coordinator", "admin")
PEOPLE = (ANON, STAFF_A, FOCAL_A, FOCAL_B, COORDINATOR, ADMIN)
EVERYONE = frozenset(PEOPLE)
SIGNED_IN = EVERYONE - {ANON}
NETWORK = frozenset({COORDINATOR, ADMIN})
COURSE = "community-listening"
PORTFOLIO = "urva-tourism-and-local-brand"


def _main(ids):
    return [
        ("main.index", "get", "/en/", EVERYONE),
        ("main.privacy", "get", "/en/privacy", EVERYONE),
        ("root.choose_language", "get", "/", EVERYONE),
        ("root.healthz", "get", "/healthz", EVERYONE),
        ("main.mail_queue", "get", "/en/admin/mail", {ADMIN}),
        ("main.retry_mail", "post", f"/en/admin/mail/{ids['message']}/retry", {ADMIN}),
    ]


def _accounts(ids):
    return [
        ("accounts.register", "get", "/en/accounts/register", EVERYONE),
        ("accounts.register", "post", "/en/accounts/register", EVERYONE),
        ("accounts.login", "get", "/en/accounts/login", EVERYONE),
        ("accounts.login", "post", "/en/accounts/login", EVERYONE),
        ("accounts.forgot_password", "get", "/en/accounts/password/forgot", EVERYONE),
        ("accounts.forgot_password", "post", "/en/accounts/password/forgot", EVERYONE),
        ("accounts.reset_password", "get", "/en/accounts/password/reset/no-such-token",
         EVERYONE),
        ("accounts.reset_password", "post", "/en/accounts/password/reset/no-such-token",
         EVERYONE),
        ("accounts.change_password", "get", "/en/accounts/password", SIGNED_IN),
        ("accounts.change_password", "post", "/en/accounts/password", SIGNED_IN),
        ("accounts.profile", "get", "/en/accounts/profile", SIGNED_IN),
        ("accounts.profile", "post", "/en/accounts/profile", SIGNED_IN),
        ("accounts.users", "get", "/en/accounts/users/", NETWORK),
        ("accounts.set_role", "post", f"/en/accounts/users/{ids['staff']}/role", NETWORK),
        ("accounts.affiliations", "get", "/en/accounts/affiliations",
         {FOCAL_A, FOCAL_B, COORDINATOR, ADMIN}),
        ("accounts.confirm_affiliation", "post",
         f"/en/accounts/users/{ids['unconfirmed']}/confirm", {FOCAL_A, COORDINATOR, ADMIN}),
        ("accounts.end_other_sessions", "post", "/en/accounts/sessions/end-others", SIGNED_IN),
        # These two end the session: the walk sends them last.
        ("accounts.logout", "post", "/en/accounts/logout", SIGNED_IN),
        ("accounts.end_all_sessions", "post", "/en/accounts/sessions/end-all", SIGNED_IN),
    ]


def _municipalities(ids):
    slug = ids["municipality"]
    return [
        ("municipalities.index", "get", "/en/municipalities/", EVERYONE),
        ("municipalities.show", "get", f"/en/municipalities/{slug}", EVERYONE),
        ("municipalities.create", "get", "/en/municipalities/new", NETWORK),
        ("municipalities.create", "post", "/en/municipalities/new", NETWORK),
        ("municipalities.edit", "get", f"/en/municipalities/{slug}/edit", NETWORK),
        ("municipalities.edit", "post", f"/en/municipalities/{slug}/edit", NETWORK),
        ("municipalities.set_status", "post", f"/en/municipalities/{slug}/status", NETWORK),
        ("municipalities.import_roster", "get", "/en/municipalities/import", NETWORK),
        ("municipalities.import_roster", "post", "/en/municipalities/import", NETWORK),
        ("municipalities.confirm_import", "post", "/en/municipalities/import/confirm", NETWORK),
        ("municipalities.export", "get", "/en/municipalities/export.csv", NETWORK),
        ("municipalities.export", "get", "/en/municipalities/export.xlsx", NETWORK),
    ]


def _figures_and_api(ids):
    return [
        ("figures.index", "get", "/en/figures/", EVERYONE),
        ("figures.export", "get", "/en/figures/export.csv", EVERYONE),
        ("api.municipality_list", "get", "/api/v1/municipalities", EVERYONE),
        ("api.municipality_detail", "get", f"/api/v1/municipalities/{ids['municipality']}",
         EVERYONE),
        ("api.figure_list", "get", "/api/v1/figures", EVERYONE),
        ("api.course_list", "get", "/api/v1/courses", EVERYONE),
        ("api.readiness_ranking", "get", "/api/v1/readiness", EVERYONE),
        ("api.openapi", "get", "/api/v1/openapi.json", EVERYONE),
    ]


def _courses(ids):
    lesson, workshop, code = ids["lesson"], ids["workshop"], ids["certificate"]
    return [
        ("courses.index", "get", "/en/courses/", EVERYONE),
        ("courses.show", "get", f"/en/courses/{COURSE}", EVERYONE),
        ("courses.my_learning", "get", "/en/courses/my-learning", SIGNED_IN),
        ("courses.enrol", "post", f"/en/courses/{COURSE}/enrol", SIGNED_IN),
        ("courses.lesson", "get", f"/en/courses/{COURSE}/{lesson}", SIGNED_IN),
        ("courses.mark_done", "post", f"/en/courses/{COURSE}/{lesson}/done", SIGNED_IN),
        ("courses.quiz", "get", f"/en/courses/{COURSE}/quiz", SIGNED_IN),
        ("courses.quiz", "post", f"/en/courses/{COURSE}/quiz", SIGNED_IN),
        # Signed in, one is told what is left to earn the certificate (a 403 of its own).
        ("courses.certificate", "get", f"/en/courses/{COURSE}/certificate", SIGNED_IN,
         "No certificate yet"),
        ("courses.reports", "get", "/en/courses/reports", NETWORK),
        ("courses.export_reports", "get", "/en/courses/reports.csv", NETWORK),
        ("courses.export_reports", "get", "/en/courses/reports.xlsx", NETWORK),
        ("certificates.show", "get", f"/en/certificates/{code}", EVERYONE),
        ("certificates.pdf", "get", f"/en/certificates/{code}.pdf", NETWORK),  # not the owner
        ("workshops.index", "get", "/en/workshops/", EVERYONE),
        ("workshops.show", "get", f"/en/workshops/{workshop}", EVERYONE),
        ("workshops.register", "post", f"/en/workshops/{workshop}/register", SIGNED_IN),
        ("workshops.cancel", "post", f"/en/workshops/{workshop}/cancel", SIGNED_IN),
        ("workshops.create", "get", "/en/workshops/new", NETWORK),
        ("workshops.create", "post", "/en/workshops/new", NETWORK),
        ("workshops.edit", "get", f"/en/workshops/{workshop}/edit", NETWORK),
        ("workshops.edit", "post", f"/en/workshops/{workshop}/edit", NETWORK),
        ("workshops.attendance", "post", f"/en/workshops/{workshop}/attendance", NETWORK),
    ]


def _portfolios(ids):
    base = f"/en/portfolios/{PORTFOLIO}"
    option, milestone = ids["option"], ids["milestone"]
    return [
        ("portfolios.index", "get", "/en/portfolios/", EVERYONE),
        ("portfolios.show", "get", base, EVERYONE),
        ("portfolios.board", "get", "/en/portfolios/board", NETWORK),
        ("portfolios.export_board", "get", "/en/portfolios/board.csv", NETWORK),
        ("portfolios.export_board", "get", "/en/portfolios/board.xlsx", NETWORK),
        ("portfolios.create", "get", "/en/portfolios/new", NETWORK),
        ("portfolios.create", "post", "/en/portfolios/new", NETWORK),
        ("portfolios.edit", "get", f"{base}/edit", NETWORK),
        ("portfolios.edit", "post", f"{base}/edit", NETWORK),
        ("portfolios.manage", "get", f"{base}/manage", NETWORK),
        ("portfolios.add_option", "post", f"{base}/options", NETWORK),
        ("portfolios.edit_option", "get", f"{base}/options/{option}/edit", NETWORK),
        ("portfolios.edit_option", "post", f"{base}/options/{option}/edit", NETWORK),
        ("portfolios.change_status", "post", f"{base}/options/{option}/status", NETWORK),
        ("portfolios.add_milestone", "post", f"{base}/options/{option}/milestones", NETWORK),
        ("portfolios.complete_milestone", "post", f"{base}/milestones/{milestone}/done",
         NETWORK),
        ("portfolios.add_activity", "post", f"{base}/activities", NETWORK),
        ("portfolios.add_session", "post", f"{base}/sessions", NETWORK),
        ("portfolios.add_story", "post", f"{base}/stories", NETWORK),
    ]


def _plans(ids):
    plan, comment = ids["plan"], ids["comment"]
    readers = {STAFF_A, FOCAL_A, COORDINATOR, ADMIN}
    commenters = {FOCAL_A, COORDINATOR, ADMIN}
    return [
        ("plans.index", "get", "/en/plans/", SIGNED_IN),
        ("plans.start", "post", "/en/plans/start", {FOCAL_A, FOCAL_B}),  # each for their own
        ("plans.queue", "get", "/en/plans/queue", NETWORK),
        ("plans.export_queue", "get", "/en/plans/queue.csv", NETWORK),
        ("plans.export_queue", "get", "/en/plans/queue.xlsx", NETWORK),
        ("plans.cycles", "get", "/en/plans/cycles", NETWORK),
        ("plans.cycles", "post", "/en/plans/cycles", NETWORK),
        ("plans.show", "get", f"/en/plans/{plan}", readers),
        ("plans.history", "get", f"/en/plans/{plan}/history", readers),
        ("plans.print_view", "get", f"/en/plans/{plan}/print", readers),
        ("plans.pdf", "get", f"/en/plans/{plan}.pdf", readers),
        ("plans.edit_block", "get", f"/en/plans/{plan}/blocks/vision", {FOCAL_A}),
        ("plans.edit_block", "post", f"/en/plans/{plan}/blocks/vision", {FOCAL_A}),
        ("plans.submit", "get", f"/en/plans/{plan}/submit", {FOCAL_A}),
        ("plans.submit", "post", f"/en/plans/{plan}/submit", {FOCAL_A}),
        ("plans.comment", "post", f"/en/plans/{plan}/comments", commenters),
        ("plans.resolve_comment", "post", f"/en/plans/{plan}/comments/{comment}/resolve",
         commenters),
        ("plans.start_review", "post", f"/en/plans/{plan}/review", NETWORK),
        ("plans.approve", "get", f"/en/plans/{plan}/approve", NETWORK),
        ("plans.approve", "post", f"/en/plans/{plan}/approve", NETWORK),
        ("plans.request_changes", "post", f"/en/plans/{plan}/request-changes", NETWORK),
    ]


def _readiness(ids):
    return [
        ("readiness.index", "get", "/en/readiness/", EVERYONE),
        ("readiness.indicators", "get", "/en/readiness/indicators", EVERYONE),
        ("readiness.profile", "get", "/en/readiness/village/AZ-006", EVERYONE),
        ("readiness.profile", "get", "/en/readiness/rayon/guba", EVERYONE),
        ("readiness.export", "get", "/en/readiness/export.csv", EVERYONE),
        ("readiness.export", "get", "/en/readiness/export.xlsx", EVERYONE),
        ("readiness.import_values", "get", "/en/readiness/import", NETWORK),
        ("readiness.import_values", "post", "/en/readiness/import", NETWORK),
        ("readiness.confirm_import", "post", "/en/readiness/import/confirm", NETWORK),
        ("readiness.weights", "get", "/en/readiness/weights", NETWORK),
        ("readiness.weights", "post", "/en/readiness/weights", NETWORK),
    ]


DOMAINS = (_main, _accounts, _municipalities, _figures_and_api, _courses, _portfolios,
           _plans, _readiness)
LAST = ("accounts.logout", "accounts.end_all_sessions")


def _table(ids):
    rows = [(*row, None)[:5] for domain in DOMAINS for row in domain(ids)]
    return sorted(rows, key=lambda row: row[0] in LAST)  # stable: the rest keep their order


@pytest.fixture
def objects(app, roster, demonstrators, make_user):
    """One object of each domain, and the people to act on; returns their ids."""
    from m4eg.accounts.services import get_user
    from m4eg.core.outbox import queue_mail
    from m4eg.core.time import utcnow
    from m4eg.courses import services as courses
    from m4eg.courses.models import Certificate
    from m4eg.municipalities.services import get_by_slug
    from m4eg.plans import services as plans
    from m4eg.plans.cli import DEFAULT_TEMPLATE
    from m4eg.portfolios import services as portfolios
    from m4eg.portfolios.models import Milestone
    from m4eg.workshops.models import Workshop

    with app.app_context():
        a, b = get_by_slug("khirdalan").id, get_by_slug("urva").id
    owner = make_user(role="focal_point", municipality_id=a)
    reviewer = make_user(role="coordinator")
    learner = make_user(role="staff", municipality_id=a)
    unconfirmed = make_user(role="staff", municipality_id=a, confirmed=False)
    with app.app_context():
        template, _ = plans.load_template(DEFAULT_TEMPLATE)
        cycle = plans.save_cycle(None, name="2025–2027", deadline=date(2030, 3, 31),
                                 reminder_days=14)
        plan = plans.start_plan(a, cycle, get_user(owner.id), template)
        comment = plans.add_comment(plan, "vision", "A reviewer's note.", get_user(reviewer.id))
        option = portfolios.get_by_slug(PORTFOLIO).options[0]
        milestone = db.session.scalar(select(Milestone.id).where(
            Milestone.option_id == option.id)) or portfolios.add_milestone(option, {
                "title_az": "Tender", "title_en": "Tender",
                "due_date": date(2030, 1, 1)}).id
        start = utcnow() + timedelta(days=10)
        workshop = Workshop(course_slug=COURSE, city_az="Şəki", city_en="Sheki", venue="Zal",
                            starts_at=start, ends_at=start + timedelta(hours=5),
                            registration_deadline=start - timedelta(days=1), capacity=5,
                            seats_taken=0)
        db.session.add(workshop)
        db.session.add(Certificate(code="AAAA-BBBB-CCCC", user_id=learner.id,
                                   course_slug=COURSE, learner_name=learner.name,
                                   course_title_az="X", course_title_en="X", hours=4,
                                   language="en"))
        message = queue_mail("someone@test.example", "Subject", "Body")
        message.status = FAILED  # one the administrator may queue again
        db.session.commit()
        return {"a": a, "b": b, "municipality": "khirdalan", "plan": plan.id,
                "comment": comment.id, "option": option.id, "milestone": milestone,
                "workshop": workshop.id, "certificate": "AAAA-BBBB-CCCC",
                "lesson": courses.get_course(COURSE).lessons[0].slug,
                "message": message.id, "staff": learner.id, "unconfirmed": unconfirmed.id}


def _sign_in(login_as, ids, person):
    if person == ANON:
        return
    role, municipality = {
        STAFF_A: ("staff", ids["a"]), FOCAL_A: ("focal_point", ids["a"]),
        FOCAL_B: ("focal_point", ids["b"]), COORDINATOR: ("coordinator", None),
        ADMIN: ("admin", None)}[person]
    login_as(role, municipality_id=municipality)


def test_every_rule_of_the_url_map_is_in_the_table_or_public(app):
    listed = {(endpoint, method.upper()) for endpoint, method, _url, _who, _text in _table(
        dict.fromkeys(("message", "staff", "unconfirmed", "municipality", "lesson", "workshop",
                       "certificate", "option", "milestone", "plan", "comment"), 1))}
    missing = []
    for rule in app.url_map.iter_rules():
        audience = declared_access(app, rule.endpoint) or frozenset()
        if audience & {PUBLIC, ANONYMOUS}:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (rule.endpoint, method) not in listed:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert missing == [], "routes no domain lists in the permission table"


def test_the_table_names_only_real_routes(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    named = {row[0] for row in _table(dict.fromkeys(
        ("message", "staff", "unconfirmed", "municipality", "lesson", "workshop", "certificate",
         "option", "milestone", "plan", "comment"), 1))}
    assert named - endpoints == set()


@pytest.mark.parametrize("person", PEOPLE)
def test_each_person_reaches_exactly_the_routes_they_may(client, login_as, objects, person):
    _sign_in(login_as, objects, person)
    wrong = []
    for endpoint, method, url, who, text in _table(objects):
        if endpoint in LAST:
            _sign_in(login_as, objects, person)  # the previous one ended the session
        response = getattr(client, method)(url)
        status = response.status_code
        location = response.headers.get("Location", "")
        # Sent to sign in and come back: a refusal (end-all sessions signs out without it).
        to_login = status == 302 and "/accounts/login?next=" in location
        if person in who:
            served = (text in response.get_data(as_text=True) if text else
                      status not in (401, 403, 404) and status < 500 and not to_login)
            if not served:
                wrong.append(f"{method.upper()} {url} ({endpoint}): {status} {location}")
        elif person == ANON:
            if not to_login and status != 401:
                wrong.append(f"{method.upper()} {url} ({endpoint}): {status}, not sign-in")
        elif status != 403:
            wrong.append(f"{method.upper()} {url} ({endpoint}): {status}, not refused")
    assert wrong == []
