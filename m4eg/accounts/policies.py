"""Who may act on accounts (registered with the core permission mechanism)."""

from ..core.permissions import has_role, policy


@policy("users.manage")
def _manage_users(user, obj) -> bool:
    return has_role(user, "coordinator")


@policy("users.set_role")
def _set_role(user, target) -> bool:
    # Coordinators manage municipal accounts; only administrators touch other coordinators
    # and administrators. Nobody changes their own role.
    if target is None or target.id == user.id or not has_role(user, "coordinator"):
        return False
    return user.role == "admin" or target.role in {"staff", "focal_point"}


@policy("users.confirm_affiliation")
def _confirm_affiliation(user, target) -> bool:
    # Coordinators confirm anyone's municipality; a focal point confirms the people of their
    # own (confirmed) municipality, never themselves.
    if target is None or target.municipality_id is None or target.id == user.id:
        return False
    if has_role(user, "coordinator"):
        return True
    return (user.role == "focal_point" and user.affiliation_confirmed
            and user.municipality_id == target.municipality_id)


@policy("users.review_affiliations")
def _review_affiliations(user, obj) -> bool:
    return has_role(user, "coordinator") or (user.role == "focal_point"
                                             and user.affiliation_confirmed)
