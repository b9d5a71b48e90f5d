"""The rules about roles that services need as well as policies (who hands out which role,
which role needs a municipality, whom a plan's mail goes to). Kept apart from policies.py,
whose import registers policies: importing a service must not (tests/core/test_layers.py)."""

from ..core.permissions import ROLES, has_role

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


def role_after_moving(user) -> str:
    """The role left to ``user`` when they move to another municipality: a municipal mandate
    ends there (a focal point becomes staff), any other role stays."""
    return "staff" if holds_municipal_mandate(user) else user.role


def focal_point_condition(role_column):
    """SQL condition on a user's role: the municipality's focal points (who edit its plans
    and are told of its plan's changes)."""
    return role_column == "focal_point"


def coordinator_condition(role_column):
    """SQL condition on a user's role: the network coordinators (told when a plan is
    submitted; administrators review too but are not mailed)."""
    return role_column == "coordinator"


def admin_condition(role_column):
    """SQL condition on a user's role: the administrators (of whom one must stay active)."""
    return role_column == "admin"


def is_administrator(user) -> bool:
    """Whether ``user`` holds the administrator role itself (not merely its powers)."""
    return user.role == "admin"


# What an erased account keeps of a role: none of its powers, no municipal mandate.
ROLE_AFTER_ERASURE = "staff"
