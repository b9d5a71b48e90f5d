"""Who may write the annual report's notes and mark it final (reading: see views.py)."""

from ..core.permissions import grant

grant("reports.edit", "coordinator")
