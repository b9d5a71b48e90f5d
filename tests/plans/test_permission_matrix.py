"""Who reaches which plan route: every role, with and without a confirmed affiliation, of the
plan's municipality and of another, against every route of the plans domain."""

from datetime import date

import pytest
from sqlalchemy import select

from m4eg.extensions import db
from m4eg.plans import extensions, services
from m4eg.plans.models import Plan, PlanTemplate
from tests.plans.conftest import block_form
from tests.plans.monitoring_support import approve_plan

READ, WRITE, REVIEW = "read", "write", "review"
ROUTES = (  # (method, path, what it needs)
    ("get", "/en/plans/{plan}", READ),
    ("get", "/en/plans/{plan}/history", READ),
    ("get", "/en/plans/{plan}/print", READ),
    ("get", "/en/plans/{plan}.pdf", READ),
    ("get", "/en/plans/{plan}/blocks/vision", WRITE),
    ("post", "/en/plans/{plan}/blocks/vision", WRITE),
    ("get", "/en/plans/{plan}/submit", WRITE),
    ("post", "/en/plans/{plan}/submit", WRITE),
    ("post", "/en/plans/{plan}/comments", "comment"),
    ("post", "/en/plans/{plan}/comments/{comment}/resolve", "comment"),
    ("post", "/en/plans/{plan}/review", REVIEW),
    ("get", "/en/plans/{plan}/approve", REVIEW),
    ("post", "/en/plans/{plan}/approve", REVIEW),
    ("post", "/en/plans/{plan}/request-changes", REVIEW),
    ("get", "/en/plans/queue", REVIEW),
    ("get", "/en/plans/queue.csv", REVIEW),
    # issue 21: the offline workbook, deadline extensions, cycle edits, withholding
    ("get", "/en/plans/{plan}/workbook", READ),
    ("get", "/en/plans/{plan}/workbook/en.xlsx", READ),
    ("post", "/en/plans/{plan}/workbook/check", WRITE),
    ("post", "/en/plans/{plan}/workbook/apply", WRITE),
    ("get", "/en/plans/{plan}/extension", WRITE),
    ("post", "/en/plans/{plan}/extension", WRITE),
    ("get", "/en/plans/extensions", REVIEW),
    ("post", "/en/plans/extensions/{extension}/grant", REVIEW),
    ("post", "/en/plans/extensions/{extension}/refuse", REVIEW),
    ("get", "/en/plans/cycles/{cycle}/edit", REVIEW),
    ("post", "/en/plans/cycles/{cycle}/edit", REVIEW),
    ("post", "/en/plans/{plan}/withhold", REVIEW),
    ("post", "/en/plans/{plan}/publish", REVIEW),
    # Monitoring: an approved plan of the municipality and its report.
    ("post", "/en/plans/{approved}/monitoring", WRITE),
    ("get", "/en/plans/monitoring/{report}", READ),
    ("get", "/en/plans/monitoring/{report}/history", READ),
    ("get", "/en/plans/monitoring/{report}/edit", WRITE),
    ("post", "/en/plans/monitoring/{report}/edit", WRITE),
    ("get", "/en/plans/monitoring/{report}/submit", WRITE),
    ("post", "/en/plans/monitoring/{report}/submit", WRITE),
    ("post", "/en/plans/monitoring/{report}/comments", "comment"),
    ("post", "/en/plans/monitoring/{report}/comments/{report_comment}/resolve", "comment"),
    ("post", "/en/plans/monitoring/{report}/review", REVIEW),
    ("get", "/en/plans/monitoring/{report}/accept", REVIEW),
    ("post", "/en/plans/monitoring/{report}/accept", REVIEW),
    ("post", "/en/plans/monitoring/{report}/return", REVIEW),
    ("get", "/en/plans/monitoring/{report}/workbook", READ),
    ("get", "/en/plans/monitoring/{report}/workbook/az.xlsx", READ),
    ("post", "/en/plans/monitoring/{report}/workbook/check", WRITE),
    ("post", "/en/plans/monitoring/{report}/workbook/apply", WRITE),
    ("get", "/en/plans/rounds", REVIEW),
    ("post", "/en/plans/rounds", REVIEW),
    # Withholding one accepted monitoring report from the public pages, and releasing it.
    ("post", "/en/plans/monitoring/{report}/withhold", REVIEW),
    ("post", "/en/plans/monitoring/{report}/publish", REVIEW),
    # Deadlines of reporting rounds: more time for a report, editing a round.
    ("get", "/en/plans/{approved}/rounds/{round}/extension", WRITE),
    ("post", "/en/plans/{approved}/rounds/{round}/extension", WRITE),
    ("get", "/en/plans/rounds/{round}/edit", REVIEW),
    ("post", "/en/plans/rounds/{round}/edit", REVIEW),
)
# Who may do what, as the permission mechanism must decide it.
PEOPLE = {
    "unconfirmed staff of the municipality": ("staff", "own", False, set()),
    "confirmed staff of the municipality": ("staff", "own", True, {READ}),
    "staff of another municipality": ("staff", "other", True, set()),
    "unconfirmed focal point of the municipality": ("focal_point", "own", False, set()),
    "focal point of the municipality": ("focal_point", "own", True, {READ, WRITE, "comment"}),
    "focal point of another municipality": ("focal_point", "other", True, set()),
    "coordinator": ("coordinator", None, True, {READ, REVIEW, "comment"}),
    "administrator": ("admin", None, True, {READ, REVIEW, "comment"}),
}


@pytest.fixture
def plan_ids(app, make_plan, member_id, make_user):
    from m4eg.accounts.services import get_user

    khirdalan = member_id("khirdalan")
    owner = make_user(role="focal_point", municipality_id=khirdalan)
    reviewer = make_user(role="coordinator")
    plan_id = make_plan("khirdalan", by=owner)
    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        comment = services.add_comment(plan, "vision", "Internal review comment.",
                                       get_user(reviewer.id))
        extension = extensions.ask(plan, get_user(owner.id), "Internal review comment.")
        earlier = services.save_cycle(None, name="2022–2024", deadline=date(2024, 3, 31),
                                      reminder_days=14)
        approved = services.start_plan(khirdalan, earlier, get_user(owner.id), plan.template)
        approve_plan(approved, get_user(owner.id), get_user(reviewer.id))
        report = services.start_report(approved, services.save_round(
            earlier, name="2023", starts_on=date(2023, 1, 1), ends_on=date(2023, 12, 31),
            deadline=date(2024, 2, 28)), get_user(owner.id))
        services.save_report(report, {"version": "1", "n-changed": "Internal progress note."},
                             get_user(owner.id), version=1, lang="en")
        report_comment = services.add_report_comment(report, "narrative",
                                                     "Internal review comment.",
                                                     get_user(reviewer.id))
        db.session.commit()
        return {"plan": plan.id, "comment": comment.id, "khirdalan": khirdalan,
                "urva": member_id("urva"), "approved": approved.id, "report": report.id,
                "report_comment": report_comment.id, "extension": extension.id,
                "cycle": plan.cycle_id, "round": report.round_id}


@pytest.mark.parametrize("who", list(PEOPLE))
def test_each_person_reaches_exactly_the_plan_routes_they_may(app, client, login_as,
                                                             plan_ids, who):
    role, municipality, confirmed, allowed = PEOPLE[who]
    kwargs = {"confirmed": confirmed}
    if municipality is not None:
        kwargs["municipality_id"] = plan_ids["khirdalan" if municipality == "own" else "urva"]
    login_as(role, **kwargs)
    with app.app_context():
        template = db.session.scalar(select(PlanTemplate))
    form = {**block_form(template, "vision", version=1), "block": "vision", "body": "x",
            "note": "x"}
    wrong = []
    for method, path, needs in ROUTES:
        url = path.format(**plan_ids)
        response = getattr(client, method)(url, data=form if method == "post" else None)
        reached = response.status_code != 403
        if reached != (needs in allowed):
            wrong.append(f"{method.upper()} {url}: {response.status_code}")
        if not reached:
            page = response.get_data(as_text=True)
            assert "Internal review comment." not in page
            assert "Internal progress note." not in page
    assert wrong == []


def test_the_public_plan_pages_and_the_api_are_open_to_everyone(client, plan_ids):
    """The open list and the API answer a visitor; a plan that is not approved has no public
    page (404, never its content)."""
    assert client.get("/en/plans/open").status_code == 200
    assert client.get("/api/v1/plans").status_code == 200
    for url in (f"/en/municipalities/khirdalan/plans/{plan_ids['plan']}",
                f"/api/v1/plans/{plan_ids['plan']}"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Internal review comment." not in response.get_data(as_text=True)


def test_a_visitor_is_sent_to_sign_in_from_every_plan_route(client, plan_ids):
    for method, path, _needs in ROUTES:
        url = path.format(**plan_ids)
        response = getattr(client, method)(url)
        page = response.get_data(as_text=True)
        if (method, path) == ("post", "/en/plans/{plan}/blocks/vision"):
            # A save sent after signing out: the form comes back with a sign-in link and the
            # typed text kept (plans/views.py, _rescue_block).
            assert response.status_code == 401 and "/en/accounts/login?next=" in page, url
        else:
            assert response.status_code == 302, url
            assert "/accounts/login" in response.headers["Location"], url
        assert "Internal review comment." not in page
