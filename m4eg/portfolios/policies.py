"""Who may track portfolios."""

from ..core.permissions import has_role, policy


@policy("portfolios.manage")
def _manage(user, obj) -> bool:
    return has_role(user, "coordinator")
