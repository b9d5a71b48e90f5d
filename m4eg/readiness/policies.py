"""Who may change readiness data."""

from ..core.permissions import has_role, policy


@policy("readiness.manage")
def _manage(user, obj) -> bool:
    return has_role(user, "coordinator")
