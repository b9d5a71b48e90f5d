"""Open plans: an approved plan is public by default (its page under the member's page, the
public list with filters, /api/v1/plans) without personal data; a coordinator withholds it
with a reason kept and audited, and can undo that."""

import pytest
from sqlalchemy import select

from m4eg.core.audit import AuditEvent
from m4eg.extensions import db
from m4eg.plans import services
from m4eg.plans.models import Plan, Withholding
from tests.conftest import log_in as _log_in
from tests.plans.conftest import block_form

SECRET_COMMENT = "Internal remark about the budget, never public"


def log_in(client, email):
    client.post("/en/accounts/logout")
    assert _log_in(client, email).status_code == 302


def _approve(app, plan_id, focal, reviewer):
    from m4eg.accounts.services import get_user

    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        for block in plan.template.blocks:
            form = block_form(plan.template, block["key"],
                              version=plan.block_version(block["key"]),
                              text=f"Text of {plan.municipality.name_en}")
            form["t-action_plan-0-responsible"] = "Orxan Musayev"
            services.save_block(plan, block["key"], form, get_user(focal.id),
                                version=plan.block_version(block["key"]), lang="en")
        services.submit(plan, get_user(focal.id))
        services.add_comment(plan, "vision", SECRET_COMMENT, get_user(reviewer.id))
        services.start_review(plan, get_user(reviewer.id))
        services.approve(plan, get_user(reviewer.id))
        db.session.commit()


@pytest.fixture
def approved(app, make_plan, member_id, make_user):
    """Khirdalan's plan approved, Urva's a draft; the people involved."""
    khirdalan = member_id("khirdalan")
    focal = make_user(role="focal_point", municipality_id=khirdalan, name="Leyla Hacıyeva",
                      email="leyla@example.org")
    reviewer = make_user(role="coordinator", name="Ramiz Əliyev", email="ramiz@example.org")
    plan_id = make_plan("khirdalan", by=focal)
    _approve(app, plan_id, focal, reviewer)
    urva_focal = make_user(role="focal_point", municipality_id=member_id("urva"))
    draft = make_plan("urva", by=urva_focal)
    return {"id": plan_id, "draft": draft, "focal": focal, "reviewer": reviewer}


def _personal(approved):
    return ("Leyla Hacıyeva", "leyla@example.org", "Ramiz Əliyev", "ramiz@example.org",
            "Orxan Musayev", SECRET_COMMENT)


def test_an_approved_plan_has_a_public_page_under_its_member(client, approved):
    page = client.get(f"/en/municipalities/khirdalan/plans/{approved['id']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Text of Khirdalan" in text and "Approved" in text
    assert "Budget by funding source" in text
    for secret in _personal(approved):
        assert secret not in text
    assert "Responsible" not in text  # the column naming people is left out
    member = client.get("/en/municipalities/khirdalan").get_data(as_text=True)
    assert f"/en/municipalities/khirdalan/plans/{approved['id']}" in member
    assert "Read the approved plan" in member
    # Under another member, or a draft: no such page.
    assert client.get(f"/en/municipalities/urva/plans/{approved['id']}").status_code == 404
    assert client.get(f"/en/municipalities/urva/plans/{approved['draft']}").status_code == 404
    az = client.get(f"/az/municipalities/khirdalan/plans/{approved['id']}")
    assert "Təsdiqlənib" in az.get_data(as_text=True) or az.status_code == 200


def test_the_public_list_filters_and_searches_in_azerbaijani(client, approved):
    def names(query):
        return client.get(f"/en/plans/open{query}").get_data(as_text=True)

    assert "Khirdalan" in names("") and "Urva" not in names("")
    for query in ("?q=XIRDALAN", "?q=xırdalan", "?q=Khirdalan", "?type=city"):
        assert "Khirdalan" in names(query), query
    assert "Khirdalan" not in names("?type=village")
    assert "No approved plan matches" in names("?year=2001")
    assert "Khirdalan" in names("?type=nonsense&year=abc")  # bad filters are dropped
    for secret in _personal(approved):
        assert secret not in names("")


def test_the_api_lists_approved_plans_without_personal_data(client, approved):
    response = client.get("/api/v1/plans")
    data = response.get_json()
    assert response.status_code == 200 and data["total"] == 1 and data["page"] == 1
    item = data["items"][0]
    assert item["id"] == approved["id"] and item["municipality"]["slug"] == "khirdalan"
    assert item["content"]["vision"]["vision"] == "Text of Khirdalan City Municipality"
    assert "responsible" not in item["content"]["actions"]["action_plan"][0]
    assert item["budget"]["total"] > 0
    assert item["url"].endswith(f"/en/municipalities/khirdalan/plans/{approved['id']}")
    raw = response.get_data(as_text=True) + client.get(
        f"/api/v1/plans/{approved['id']}").get_data(as_text=True)
    for secret in _personal(approved):
        assert secret not in raw
    assert client.get(f"/api/v1/plans/{approved['draft']}").status_code == 404
    detail = client.get(f"/api/v1/plans/{approved['id']}").get_json()
    amounts = [*detail["budget"]["by_year"].values(), *detail["budget"]["by_source"].values()]
    assert amounts and all(round(a, 2) == a for a in amounts)  # no 78181.81818181818
    bad = client.get("/api/v1/plans/abc")
    assert bad.status_code == 404 and bad.mimetype == "application/json"
    assert client.get("/api/v1/plans?q=Sheki").get_json()["total"] == 0
    assert client.get("/api/v1/plans?q=xirdalan&type=city").get_json()["total"] == 1


@pytest.mark.parametrize("query, field", [
    ("type=town", "type"), ("region=XX", "region"), ("rayon=atlantis", "rayon"),
    ("year=20x4", "year"), ("page=0", "page"), ("per_page=1000", "per_page"),
    ("page=-1", "page")])
def test_the_api_refuses_bad_parameters(client, approved, query, field):
    response = client.get(f"/api/v1/plans?{query}")
    assert response.status_code == 400
    assert response.get_json()["field"] == field and "is not a valid value" in \
        response.get_json()["error"]


def test_a_coordinator_withholds_a_plan_with_a_reason_and_undoes_it(app, client, approved):
    log_in(client, approved["reviewer"].email)
    plan_page = client.get(f"/en/plans/{approved['id']}").get_data(as_text=True)
    assert "Withhold from the public pages" in plan_page
    refused = client.post(f"/en/plans/{approved['id']}/withhold", data={"reason": " "})
    assert refused.status_code == 400
    response = client.post(f"/en/plans/{approved['id']}/withhold",
                           data={"reason": "Contains a resident's phone number."})
    assert response.status_code == 302
    client.post("/en/accounts/logout")
    assert client.get(f"/en/municipalities/khirdalan/plans/{approved['id']}"
                      ).status_code == 404
    assert client.get("/api/v1/plans").get_json()["total"] == 0
    assert "Khirdalan" not in client.get("/en/plans/open").get_data(as_text=True)
    log_in(client, approved["reviewer"].email)
    page = client.get(f"/en/plans/{approved['id']}").get_data(as_text=True)
    assert "Contains a resident&#39;s phone number." in page
    again = client.post(f"/en/plans/{approved['id']}/withhold",
                        data={"reason": "Twice"}, follow_redirects=True)
    assert "already withheld" in again.get_data(as_text=True)
    assert client.post(f"/en/plans/{approved['id']}/publish").status_code == 302
    assert client.get("/api/v1/plans").get_json()["total"] == 1
    with app.app_context():
        decision = db.session.scalar(select(Withholding))
        assert decision.reason == "Contains a resident's phone number."
        assert decision.released_at is not None  # kept on record after the undo
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"plans.withheld", "plans.published"} <= actions


def test_only_an_approved_plan_can_be_withheld(app, client, approved, login_as):
    login_as("coordinator")
    response = client.post(f"/en/plans/{approved['draft']}/withhold",
                           data={"reason": "Not yet"}, follow_redirects=True)
    assert "only an approved plan can be withheld" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Withholding)) is None


def test_one_person_is_not_one_people(app, client, approved):
    from m4eg.extensions import db
    from m4eg.plans.models import Plan

    with app.app_context():
        block = db.session.get(Plan, approved["id"]).blocks["diagnostic"]
        block.content = {**block.content, "population": 1}
        db.session.commit()
    text = client.get(f"/en/municipalities/khirdalan/plans/{approved['id']}").get_data(
        as_text=True)
    assert "<p>1 person</p>" in text and "1 people" not in text
