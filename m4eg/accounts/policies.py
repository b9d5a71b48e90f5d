"""Who may act on accounts (registered with the core permission mechanism)."""

from ..core.permissions import ROLES, grant, has_role, policy

# The one statement of who hands out which role: coordinators manage municipal accounts, only
# administrators touch coordinators and administrators.
_ASSIGNABLE = {
    "coordinator": frozenset({"staff", "focal_point"}),
    "admin": frozenset(ROLES),
}


def assignable_roles(user) -> frozenset[str]:
    """The roles ``user`` may give, and take from, other people."""
    return _ASSIGNABLE.get(user.role, frozenset())


def needs_municipality(role: str) -> bool:
    """A focal point acts for one municipality: the role means nothing without one."""
    return role == "focal_point"


def holds_municipal_mandate(user) -> bool:
    """The user acts for their municipality (a mandate that ends if they move elsewhere)."""
    return has_role(user, "focal_point")


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


def focal_point_condition(role_column):
    """SQL condition on a user's role: the municipality's focal points (who edit its plans
    and are told of its plan's changes)."""
    return role_column == "focal_point"


def coordinator_condition(role_column):
    """SQL condition on a user's role: the network coordinators (told when a plan is
    submitted; administrators review too but are not mailed)."""
    return role_column == "coordinator"
