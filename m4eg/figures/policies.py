"""Who may keep the records behind the key figures (communications reach, which activity
kinds count as events) and see the records each figure counts."""

from ..core.permissions import grant

grant("figures.manage", "coordinator")
