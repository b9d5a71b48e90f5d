"""A plan page with adversarial Markdown in a field is still served."""

from m4eg.plans.blockform import field_name
from tests.hang import completes
from tests.plans import test_views as plan_views
from tests.plans.conftest import block_form
from tests.plans.test_views import _template, log_in

# The plan fixture of tests/plans, under its own name, for this test outside tests/plans.
khirdalan_plan = plan_views.khirdalan_plan


def test_a_plan_page_with_a_field_of_brackets_is_served(app, client,
                                                                       khirdalan_plan):
    plan_id = khirdalan_plan["id"]
    log_in(client, khirdalan_plan["focal"].email)
    data = block_form(_template(app), "vision", version=1)
    data[field_name("vision")] = "[" * 20000  # the longest text a field accepts
    assert client.post(f"/en/plans/{plan_id}/blocks/vision", data=data).status_code == 302
    response = completes(lambda: client.get(f"/en/plans/{plan_id}"))  # once: minutes
    assert response.status_code == 200 and "[[[[[[[[" in response.get_data(as_text=True)
