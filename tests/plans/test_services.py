"""Plan rules without HTTP: drafting, missing fields, the review cycle, diff, totals,
reminders."""

from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from m4eg.accounts.services import get_user
from m4eg.extensions import db
from m4eg.plans import services
from m4eg.plans.models import Cycle, PlanTemplate, ReminderSent, Revision
from tests.plans.conftest import block_form

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def ctx(app_ctx, plan_setup, member_id, make_user):
    khirdalan = member_id("khirdalan")
    focal = make_user(role="focal_point", municipality_id=khirdalan)
    coordinator = make_user(role="coordinator")
    template = db.session.get(PlanTemplate, plan_setup["template_id"])
    cycle = db.session.get(Cycle, plan_setup["cycle_id"])
    plan = services.start_plan(khirdalan, cycle, get_user(focal.id), template)
    db.session.commit()  # later factory calls write from their own sessions
    return {"plan": plan, "focal": get_user(focal.id),
            "coordinator": get_user(coordinator.id), "template": template}


def _fill(plan, user, **kwargs):
    for block in plan.template.blocks:
        services.save_block(plan, block["key"], MultiDict(block_form(
            plan.template, block["key"], version=plan.version, **kwargs)), user,
            version=plan.version, lang="en")


def test_the_full_cycle_from_draft_to_approval(ctx):
    plan, focal, coordinator = ctx["plan"], ctx["focal"], ctx["coordinator"]
    with pytest.raises(services.PlanError) as error:
        services.submit(plan, focal)
    assert len(error.value.problems["missing"]) >= 8
    _fill(plan, focal)
    assert services.missing(plan) == []
    first = services.submit(plan, focal)
    with pytest.raises(services.PlanError):
        services.submit(plan, focal)  # submitting twice
    with pytest.raises(services.PlanError):
        services.approve(plan, coordinator)  # approving before review
    services.start_review(plan, coordinator)
    services.add_comment(plan, "vision", "Hədəflərin ilkin göstəricisini dəqiqləşdirin.",
                         coordinator)
    services.request_changes(plan, coordinator, "Please revise the targets.")
    assert plan.status == "changes_requested"
    _fill(plan, focal, text="Yenilənmiş mətn")
    second = services.submit(plan, focal)
    services.start_review(plan, coordinator)
    services.approve(plan, coordinator)
    assert plan.status == "approved" and plan.approved_at is not None
    assert (first.number, second.number) == (1, 2)
    assert first.content["diagnostic"]["summary"] == "Sınaq mətni"  # frozen
    with pytest.raises(services.PlanError, match="cannot be edited"):
        services.save_block(plan, "diagnostic", MultiDict({"f-summary": "x"}), focal,
                            version=plan.version, lang="en")
    actions = [e.action for e in services.events(plan) if e.to_status]
    assert actions == ["started", "submitted", "review_started", "changes_requested",
                       "submitted", "review_started", "approved"]


def test_a_stale_save_is_refused_and_nothing_is_overwritten(ctx):
    plan, focal = ctx["plan"], ctx["focal"]
    seen = plan.version
    services.save_block(plan, "drivers", MultiDict({"f-drivers_of_change": "First"}), focal,
                        version=seen, lang="en")
    with pytest.raises(services.PlanConflict):
        services.save_block(plan, "drivers", MultiDict({"f-drivers_of_change": "Second"}),
                            focal, version=seen, lang="en")
    assert plan.content["drivers"]["drivers_of_change"] == "First"


@pytest.mark.parametrize("changes, message", [
    ({"t-action_plan-0-budget_azn": "lots"}, "is not a number"),
    ({"t-action_plan-0-budget_azn": "-5"}, "must be between"),
    ({"t-action_plan-0-end": "2025-01-01"}, "end date is before the start date"),
    ({"t-action_plan-0-funding_source": "lottery"}, "choose one of the options"),
    ({"t-action_plan-0-sdgs": "8, 42"}, "SDG numbers go from 1 to 17"),
])
def test_bad_values_are_refused_with_a_reason(ctx, changes, message):
    plan = ctx["plan"]
    data = block_form(plan.template, "actions", version=plan.version)
    data.update(changes)
    with pytest.raises(services.PlanError) as error:
        services.save_block(plan, "actions", MultiDict(data), ctx["focal"],
                            version=plan.version, lang="en")
    assert message in " ".join(str(p) for p in error.value.problems["action_plan"])
    assert "actions" not in (plan.content or {})


def test_totals_by_funding_source_and_year_are_computed(ctx):
    plan, focal = ctx["plan"], ctx["focal"]
    data = block_form(plan.template, "actions", version=plan.version, budget="1000",
                      source="donor", start="2025-02-01")
    data.update({"rows-action_plan": "3"})
    for column, value in (("action", "Second"), ("target", "T"), ("responsible", "R"),
                          ("start", "2026-03-01"), ("end", "2026-09-01"),
                          ("budget_azn", "2 500,50"), ("funding_source", "municipal_budget"),
                          ("status", "planned")):
        data[f"t-action_plan-1-{column}"] = value
    services.save_block(plan, "actions", MultiDict(data), focal, version=plan.version,
                        lang="en")
    assert services.totals(plan) == {
        "by_source": {"donor": 1000, "municipal_budget": 2500.5},
        "by_year": {"2025": 1000, "2026": 2500.5}, "total": 3500.5}


def test_diff_shows_what_changed_between_revisions(ctx):
    template = ctx["template"]
    old = {"vision": {"vision": "Turizm mərkəzi"}}
    new = {"vision": {"vision": "Turizm və sənətkarlıq mərkəzi"}}
    result = {item["block"]["key"]: item for item in services.diff(template, old, new, "az")}
    assert result["vision"]["changed"] and not result["diagnostic"]["changed"]
    lines = result["vision"]["lines"]
    assert ("removed", "  Turizm mərkəzi") in lines
    assert ("added", "  Turizm və sənətkarlıq mərkəzi") in lines


def test_a_new_template_version_does_not_change_existing_plans(ctx, tmp_path):
    from m4eg.plans.cli import DEFAULT_TEMPLATE

    text = DEFAULT_TEMPLATE.read_text(encoding="utf-8").replace("version: 1", "version: 2", 1)
    path = tmp_path / "p4eg-v2.yml"
    path.write_text(text.replace("Diagnostic of the local situation", "Local diagnostic"),
                    encoding="utf-8")
    template, created = services.load_template(path)
    assert created and template.version == 2
    assert ctx["plan"].template.version == 1
    assert services.load_template(path)[1] is False
    assert services.latest_template().version == 2


def test_reminders_go_once_to_focal_points_of_unsubmitted_plans(ctx, outbox, make_user,
                                                                member_id):
    urva_focal = make_user(role="focal_point", municipality_id=member_id("urva"),
                           email="urva.focal@test.example")
    cycle = ctx["plan"].cycle
    assert services.remind(date(2030, 1, 1)) == 0  # too early
    sent = services.remind(date(2030, 3, 20))
    assert sent >= 2
    recipients = {m["To"] for m in outbox.wait_for(sent)}
    assert {ctx["focal"].email, urva_focal.email} <= recipients
    assert services.remind(date(2030, 3, 25)) == 0  # never twice
    assert db.session.scalar(select(func.count()).select_from(ReminderSent).where(
        ReminderSent.cycle_id == cycle.id)) >= 2


def test_every_status_change_emails_the_people_concerned(ctx, outbox):
    plan, focal, coordinator = ctx["plan"], ctx["focal"], ctx["coordinator"]
    _fill(plan, focal)
    services.submit(plan, focal)
    services.start_review(plan, coordinator)
    messages = outbox.wait_for(2)
    assert messages[0]["To"] == coordinator.email  # submitted: coordinators are told
    assert messages[1]["To"] == focal.email  # in review: the focal points are told


def test_revisions_are_frozen(ctx):
    plan, focal = ctx["plan"], ctx["focal"]
    _fill(plan, focal)
    revision = services.submit(plan, focal)
    db.session.commit()
    stored = db.session.get(Revision, revision.id).content
    assert stored == plan.content
