"""Who may change readiness data."""

from ..core.permissions import grant

grant("readiness.manage", "coordinator")
