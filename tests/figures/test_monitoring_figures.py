"""The key figures from monitoring (plans with an accepted monitoring report, plan actions
completed, budget mobilised by funding source) against counts made by hand, by period, in
the page, the CSV and the API."""

import csv
import io
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from m4eg.accounts.services import get_user
from m4eg.extensions import db
from m4eg.plans import services
from m4eg.plans.models import Plan
from tests.plans.monitoring_support import approve_plan, make_round, report_form


@pytest.fixture
def monitored(app, make_plan, make_user, member_id):
    """Khirdalan: reports accepted in December 2025 and June 2026; Urva: one submitted, not
    accepted (it counts nowhere)."""
    coordinator = make_user(role="coordinator")
    people = {slug: make_user(role="focal_point", municipality_id=member_id(slug))
              for slug in ("khirdalan", "urva")}
    plans = {slug: make_plan(slug, by=people[slug]) for slug in people}
    with app.app_context(), force_locale("en"):
        reviewer = get_user(coordinator.id)
        for slug, plan_id in plans.items():
            approve_plan(db.session.get(Plan, plan_id), get_user(people[slug].id), reviewer)
        first, second = make_round("2025"), make_round("2026", *(
            datetime(2026, 1, 1).date(), datetime(2026, 12, 31).date(),
            datetime(2027, 2, 28).date()))

        def report(slug, round_, accepted_at=None, **form):
            focal = get_user(people[slug].id)
            made = services.start_report(db.session.get(Plan, plans[slug]), round_, focal)
            services.save_report(made, report_form(made.version, **form), focal,
                                 version=made.version, lang="en")
            services.submit_report(made, focal)
            if accepted_at:
                services.start_report_review(made, reviewer)
                services.accept_report(made, reviewer)
                made.accepted_at = accepted_at

        # 2025: action 1 completed; spent 380,000 donor, 10,000 municipal, 60,000 central.
        report("khirdalan", first, datetime(2025, 12, 20, tzinfo=UTC))
        # 2026: both actions completed (action 1 again: counted once over both years).
        report("khirdalan", second, datetime(2026, 6, 10, tzinfo=UTC),
               statuses=("completed", "completed"), done=("100", "100"),
               spent={"a-1-spent-municipal_budget": "5000"},
               actuals=(("90", "2026-05-01"), ("150", "2026-05-01")))
        report("urva", first)  # submitted only
        db.session.commit()


def _api(client, query):
    answer = client.get(f"/api/v1/figures?{query}").get_json()
    return {f["key"]: f for f in answer["figures"]}


@pytest.mark.parametrize("query, plans, completed, budget, by_source", [
    ("from=2025-01&to=2025-12", 1, 1, 450000,
     {"municipal_budget": 10000, "central_government": 60000, "donor": 380000}),
    ("from=2026-01&to=2026-12", 1, 2, 5000, {"municipal_budget": 5000}),
    ("", 1, 2, 455000,
     {"municipal_budget": 15000, "central_government": 60000, "donor": 380000}),
    ("from=2024-01&to=2024-12", 0, 0, 0, {}),
])
def test_the_monitoring_figures_match_the_hand_counts(client, monitored, query, plans,
                                                      completed, budget, by_source):
    figures = _api(client, query)
    assert figures["plans_monitored"]["value"] == plans
    assert figures["actions_completed"]["value"] == completed
    assert figures["budget_mobilised"]["value"] == budget
    assert figures["budget_mobilised"]["breakdown"] == by_source


def test_the_page_and_the_csv_show_them_in_the_chosen_language(client, monitored):
    page = client.get("/az/figures/?from=2025-01&to=2025-12").get_data(as_text=True)
    assert "Monitorinq hesabatı qəbul edilmiş P4EG planları" in page
    assert "450.000" in page and "Başa çatmış P4EG planı fəaliyyətləri" in page
    rows = list(csv.reader(io.StringIO(client.get(
        "/en/figures/export.csv?from=2025-01&to=2025-12").get_data(as_text=True))))
    budget = [row for row in rows if row[0] == "budget_mobilised"]
    assert budget[0][2:4] == ["Total", "450000"]
    assert ["Donor", "380000"] in [row[2:4] for row in budget]


def test_funding_sources_are_named_in_the_language_of_each_page(client, monitored):
    """The figures are computed once for both languages: a visitor reading in English after
    someone read the Azerbaijani page still gets the sources' English names (and back)."""
    query = "?from=2025-01&to=2025-12"
    assert "Bələdiyyə büdcəsi" in client.get(f"/az/figures/{query}").get_data(as_text=True)
    english = client.get(f"/en/figures/{query}").get_data(as_text=True)
    assert "Municipal budget" in english
    rows = list(csv.reader(io.StringIO(client.get(
        f"/en/figures/export.csv{query}").get_data(as_text=True))))
    assert "Municipal budget" in [row[2] for row in rows if row[0] == "budget_mobilised"]
    assert "Bələdiyyə büdcəsi" in client.get(f"/az/figures/{query}").get_data(as_text=True)
