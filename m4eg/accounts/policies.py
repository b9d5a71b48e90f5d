"""Who may act on accounts (registered with the core permission mechanism)."""

from ..core.permissions import ROLES, grant, has_role, policy
from .roles import assignable_roles

grant("users.manage", "coordinator")
# Network-wide roles belong to no municipality: their profile has no municipality field.
grant("profile.network_wide", "coordinator")


@policy("users.set_role", "coordinator", on_object=True)
def _set_role(user, target) -> bool:
    # Nobody changes their own role, nor the role of someone they could not have appointed.
    return (target is not None and target.id != user.id
            and target.role in assignable_roles(user))


@policy("users.confirm_affiliation", "focal_point", "coordinator", on_object=True)
def _confirm_affiliation(user, target) -> bool:
    # Coordinators confirm anyone's municipality; a focal point confirms the people of their
    # own (confirmed) municipality, never themselves.
    if target is None or target.municipality_id is None or target.id == user.id:
        return False
    if has_role(user, "coordinator"):
        return True
    return user.affiliation_confirmed and user.municipality_id == target.municipality_id


@policy("users.review_affiliations", "focal_point", "coordinator")
def _review_affiliations(user, obj) -> bool:
    return has_role(user, "coordinator") or user.affiliation_confirmed


@policy("users.administer", "coordinator", on_object=True)
def _administer(user, target) -> bool:
    # Deactivate, reactivate and erase: administrators any account (their own included, the
    # last administrator excepted by the service); coordinators the municipal accounts.
    return target is not None and target.role in assignable_roles(user)


@policy("users.export_data", *ROLES, on_object=True)
def _export_data(user, target) -> bool:
    # One's own data only: an administrator handles a request without reading the export.
    return target is not None and target.id == user.id


grant("audit.read", "admin")
