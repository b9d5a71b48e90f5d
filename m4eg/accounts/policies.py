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
