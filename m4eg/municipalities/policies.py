"""Who may act on the register of members."""

from ..core.permissions import grant

grant("municipalities.manage", "coordinator")
