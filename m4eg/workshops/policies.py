"""Who may run workshop sessions."""

from ..core.permissions import grant

grant("workshops.manage", "coordinator")
