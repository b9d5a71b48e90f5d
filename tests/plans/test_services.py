"""Plan rules without HTTP: drafting, missing fields, the review cycle, diff, totals,
reminders."""

from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from m4eg.accounts.services import get_user
from m4eg.extensions import db
from m4eg.plans import services
from m4eg.plans.blockform import cell_name, field_name, rows_name
from m4eg.plans.models import Plan, ReminderSent, Revision
from tests.plans.conftest import block_form
from tests.texts import az_texts

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def ctx(app_ctx, make_plan, member_id, make_user):
    focal = make_user(role="focal_point", municipality_id=member_id("khirdalan"))
    coordinator = make_user(role="coordinator")
    plan = db.session.get(Plan, make_plan("khirdalan", by=focal))
    return {"plan": plan, "focal": get_user(focal.id),
            "coordinator": get_user(coordinator.id), "template": plan.template}


def _fill(plan, user, **kwargs):
    for block in plan.template.blocks:
        seen = plan.block_version(block["key"])
        services.save_block(plan, block["key"], MultiDict(block_form(
            plan.template, block["key"], version=seen, **kwargs)), user,
            version=seen, lang="en")


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
    services.add_comment(plan, "vision", "Hədəflərin ilkin dəyərini dəqiqləşdirin.",
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
        services.save_block(plan, "diagnostic", MultiDict({field_name("summary"): "x"}), focal,
                            version=plan.block_version("diagnostic"), lang="en")
    actions = [e.action for e in services.events(plan) if e.to_status]
    assert actions == ["started", "submitted", "review_started", "changes_requested",
                       "submitted", "review_started", "approved"]


def test_a_stale_save_is_refused_and_nothing_is_overwritten(ctx):
    plan, focal = ctx["plan"], ctx["focal"]
    seen = plan.block_version("drivers")
    services.save_block(plan, "drivers", MultiDict({field_name("drivers_of_change"): "First"}),
                        focal, version=seen, lang="en")
    with pytest.raises(services.PlanConflict):
        services.save_block(plan, "drivers", MultiDict({field_name("drivers_of_change"): "Second"}),
                            focal, version=seen, lang="en")
    assert plan.content["drivers"]["drivers_of_change"] == "First"


def test_saving_one_block_does_not_outdate_another(ctx):
    plan, focal = ctx["plan"], ctx["focal"]
    seen_vision, seen_drivers = plan.block_version("vision"), plan.block_version("drivers")
    services.save_block(plan, "drivers", MultiDict({field_name("drivers_of_change"): "Migration"}),
                        focal, version=seen_drivers, lang="en")
    services.save_block(plan, "vision", MultiDict({field_name("vision"): "A green town"}), focal,
                        version=seen_vision, lang="en")
    assert plan.content["drivers"]["drivers_of_change"] == "Migration"
    assert plan.content["vision"]["vision"] == "A green town"
    assert plan.block_version("vision") == seen_vision + 1


def _save_actions(ctx, lang="en", **cells):
    plan = ctx["plan"]
    data = block_form(plan.template, "actions", version=plan.block_version("actions"))
    data.update({cell_name("action_plan", 0, k): v for k, v in cells.items()})
    return services.save_block(plan, "actions", MultiDict(data), ctx["focal"],
                               version=plan.block_version("actions"), lang=lang)


@pytest.mark.parametrize("lang, typed, stored", [
    ("az", "400.000", 400000), ("az", "400 000", 400000), ("az", "1.234,5", 1234.5),
    ("az", "400000", 400000), ("az", "12,5", 12.5), ("az", "400\u00a0000", 400000),
    ("en", "400,000", 400000), ("en", "400 000", 400000), ("en", "1,234.5", 1234.5),
    ("en", "120,000", 120000), ("en", "12,500", 12500), ("en", "12.5", 12.5),
])
def test_budgets_are_read_the_way_the_page_language_writes_them(ctx, lang, typed, stored):
    from flask_babel import force_locale

    with force_locale(lang):
        content = _save_actions(ctx, lang, budget_azn=typed)
    assert content["action_plan"][0]["budget_azn"] == stored
    assert services.totals(ctx["plan"])["total"] == stored


@pytest.mark.parametrize("lang, typed, reason", [
    ("en", "400.000", "can be read in two ways"),
    ("az", "400,000", "iki cür oxuna bilər"),
    ("en", "1,2,3", "is not a number"),
    ("az", "1,234.5", "ədəd deyil"),
    ("en", "1e5", "is not a number"),
    ("en", "-5", "must be between 0 and 100,000,000,000"),
])
def test_ambiguous_or_malformed_numbers_are_refused_with_how_to_type_them(ctx, lang, typed,
                                                                          reason):
    from flask_babel import force_locale

    with force_locale(lang), pytest.raises(services.PlanError) as error:
        _save_actions(ctx, lang, budget_azn=typed)
    problems = error.value.problems
    assert list(problems) == ["action_plan-0-budget_azn"]  # on that cell only
    message = " ".join(str(p) for p in problems["action_plan-0-budget_azn"])
    assert reason in message
    if not reason.startswith("must be between"):
        assert ("400.000" if lang == "az" else "400,000") in message  # how to type it
    assert "actions" not in ctx["plan"].content  # nothing written


def test_a_population_must_be_a_whole_number(ctx):
    plan = ctx["plan"]
    data = block_form(plan.template, "diagnostic", version=plan.block_version("diagnostic"))
    data[field_name("population")] = "12,5"
    from flask_babel import force_locale

    with force_locale("az"), pytest.raises(services.PlanError) as error:
        services.save_block(plan, "diagnostic", MultiDict(data), ctx["focal"],
                            version=plan.block_version("diagnostic"), lang="az")
    [message] = error.value.problems["population"]
    assert "tam ədəd deyil" in message and "400.000" in message  # in Azerbaijani


def test_a_target_year_is_plain_digits(ctx):
    plan = ctx["plan"]
    data = block_form(plan.template, "vision", version=plan.block_version("vision"))
    data[cell_name("targets", 0, "year")] = "2.029"
    with pytest.raises(services.PlanError) as error:
        services.save_block(plan, "vision", MultiDict(data), ctx["focal"],
                            version=plan.block_version("vision"), lang="en")
    assert "is not a year" in str(error.value.problems["targets-0-year"])
    data[cell_name("targets", 0, "year")] = "2029"
    content = services.save_block(plan, "vision", MultiDict(data), ctx["focal"],
                                  version=plan.block_version("vision"), lang="en")
    assert content["targets"][0]["year"] == 2029


@pytest.mark.parametrize("changes, cell, message", [
    ({cell_name("action_plan", 0, "budget_azn"): "lots"}, "action_plan-0-budget_azn",
     "is not a number"),
    ({cell_name("action_plan", 0, "end"): "2025-01-01"}, "action_plan-0-end",
     "end date is before the start date"),
    ({cell_name("action_plan", 0, "start"): "1889-01-01"}, "action_plan-0-start",
     "year must be between 1990 and 2100"),
    ({cell_name("action_plan", 0, "funding_source"): "lottery"}, "action_plan-0-funding_source",
     "choose one of the options"),
    ({cell_name("action_plan", 0, "sdgs"): "8, 42"}, "action_plan-0-sdgs",
     "SDG numbers go from 1 to 17"),
    ({cell_name("action_plan", 0, "action"): "x" * 10_000}, "action_plan-0-action",
     "10,000 characters long"),
    ({cell_name("action_plan", 0, c): "" for c in ("action", "target", "responsible",
                                                   "start", "end", "funding_source", "sdgs",
                                                   "status")},
     "action_plan-0-action", "write the Action, or empty the whole row"),
])
def test_bad_values_are_refused_on_their_cell_with_a_reason(ctx, changes, cell, message):
    plan = ctx["plan"]
    data = block_form(plan.template, "actions", version=plan.block_version("actions"))
    data.update(changes)
    data.update({rows_name("action_plan"): "2",
                 cell_name("action_plan", 1, "action"): "A valid second row",
                 cell_name("action_plan", 1, "budget_azn"): "500"})
    with pytest.raises(services.PlanError) as error:
        services.save_block(plan, "actions", MultiDict(data), ctx["focal"],
                            version=plan.block_version("actions"), lang="en")
    assert list(error.value.problems) == [cell]  # the valid row is not marked
    assert message in " ".join(str(p) for p in error.value.problems[cell])
    assert "actions" not in plan.content


def test_line_breaks_typed_in_a_text_field_are_kept(ctx):
    from m4eg.core.markdown import render_plan_text

    plan = ctx["plan"]
    content = services.save_block(
        plan, "drivers", MultiDict({field_name("drivers_of_change"): "Migration\r\nTourism"}),
        ctx["focal"], version=plan.block_version("drivers"), lang="en")
    assert content["drivers_of_change"] == "Migration\nTourism"
    assert "Migration<br>" in render_plan_text(content["drivers_of_change"])


def test_totals_by_funding_source_and_year_are_computed(ctx):
    plan, focal = ctx["plan"], ctx["focal"]
    data = block_form(plan.template, "actions", version=plan.block_version("actions"),
                      budget="1000", source="donor", start="2025-02-01", end="2025-11-30")
    data.update({rows_name("action_plan"): "3"})
    # Ten months from November 2025 to August 2026: two in 2025, eight in 2026.
    for column, value in (("action", "Second"), ("target", "T"), ("responsible", "R"),
                          ("start", "2025-11-01"), ("end", "2026-08-31"),
                          ("budget_azn", "2,500.5"), ("funding_source", "municipal_budget"),
                          ("status", "planned")):
        data[cell_name("action_plan", 1, column)] = value
    services.save_block(plan, "actions", MultiDict(data), focal,
                        version=plan.block_version("actions"), lang="en")
    totals = services.totals(plan)
    assert totals["by_source"] == {"donor": 1000, "municipal_budget": 2500.5}
    assert totals["by_year"] == pytest.approx({"2025": 1000 + 500.1, "2026": 2000.4})
    assert totals["total"] == 3500.5
    tables = services.budget_tables(plan, "en")
    assert [label for label, _amount in tables["sources"]] == ["Municipal budget", "Donor"]
    assert "in proportion to its months" in tables["caption"]


def test_history_is_in_words_and_one_sitting_is_one_entry(ctx):
    plan, focal = ctx["plan"], ctx["focal"]
    for text in ("First draft", "Second draft"):
        services.save_block(plan, "drivers",
                            MultiDict({field_name("drivers_of_change"): text}), focal,
                            version=plan.block_version("drivers"), lang="en")
    services.save_block(plan, "vision", MultiDict({field_name("vision"): "Green"}), focal,
                        version=plan.block_version("vision"), lang="en")
    entries = services.history(plan, "en")
    saved = [e for e in entries if e["action"] == "saved"]
    assert len(saved) == 1
    assert saved[0]["sections"] == ["Drivers of change, opportunities, stresses and shocks",
                                    "Vision and targets"]
    assert entries[0]["action"] == "started the plan" and entries[0]["status"] == "Draft"


def test_comment_threads_are_answered_resolved_and_counted(ctx):
    plan, focal, coordinator = ctx["plan"], ctx["focal"], ctx["coordinator"]
    thread = services.add_comment(plan, "vision", "Add a baseline year.", coordinator)
    services.add_comment(plan, "vision", "Added: 2024.", focal, parent_id=thread.id)
    assert services.open_comment_counts(plan) == {"vision": 1}
    [entry] = services.comments(plan)["vision"]
    assert entry["comment"].body == "Add a baseline year."
    assert [r.body for r in entry["replies"]] == ["Added: 2024."]
    services.resolve_comment(thread, focal)
    assert services.open_comment_counts(plan) == {}
    with pytest.raises(services.PlanError):
        services.resolve_comment(entry["replies"][0], focal)  # a reply is not a thread


def test_progress_and_steps_follow_the_plan(ctx):
    plan, focal, coordinator = ctx["plan"], ctx["focal"], ctx["coordinator"]
    assert services.progress(plan) == (0, 8)
    _fill(plan, focal)
    assert services.progress(plan) == (8, 8)
    services.submit(plan, focal)
    services.start_review(plan, coordinator)
    services.request_changes(plan, coordinator, "Revise the targets.")
    states = {s["key"]: s["state"] for s in services.steps(plan)}
    assert states == {"draft": "done", "submitted": "done", "in_review": "done",
                      "changes_requested": "current", "approved": "todo"}
    assert services.reviewer_note(plan).note == "Revise the targets."


def test_a_section_is_complete_once_written_with_its_required_fields(ctx):
    plan, focal = ctx["plan"], ctx["focal"]
    assert services.complete_blocks(plan) == set()
    block = plan.template.blocks[0]
    seen = plan.block_version(block["key"])
    services.save_block(plan, block["key"], MultiDict(block_form(
        plan.template, block["key"], version=seen)), focal, version=seen, lang="en")
    assert services.complete_blocks(plan) == {block["key"]}
    _fill(plan, focal)
    assert services.complete_blocks(plan) == {b["key"] for b in plan.template.blocks}


def test_diff_shows_what_changed_between_revisions(ctx):
    template = ctx["template"]
    old = {"vision": {"vision": "Turizm mərkəzi"}}
    new = {"vision": {"vision": "Turizm və sənətkarlıq mərkəzi"}}
    result = {item["block"]["key"]: item for item in services.diff(template, old, new, "az")}
    assert result["vision"]["changed"] and not result["diagnostic"]["changed"]
    lines = result["vision"]["lines"]
    assert ("removed", "  Turizm mərkəzi") in lines
    assert ("added", "  Turizm və sənətkarlıq mərkəzi") in lines


def _vision_title(template):
    return next(b for b in template.blocks if b["key"] == "vision")["title"]["az"]


def test_plans_started_on_v1_keep_it_and_new_plans_start_on_the_newest(app, app_ctx,
                                                                       member_id, make_user):
    from m4eg.plans.cli import DEFAULT_TEMPLATE, TEMPLATE_FILES

    assert [path.name for path in TEMPLATE_FILES] == ["p4eg-v1.yml", "p4eg-v2.yml",
                                                   "p4eg-v3.yml"]
    focal = get_user(make_user(role="focal_point", municipality_id=member_id("khirdalan")).id)
    v1, _ = services.load_template(TEMPLATE_FILES[0])
    cycle = services.save_cycle(None, name="2025–2027", deadline=date(2030, 3, 31),
                                reminder_days=14)
    old = services.start_plan(member_id("khirdalan"), cycle, focal, services.latest_template())
    db.session.commit()
    old_id = old.id

    result = app.test_cli_runner().invoke(args=["plans", "load-template"])
    assert result.exit_code == 0 and "p4eg version 3: loaded" in result.output
    assert DEFAULT_TEMPLATE.name == "p4eg-v3.yml"

    db.session.expire_all()
    old = db.session.get(Plan, old_id)
    assert old.template.version == 1
    assert _vision_title(old.template) == "Baxış (vizyon) və hədəflər"
    latest = services.latest_template()
    assert latest.version == 3
    new = services.start_plan(member_id("urva"), cycle, focal, latest)
    assert new.template.version == 3 and _vision_title(new.template) == "Vizyon və hədəflər"
    # Loading v1 again (as `flask demo load` does) changes neither plan nor the latest version.
    assert services.load_template(TEMPLATE_FILES[0]) == (v1, False)
    assert services.latest_template().version == 3


def test_demo_load_starts_the_demo_plan_on_the_newest_template(app, app_ctx, roster):
    from m4eg.municipalities.services import get_by_slug
    from m4eg.plans.models import PlanTemplate

    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    db.session.expire_all()
    versions = db.session.scalars(select(PlanTemplate.version).order_by(PlanTemplate.version))
    assert list(versions) == [1, 2, 3]
    (plan,) = services.plans_of(get_by_slug("khirdalan").id)
    assert plan.template.version == 3


def test_templates_from_v2_speak_the_glossary(app_ctx):
    """v2 exists to use the glossary's terms; v1 stays as released (plans started on it)."""
    import yaml

    from m4eg.plans.cli import TEMPLATE_FILES

    def wrong_terms(path):
        texts = " ".join(az_texts(yaml.safe_load(path.read_text(encoding="utf-8"))))
        return [term for term in ("blok", "Baxış", "baxış", "ilkin göstərici",
                                  "İlkin göstərici", "SDG", "Vəziyyət", "Tamamlanıb", "“",
                                  "dayandırmaq")
                if term in texts]

    v1, v2, v3 = TEMPLATE_FILES
    assert wrong_terms(v1)  # what v2 corrects
    assert wrong_terms(v2) == [] and wrong_terms(v3) == []
    assert services.load_template(v2)[0].definition["version"] == 2


def test_reminders_go_once_to_focal_points_of_unsubmitted_plans(ctx, outbox, make_user,
                                                                member_id):
    urva_focal = make_user(role="focal_point", municipality_id=member_id("urva"),
                           email="urva.focal@test.example")
    cycle = ctx["plan"].cycle
    assert services.remind(date(2030, 1, 1)) == 0  # too early
    sent = services.remind(date(2030, 3, 20))
    assert sent >= 2
    db.session.commit()
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
    db.session.commit()
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
