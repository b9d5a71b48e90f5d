"""Who may read, write and review plans: role and municipality, in one place."""

from ..core.permissions import can, grant, has_role, policy


def _same_municipality(user, plan) -> bool:
    """The person works for the plan's municipality, and that municipality (or a
    coordinator) has confirmed it: choosing a municipality in a profile grants nothing."""
    return (plan is not None and user.affiliation_confirmed
            and user.municipality_id == plan.municipality_id)


@policy("plans.browse")
def _browse(user, obj) -> bool:
    # The plans menu: reviewers, and people of a municipality (confirmed or not: the page
    # tells the unconfirmed what to do).
    return has_role(user, "coordinator") or user.municipality_id is not None


@policy("plans.read")
def _read(user, plan) -> bool:
    return has_role(user, "coordinator") or _same_municipality(user, plan)


@policy("plans.list")
def _list(user, municipality_id) -> bool:
    return user.affiliation_confirmed and user.municipality_id == municipality_id


@policy("plans.edit", "focal_point", on_object=True)
def _edit(user, plan) -> bool:
    return _same_municipality(user, plan)


@policy("plans.start", "focal_point", on_object=True)
def _start(user, municipality_id) -> bool:
    return user.affiliation_confirmed and user.municipality_id == municipality_id


@policy("plans.comment")
def _comment(user, plan) -> bool:
    return has_role(user, "coordinator") or can(user, "plans.edit", plan)


grant("plans.review", "coordinator")
