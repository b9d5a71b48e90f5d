"""The refusals of the plan rules (every module of the domain raises them)."""

from ..core.errors import DomainError
from ..core.versions import Conflict


class PlanError(DomainError):
    """A plan rule refused an operation (``problems`` holds the problems per field and
    table cell of a refused block save)."""


class PlanConflict(PlanError, Conflict):
    """Someone else saved the block after the form was opened (shown as 409)."""
