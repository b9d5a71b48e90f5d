"""The checking system: the consistency rules of template version 3 on plans (and the
template's own validation); the report rules are exercised in test_monitoring.py."""

import pytest
import yaml
from flask_babel import force_locale

from m4eg.accounts.services import get_user
from m4eg.extensions import db
from m4eg.plans import checks, services
from m4eg.plans.models import Plan
from tests.conftest import log_in
from tests.plans.monitoring_support import ACTIONS, LINES, TARGETS, fill_plan


@pytest.fixture
def draft(app, make_plan, make_user, member_id):
    focal = make_user(role="focal_point", municipality_id=member_id("khirdalan"))
    return {"plan": make_plan("khirdalan", by=focal), "focal": focal}


def _fill(app, draft, **changes):
    with app.app_context(), force_locale("en"):
        plan = db.session.get(Plan, draft["plan"])
        fill_plan(plan, get_user(draft["focal"].id), **changes)
        db.session.commit()


def _findings(app, draft):
    with app.app_context(), force_locale("en"):
        return checks.plan_findings(db.session.get(Plan, draft["plan"]), "en")


def test_a_consistent_plan_passes_every_check(app, draft):
    _fill(app, draft)
    assert _findings(app, draft) == []


def test_a_target_year_not_after_its_baseline_year_blocks(app, draft):
    targets = [dict(TARGETS[0], baseline_year="2029"), TARGETS[1]]
    _fill(app, draft, targets=targets)
    (finding,) = _findings(app, draft)
    assert finding.key == "target_year_after_baseline" and finding.blocking
    assert finding.message == ("Targets and indicators, row 1: the Target year (2029) must "
                               "come after the Baseline year (2029).")
    assert (finding.block, finding.anchor) == ("vision", "t-targets-0-year")


def test_an_action_not_linked_to_a_target_only_warns(app, draft):
    actions = [dict(ACTIONS[0], target="More tourists"), ACTIONS[1]]
    _fill(app, draft, actions=actions)
    (finding,) = _findings(app, draft)
    assert finding.key == "action_linked_to_target" and not finding.blocking
    assert "«More tourists» is not one of the Targets and indicators" in finding.message
    assert finding.anchor == "t-action_plan-0-target"


def test_an_action_may_name_its_target_by_row_number_or_without_azerbaijani_letters(app,
                                                                                    draft):
    actions = [dict(ACTIONS[0], target="1"),
               dict(ACTIONS[1], target="  households AFFECTED by flooding ")]
    _fill(app, draft, actions=actions)
    assert _findings(app, draft) == []


def test_funding_lines_must_add_up_to_the_budget_and_name_an_action(app, draft):
    lines = [dict(LINES[0], budget_azn="40000"), LINES[1],
             {"action": "Unknown action", "funding_source": "donor", "budget_azn": "5"}]
    _fill(app, draft, lines=lines)
    found = _findings(app, draft)
    assert [f.key for f in found] == ["action_budget_equals_lines"] * 2
    assert all(f.blocking for f in found)
    assert "add up to 240,000, its budget is 250,000" in found[0].message
    assert found[0].anchor == "t-action_plan-1-budget_azn"
    assert found[1].anchor == "t-funding_lines-2-action"


def test_a_blocking_check_stops_the_submission_and_the_page_links_to_the_field(app, client,
                                                                               draft):
    targets = [dict(TARGETS[0], baseline_year="2030"), TARGETS[1]]
    _fill(app, draft, targets=targets)
    log_in(client, draft["focal"].email)
    page = client.get(f"/en/plans/{draft['plan']}").get_data(as_text=True)
    assert "Must be corrected before submission" in page
    assert f"/en/plans/{draft['plan']}/blocks/vision#t-targets-0-year" in page
    assert f'href="/en/plans/{draft["plan"]}/submit"' not in page
    assert client.post(f"/en/plans/{draft['plan']}/submit").status_code == 302
    with app.app_context():
        assert db.session.get(Plan, draft["plan"]).status == "draft"
    # In Azerbaijani, with the template's Azerbaijani labels.
    page = client.get(f"/az/plans/{draft['plan']}").get_data(as_text=True)
    assert "Təqdimdən əvvəl düzəldilməlidir" in page and "İlkin dəyərin ili" in page


def test_an_advisory_check_lets_the_plan_be_submitted(app, client, draft):
    _fill(app, draft, actions=[dict(ACTIONS[0], target="Something else"), ACTIONS[1]])
    log_in(client, draft["focal"].email)
    page = client.get(f"/en/plans/{draft['plan']}").get_data(as_text=True)
    assert "Worth a look (does not stop the submission)" in page
    assert client.post(f"/en/plans/{draft['plan']}/submit").status_code == 302
    with app.app_context():
        assert db.session.get(Plan, draft["plan"]).status == "submitted"


def test_plans_on_older_template_versions_have_no_checks(app_ctx):
    from m4eg.plans.cli import TEMPLATE_FILES

    v2, _ = services.load_template(TEMPLATE_FILES[1])
    assert "checks" not in v2.definition


@pytest.mark.parametrize("change, reason", [
    ({"rule": "guess"}, "unknown rule guess"),
    ({"severity": "loud"}, "severity must be blocking or advisory"),
    ({"table": "vision.nowhere"}, "no table vision.nowhere"),
    ({"column": "nothing"}, "no column nothing in vision.targets"),
])
def test_a_template_with_a_malformed_check_is_refused(app_ctx, tmp_path, change, reason):
    from m4eg.plans.cli import TEMPLATE_FILES

    definition = yaml.safe_load(TEMPLATE_FILES[-1].read_text(encoding="utf-8"))
    definition["version"] = 99
    definition["checks"][0].update(change)
    path = tmp_path / "p4eg-v99.yml"
    path.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=reason):
        services.load_template(path)
