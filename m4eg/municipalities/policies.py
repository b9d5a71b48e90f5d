"""Who may act on the register of members."""

from ..core.permissions import has_role, policy


@policy("municipalities.manage")
def _manage(user, obj) -> bool:
    return has_role(user, "coordinator")
