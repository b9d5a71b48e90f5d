"""Who may read, write and review plans: role and municipality, in one place."""

from ..core.permissions import has_role, policy


def _same_municipality(user, plan) -> bool:
    """The person works for the plan's municipality, and that municipality (or a
    coordinator) has confirmed it: choosing a municipality in a profile grants nothing."""
    return (plan is not None and user.affiliation_confirmed
            and user.municipality_id == plan.municipality_id)


@policy("plans.read")
def _read(user, plan) -> bool:
    return has_role(user, "coordinator") or _same_municipality(user, plan)


@policy("plans.list")
def _list(user, municipality_id) -> bool:
    return user.affiliation_confirmed and user.municipality_id == municipality_id


@policy("plans.edit")
def _edit(user, plan) -> bool:
    return user.role == "focal_point" and _same_municipality(user, plan)


@policy("plans.start")
def _start(user, municipality_id) -> bool:
    return (user.role == "focal_point" and user.affiliation_confirmed
            and user.municipality_id == municipality_id)


@policy("plans.comment")
def _comment(user, plan) -> bool:
    return has_role(user, "coordinator") or _edit(user, plan)


@policy("plans.review")
def _review(user, plan) -> bool:
    return has_role(user, "coordinator")
