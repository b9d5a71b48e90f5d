"""Who may track portfolios."""

from ..core.permissions import grant

grant("portfolios.manage", "coordinator")
