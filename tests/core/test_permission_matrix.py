"""Who reaches which route, for every rule of the URL map: the one table of the site's access.

Each domain lists its routes with concrete ids (one object per domain, built by
:func:`_build`) and the people who may use them; a row's methods share its URL and audience.
The walk sends each person to every route: those allowed are served (never refused, never
sent to sign in), the others are refused (403) or, when not signed in, sent to sign in. A
route of the URL map that no domain lists and that is not declared public makes the table
incomplete, and the test fails.

On SQLite the objects and the people are built once for the module and each person's walk
starts from a copy of that database (what one person's requests change, the next does not
see); on PostgreSQL they are built for each person.
"""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from m4eg.core.outbox import FAILED
from m4eg.core.permissions import ANONYMOUS, PUBLIC, declared_access
from m4eg.extensions import db
from tests.conftest import TEST_DATABASE_URL, _sqlite_file, log_in, new_user

ANON, STAFF_A, FOCAL_A, FOCAL_B, COORDINATOR, ADMIN = (
    "anonymous", "staff of A", "focal point of A", "focal point of B", "coordinator", "admin")
PEOPLE = (ANON, STAFF_A, FOCAL_A, FOCAL_B, COORDINATOR, ADMIN)
EVERYONE = frozenset(PEOPLE)
SIGNED_IN = EVERYONE - {ANON}
NETWORK = frozenset({COORDINATOR, ADMIN})
COURSE = "community-listening"
PORTFOLIO = "urva-tourism-and-local-brand"


GET, POST, BOTH = ("get",), ("post",), ("get", "post")


def _main(ids):
    return [
        ("main.index", GET, "/en/", EVERYONE),
        ("main.privacy", GET, "/en/privacy", EVERYONE),
        ("main.offline", GET, "/en/offline", EVERYONE),
        ("root.choose_language", GET, "/", EVERYONE),
        ("root.healthz", GET, "/healthz", EVERYONE),
        ("root.service_worker", GET, "/sw.js", EVERYONE),
        ("main.mail_queue", GET, "/en/admin/mail", {ADMIN}),
        ("main.style", GET, "/en/style", {ADMIN}),
        ("main.retry_mail", POST, f"/en/admin/mail/{ids['message']}/retry", {ADMIN}),
    ]


def _accounts(ids):
    users = "/en/accounts/users"
    return [
        ("accounts.register", BOTH, "/en/accounts/register", EVERYONE),
        ("accounts.login", BOTH, "/en/accounts/login", EVERYONE),
        ("accounts.forgot_password", BOTH, "/en/accounts/password/forgot", EVERYONE),
        ("accounts.reset_password", BOTH, "/en/accounts/password/reset/no-such-token",
         EVERYONE),
        ("accounts.change_password", BOTH, "/en/accounts/password", SIGNED_IN),
        ("accounts.profile", BOTH, "/en/accounts/profile", SIGNED_IN),
        ("accounts.users", GET, f"{users}/", NETWORK),
        ("accounts.set_role", POST, f"{users}/{ids['staff']}/role", NETWORK),
        # The confirmation page of a role change (the list's Save asks there first).
        ("accounts.set_role", GET, f"{users}/{ids['staff']}/role?u{ids['staff']}-role="
         f"focal_point&u{ids['staff']}-version=1", NETWORK),
        ("accounts.affiliations", GET, "/en/accounts/affiliations",
         {FOCAL_A, FOCAL_B, COORDINATOR, ADMIN}),
        ("accounts.confirm_affiliation", POST, f"{users}/{ids['unconfirmed']}/confirm",
         {FOCAL_A, COORDINATOR, ADMIN}),
        ("accounts.end_other_sessions", POST, "/en/accounts/sessions/end-others", SIGNED_IN),
        # Confirmed already: told so, nothing sent.
        ("accounts.resend_confirmation", POST, "/en/accounts/confirm/resend", SIGNED_IN),
        # Account administration: a coordinator manages municipal accounts, an administrator
        # any. Posted without the page's version: served (the page again), nothing changed.
        ("accounts.account", GET, f"{users}/{ids['managed']}", NETWORK),
        ("accounts.deactivate", BOTH, f"{users}/{ids['managed']}/deactivate", NETWORK),
        ("accounts.reactivate", POST, f"{users}/{ids['managed']}/reactivate", NETWORK),
        ("accounts.erase", BOTH, f"{users}/{ids['managed']}/erase", NETWORK),
        ("accounts.account", GET, f"{users}/{ids['network']}", {ADMIN}),
        ("accounts.deactivate", BOTH, f"{users}/{ids['network']}/deactivate", {ADMIN}),
        ("accounts.erase", BOTH, f"{users}/{ids['network']}/erase", {ADMIN}),
        # One's own data only, whoever asks.
        ("accounts.export_data", GET, f"{users}/{ids['staff_a']}/data.zip", {STAFF_A}),
        ("accounts.export_data", GET, f"{users}/{ids['coordinator']}/data.zip", {COORDINATOR}),
        ("accounts.audit_log", GET, "/en/accounts/audit", {ADMIN}),
        ("accounts.export_audit_log", GET, "/en/accounts/audit.csv", {ADMIN}),
        # These two end the session: the walk sends them last.
        ("accounts.logout", POST, "/en/accounts/logout", SIGNED_IN),
        ("accounts.end_all_sessions", POST, "/en/accounts/sessions/end-all", SIGNED_IN),
    ]


def _municipalities(ids):
    base = f"/en/municipalities/{ids['municipality']}"
    return [
        ("municipalities.index", GET, "/en/municipalities/", EVERYONE),
        ("municipalities.show", GET, base, EVERYONE),
        ("municipalities.create", BOTH, "/en/municipalities/new", NETWORK),
        ("municipalities.edit", BOTH, f"{base}/edit", NETWORK),
        ("municipalities.set_status", POST, f"{base}/status", NETWORK),
        ("municipalities.set_status", GET, f"{base}/status?status=suspended&version=1",
         NETWORK),
        ("municipalities.import_roster", BOTH, "/en/municipalities/import", NETWORK),
        ("municipalities.confirm_import", POST, "/en/municipalities/import/confirm", NETWORK),
        ("municipalities.export", GET, "/en/municipalities/export.csv", NETWORK),
        ("municipalities.export", GET, "/en/municipalities/export.xlsx", NETWORK),
    ]


def _figures_and_api(ids):
    return [
        ("figures.index", GET, "/en/figures/", EVERYONE),
        ("figures.export", GET, "/en/figures/export.csv", EVERYONE),
        ("figures.records", GET, "/en/figures/events/records", NETWORK),
        ("figures.reach_list", GET, "/en/figures/reach/", NETWORK),
        ("figures.reach_create", BOTH, "/en/figures/reach/new", NETWORK),
        ("figures.reach_edit", BOTH, f"/en/figures/reach/{ids['reach']}/edit", NETWORK),
        ("figures.reach_delete", BOTH, f"/en/figures/reach/{ids['reach']}/delete", NETWORK),
        ("figures.event_kinds", BOTH, "/en/figures/events", NETWORK),
        ("api.figure_detail", GET, "/api/v1/figures/events", EVERYONE),
        ("api.municipality_list", GET, "/api/v1/municipalities", EVERYONE),
        ("api.municipality_detail", GET, f"/api/v1/municipalities/{ids['municipality']}",
         EVERYONE),
        ("api.figure_list", GET, "/api/v1/figures", EVERYONE),
        ("api.course_list", GET, "/api/v1/courses", EVERYONE),
        ("api.readiness_ranking", GET, "/api/v1/readiness", EVERYONE),
        ("api.openapi", GET, "/api/v1/openapi.json", EVERYONE),
    ]


DRAFT_REPORT = "?from=2023-05&to=2024-05"  # not final: for those who write it
# Routes that tell a visitor who is not signed in "not final yet" (403) rather than send
# them to sign in: no account but a coordinator's would open them.
ANONYMOUS_TOLD = {f"/en/figures/report{suffix}{DRAFT_REPORT}" for suffix in ("", ".pdf",
                                                                              ".docx")}


def _reports(ids):
    draft = DRAFT_REPORT
    final = "?from=2020-01&to=2020-12"  # final (made by _build): public
    return [
        ("reports.show", GET, "/en/figures/report", EVERYONE),  # the list of final reports
        ("reports.show", GET, f"/en/figures/report{draft}", NETWORK),
        ("reports.pdf", GET, f"/en/figures/report.pdf{draft}", NETWORK),
        ("reports.docx", GET, f"/en/figures/report.docx{draft}", NETWORK),
        ("reports.show", GET, f"/en/figures/report{final}", EVERYONE),
        ("reports.pdf", GET, f"/en/figures/report.pdf{final}", EVERYONE),
        ("reports.docx", GET, f"/en/figures/report.docx{final}", EVERYONE),
        ("reports.edit", BOTH, f"/en/figures/report/edit{draft}", NETWORK),
    ]


def _courses(ids):
    course, workshop = f"/en/courses/{COURSE}", f"/en/workshops/{ids['workshop']}"
    lesson, certificate = f"{course}/{ids['lesson']}", f"/en/certificates/{ids['certificate']}"
    return [
        ("courses.index", GET, "/en/courses/", EVERYONE),
        ("courses.show", GET, course, EVERYONE),
        ("courses.my_learning", GET, "/en/courses/my-learning", SIGNED_IN),
        ("courses.enrol", POST, f"{course}/enrol", SIGNED_IN),
        ("courses.lesson", GET, lesson, SIGNED_IN),
        ("courses.mark_done", POST, f"{lesson}/done", SIGNED_IN),
        ("courses.quiz", BOTH, f"{course}/quiz", SIGNED_IN),
        # Signed in, one is told what is left to earn the certificate (a 403 of its own).
        ("courses.certificate", GET, f"{course}/certificate", SIGNED_IN, "No certificate yet"),
        ("courses.reports", GET, "/en/courses/reports", NETWORK),
        ("courses.export_reports", GET, "/en/courses/reports.csv", NETWORK),
        ("courses.export_reports", GET, "/en/courses/reports.xlsx", NETWORK),
        ("certificates.show", GET, certificate, EVERYONE),
        ("certificates.pdf", GET, f"{certificate}.pdf", NETWORK),  # not the owner
        # Posted without a reason: served (told to give one), nothing revoked.
        ("certificates.revoke", POST, f"{certificate}/revoke", NETWORK),
        ("workshops.index", GET, "/en/workshops/", EVERYONE),
        ("workshops.show", GET, workshop, EVERYONE),
        ("workshops.register", POST, f"{workshop}/register", SIGNED_IN),
        ("workshops.cancel", POST, f"{workshop}/cancel", SIGNED_IN),
        ("workshops.create", BOTH, "/en/workshops/new", NETWORK),
        ("workshops.edit", BOTH, f"{workshop}/edit", NETWORK),
        ("workshops.attendance", BOTH, f"{workshop}/attendance", NETWORK),
        ("workshops.add_guest", POST, f"{workshop}/guests", NETWORK),
        ("workshops.add_participant", POST, f"{workshop}/participants", NETWORK),
        ("workshops.remove_guest", POST, f"{workshop}/guests/{ids['guest']}/remove", NETWORK),
        ("workshops.sign_in_sheet", GET, f"{workshop}/sign-in-sheet.pdf", NETWORK),
    ]


def _portfolios(ids):
    base = f"/en/portfolios/{PORTFOLIO}"
    option = f"{base}/options/{ids['option']}"
    network_posts = [  # the coordinators' forms on a portfolio's management page
        ("portfolios.add_option", f"{base}/options"),
        ("portfolios.change_status", f"{option}/status"),
        ("portfolios.add_milestone", f"{option}/milestones"),
        ("portfolios.complete_milestone", f"{base}/milestones/{ids['milestone']}/done"),
        ("portfolios.add_activity", f"{base}/activities"),
        ("portfolios.add_session", f"{base}/sessions"),
        ("portfolios.add_story", f"{base}/stories"),
    ]
    return [
        ("portfolios.index", GET, "/en/portfolios/", EVERYONE),
        ("portfolios.show", GET, base, EVERYONE),
        ("portfolios.board", GET, "/en/portfolios/board", NETWORK),
        ("portfolios.export_board", GET, "/en/portfolios/board.csv", NETWORK),
        ("portfolios.export_board", GET, "/en/portfolios/board.xlsx", NETWORK),
        ("portfolios.create", BOTH, "/en/portfolios/new", NETWORK),
        ("portfolios.edit", BOTH, f"{base}/edit", NETWORK),
        ("portfolios.manage", GET, f"{base}/manage", NETWORK),
        ("portfolios.edit_option", BOTH, f"{option}/edit", NETWORK),
        *((endpoint, POST, url, NETWORK) for endpoint, url in network_posts),
    ]


def _plans(ids):
    plan = f"/en/plans/{ids['plan']}"
    readers = {STAFF_A, FOCAL_A, COORDINATOR, ADMIN}
    commenters = {FOCAL_A, COORDINATOR, ADMIN}
    report = f"/en/plans/monitoring/{ids['report']}"
    return [
        ("plans.index", GET, "/en/plans/", SIGNED_IN),
        ("plans.start", POST, "/en/plans/start", {FOCAL_A, FOCAL_B}),  # each for their own
        ("plans.queue", GET, "/en/plans/queue", NETWORK),
        ("plans.export_queue", GET, "/en/plans/queue.csv", NETWORK),
        ("plans.export_queue", GET, "/en/plans/queue.xlsx", NETWORK),
        ("plans.cycles", BOTH, "/en/plans/cycles", NETWORK),
        ("plans.show", GET, plan, readers),
        ("plans.history", GET, f"{plan}/history", readers),
        ("plans.print_view", GET, f"{plan}/print", readers),
        ("plans.pdf", GET, f"{plan}.pdf", readers),
        ("plans.edit_block", BOTH, f"{plan}/blocks/vision", {FOCAL_A}),
        ("plans.submit", BOTH, f"{plan}/submit", {FOCAL_A}),
        ("plans.comment", POST, f"{plan}/comments", commenters),
        ("plans.resolve_comment", POST, f"{plan}/comments/{ids['comment']}/resolve",
         commenters),
        ("plans.start_review", POST, f"{plan}/review", NETWORK),
        ("plans.approve", BOTH, f"{plan}/approve", NETWORK),
        ("plans.request_changes", POST, f"{plan}/request-changes", NETWORK),
        ("plans.open_list", GET, "/en/plans/open", EVERYONE),
        ("plans.open_plan", GET, f"/en/municipalities/urva/plans/{ids['open_plan']}",
         EVERYONE),
        ("plans.workbook_page", GET, f"{plan}/workbook", readers),
        ("plans.workbook_download", GET, f"{plan}/workbook/az.xlsx", readers),
        ("plans.workbook_check", POST, f"{plan}/workbook/check", {FOCAL_A}),
        ("plans.workbook_apply", POST, f"{plan}/workbook/apply", {FOCAL_A}),
        ("plans.ask_extension", BOTH, f"{plan}/extension", {FOCAL_A}),
        ("plans.extension_list", GET, "/en/plans/extensions", NETWORK),
        ("plans.grant_extension", POST, f"/en/plans/extensions/{ids['extension']}/grant",
         NETWORK),
        ("plans.refuse_extension", POST, f"/en/plans/extensions/{ids['extension']}/refuse",
         NETWORK),
        ("plans.edit_cycle", BOTH, f"/en/plans/cycles/{ids['cycle']}/edit", NETWORK),
        ("plans.withhold", POST, f"{plan}/withhold", NETWORK),
        ("plans.publish", POST, f"{plan}/publish", NETWORK),
        # Monitoring (an approved plan of A and its draft report).
        ("plans.rounds", BOTH, "/en/plans/rounds", NETWORK),
        ("plans.edit_round", BOTH, f"/en/plans/rounds/{ids['round']}/edit", NETWORK),
        ("plans.ask_extension", BOTH,
         f"/en/plans/{ids['approved']}/rounds/{ids['round']}/extension", {FOCAL_A}),
        ("plans.start_report", POST, f"/en/plans/{ids['approved']}/monitoring", {FOCAL_A}),
        ("plans.report", GET, report, readers),
        ("plans.report_history", GET, f"{report}/history", readers),
        ("plans.edit_report", BOTH, f"{report}/edit", {FOCAL_A}),
        ("plans.withhold_report", POST, f"{report}/withhold", NETWORK),
        ("plans.publish_report", POST, f"{report}/publish", NETWORK),
        ("plans.submit_report", BOTH, f"{report}/submit", {FOCAL_A}),
        ("plans.report_comment", POST, f"{report}/comments", commenters),
        ("plans.resolve_report_comment", POST,
         f"{report}/comments/{ids['report_comment']}/resolve", commenters),
        ("plans.review_report", POST, f"{report}/review", NETWORK),
        ("plans.accept_report", BOTH, f"{report}/accept", NETWORK),
        ("plans.return_report", POST, f"{report}/return", NETWORK),
        ("plans.report_workbook_page", GET, f"{report}/workbook", readers),
        ("plans.report_workbook_download", GET, f"{report}/workbook/en.xlsx", readers),
        ("plans.report_workbook_check", POST, f"{report}/workbook/check", {FOCAL_A}),
        ("plans.report_workbook_apply", POST, f"{report}/workbook/apply", {FOCAL_A}),
    ]


def _notifications(ids):
    """Everyone signed in reads their own notifications; another person's id is not found
    (404), which the walk counts as refused for everyone but its owner."""
    base = "/en/notifications"
    mine = ids["notification"]
    return [
        ("notifications.index", GET, f"{base}/", SIGNED_IN),
        ("notifications.preferences", BOTH, f"{base}/preferences", SIGNED_IN),
        ("notifications.mark_all_read", POST, f"{base}/read-all", SIGNED_IN),
        ("notifications.mark_read", POST, f"{base}/{mine}/read", {STAFF_A}, None, 404),
        ("notifications.open_one", POST, f"{base}/{mine}/open", {STAFF_A}, None, 404),
    ]


def _readiness(ids):
    return [
        ("readiness.index", GET, "/en/readiness/", EVERYONE),
        ("readiness.indicators", GET, "/en/readiness/indicators", EVERYONE),
        ("readiness.profile", GET, "/en/readiness/village/AZ-006", EVERYONE),
        ("readiness.profile", GET, "/en/readiness/rayon/guba", EVERYONE),
        ("readiness.export", GET, "/en/readiness/export.csv", EVERYONE),
        ("readiness.export", GET, "/en/readiness/export.xlsx", EVERYONE),
        ("readiness.import_values", BOTH, "/en/readiness/import", NETWORK),
        ("readiness.confirm_import", POST, "/en/readiness/import/confirm", NETWORK),
        ("readiness.weights", BOTH, "/en/readiness/weights", NETWORK),
        ("readiness.method", GET, "/en/readiness/method", EVERYONE),
        ("readiness.settings", BOTH, "/en/readiness/settings", NETWORK),
        *(row for what in ("clusters", "bounds", "classes") for row in (
            ("readiness.import_table", BOTH, f"/en/readiness/import/{what}", NETWORK),
            ("readiness.confirm_table", POST, f"/en/readiness/import/{what}/confirm",
             NETWORK))),
    ]


DOMAINS = (_main, _accounts, _municipalities, _figures_and_api, _reports, _courses,
           _portfolios, _plans, _readiness, _notifications)
LAST = ("accounts.logout", "accounts.end_all_sessions")
# Ids for the tests that read the table's routes, not its objects.
ANY_IDS = dict.fromkeys(("message", "staff", "unconfirmed", "municipality", "lesson", "workshop",
                         "guest", "certificate", "option", "milestone", "plan", "comment",
                         "reach", "open_plan", "extension", "cycle", "managed", "network",
                         "staff_a", "coordinator", "notification", "approved", "report",
                         "report_comment", "round"), 1)


def _table(ids):
    """(endpoint, method, url, who, text or None, refusal status): one request a row, in the
    walk's order. A row may name the text its people see and the status others get (403
    unless it says 404: another person's notification is not found)."""
    rows = [(endpoint, method, url, who, rest[0] if rest else None,
             rest[1] if len(rest) > 1 else 403)
            for domain in DOMAINS for endpoint, methods, url, who, *rest in domain(ids)
            for method in methods]
    return sorted(rows, key=lambda row: row[0] in LAST)  # stable: the rest keep their order


PEOPLE_ROLES = {STAFF_A: ("staff", "a"), FOCAL_A: ("focal_point", "a"),
                FOCAL_B: ("focal_point", "b"), COORDINATOR: ("coordinator", None),
                ADMIN: ("admin", None)}


def _build():
    """One object of each domain, and the people to act on (inside an app context, on a
    database holding the roster and the demonstrators); returns their ids and emails."""
    from m4eg.accounts.services import get_user
    from m4eg.core.outbox import queue_mail
    from m4eg.core.time import utcnow
    from m4eg.courses import services as courses
    from m4eg.courses.models import Certificate
    from m4eg.figures import services as figures
    from m4eg.municipalities.services import get_by_slug
    from m4eg.notifications.models import Notification
    from m4eg.plans import services as plans
    from m4eg.plans.cli import DEFAULT_TEMPLATE
    from m4eg.portfolios import services as portfolios
    from m4eg.portfolios.models import Milestone
    from m4eg.reports import services as reports
    from m4eg.workshops.models import Workshop, WorkshopGuest
    from tests.plans.monitoring_support import approve_plan

    members = {"a": get_by_slug("khirdalan").id, "b": get_by_slug("urva").id}
    owner = new_user("focal_point", municipality_id=members["a"], n=1)
    reviewer = new_user("coordinator", n=2)
    learner = new_user("staff", municipality_id=members["a"], n=3)
    unconfirmed = new_user("staff", municipality_id=members["a"], confirmed=False, n=4)
    made = {person: new_user(role, municipality_id=members.get(member), n=10 + k)
            for k, (person, (role, member)) in enumerate(PEOPLE_ROLES.items())}
    people = {person: user.email for person, user in made.items()}
    managed = new_user("staff", municipality_id=members["b"], n=5)
    network = new_user("coordinator", n=6)
    template, _ = plans.load_template(DEFAULT_TEMPLATE)
    cycle = plans.save_cycle(None, name="2025–2027", deadline=date(2030, 3, 31),
                             reminder_days=14)
    plan = plans.start_plan(members["a"], cycle, get_user(owner.id), template)
    comment = plans.add_comment(plan, "vision", "A reviewer's note.", get_user(reviewer.id))
    from m4eg.plans import extensions

    extension = extensions.ask(plan, get_user(owner.id), "More time, please.")
    # An approved plan of B, public (a plan of A stays a draft for the routes above).
    open_plan = plans.start_plan(members["b"], cycle, None, template)
    open_plan.status, open_plan.approved_at = "approved", utcnow()
    earlier = plans.save_cycle(None, name="2022–2024", deadline=date(2024, 3, 31),
                               reminder_days=14)
    approved = plans.start_plan(members["a"], earlier, get_user(owner.id), template)
    approve_plan(approved, get_user(owner.id), get_user(reviewer.id))
    report = plans.start_report(approved, plans.save_round(
        earlier, name="2023", starts_on=date(2023, 1, 1), ends_on=date(2023, 12, 31),
        deadline=date(2024, 2, 28)), get_user(owner.id))
    report_comment = plans.add_report_comment(report, "narrative", "A reviewer's question.",
                                              get_user(reviewer.id))
    option = portfolios.get_by_slug(PORTFOLIO).options[0]
    milestone = db.session.scalar(select(Milestone.id).where(
        Milestone.option_id == option.id)) or portfolios.add_milestone(option, {
            "title_az": "Tender", "title_en": "Tender", "due_date": date(2030, 1, 1)}).id
    start = utcnow() + timedelta(days=10)
    workshop = Workshop(course_slug=COURSE, city_az="Şəki", city_en="Sheki", venue="Zal",
                        starts_at=start, ends_at=start + timedelta(hours=5),
                        registration_deadline=start - timedelta(days=1), capacity=5,
                        seats_taken=0)
    db.session.add(workshop)
    db.session.flush()
    guest = WorkshopGuest(workshop_id=workshop.id, organisation="EU Delegation", sex="female")
    db.session.add(guest)
    db.session.add(Certificate(code="AAAA-BBBB-CCCC", user_id=learner.id,
                               course_slug=COURSE, learner_name=learner.name,
                               course_title_az="X", course_title_en="X", hours=4,
                               language="en"))
    reach = figures.save_reach(None, {"channel": "website", "reach": 10, "source": "Site",
                                      "starts_on": date(2024, 1, 1),
                                      "ends_on": date(2024, 1, 31), "note": ""})
    reports.finalise(reports.parse_period({"from": "2020-01", "to": "2020-12"}),
                     get_user(reviewer.id), version=0)
    from m4eg.accounts.services import get_by_email
    from m4eg.notifications import services as notifications

    staff_a = get_by_email(people[STAFF_A])
    notifications.notify(staff_a, notifications.Kind.PLAN_STATUS, lambda: "A plan changed",
                         "plans.show", plan_id=plan.id)
    message = queue_mail("someone@test.example", "Subject", "Body")
    message.status = FAILED  # one the administrator may queue again
    db.session.commit()
    return {"municipality": "khirdalan", "plan": plan.id, "comment": comment.id,
            "extension": extension.id, "cycle": cycle.id, "open_plan": open_plan.id,
            "approved": approved.id, "report": report.id, "report_comment": report_comment.id,
            "round": report.round_id,
            "option": option.id, "milestone": milestone, "workshop": workshop.id,
            "guest": guest.id,
            "certificate": "AAAA-BBBB-CCCC", "lesson": courses.get_course(COURSE).lessons[0].slug,
            "message": message.id, "staff": learner.id, "reach": reach.id,
            "unconfirmed": unconfirmed.id, "managed": managed.id, "network": network.id,
            "staff_a": made[STAFF_A].id, "coordinator": made[COORDINATOR].id,
            "notification": db.session.scalar(select(Notification.id).where(
                Notification.user_id == staff_a.id)),
            "people": people}


@pytest.fixture(scope="module")
def built_once(tmp_path_factory, request):
    """SQLite: the database of :func:`_build`, made once for the module, and its ids."""
    if TEST_DATABASE_URL:
        return None
    ids = {}
    path = _sqlite_file(tmp_path_factory, "matrix", lambda: ids.update(_build()),
                        request.getfixturevalue("sqlite_demonstrators"))
    return SimpleNamespace(path=path, ids=ids)


@pytest.fixture
def sqlite_database(built_once):
    """The file this module's test databases start from (tests/conftest.py copies it)."""
    return built_once.path if built_once else None


@pytest.fixture
def objects(built_once, sqlite_database, demonstrators, app):
    """The ids of :func:`_build`'s objects and the people's emails."""
    if built_once is not None:
        return built_once.ids
    with app.app_context():  # PostgreSQL: built for each test
        return _build()


def _sign_in(client, ids, person):
    if person != ANON:
        assert log_in(client, ids["people"][person]).status_code == 302, "login failed"
        assert client.get("/az/accounts/profile").status_code == 200


def test_every_rule_of_the_url_map_is_in_the_table_or_public(app):
    listed = {(endpoint, method.upper()) for endpoint, method, *_ in _table(ANY_IDS)}
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
    named = {row[0] for row in _table(ANY_IDS)}
    assert named - endpoints == set()


@pytest.mark.parametrize("person", PEOPLE)
def test_each_person_reaches_exactly_the_routes_they_may(client, objects, person):
    _sign_in(client, objects, person)
    wrong = []
    for endpoint, method, url, who, text, refusal in _table(objects):
        if endpoint in LAST:
            _sign_in(client, objects, person)  # the previous one ended the session
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
        elif person == ANON and url in ANONYMOUS_TOLD:
            if status != 403:
                wrong.append(f"{method.upper()} {url} ({endpoint}): {status}, not 403")
        elif person == ANON:
            if not to_login and status != 401:
                wrong.append(f"{method.upper()} {url} ({endpoint}): {status}, not sign-in")
        elif status != refusal:
            wrong.append(f"{method.upper()} {url} ({endpoint}): {status}, not {refusal}")
    assert wrong == []
