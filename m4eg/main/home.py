"""What the signed-in home page shows each person: the parts their permissions open, each
filled from its domain's services in a number of queries that does not grow with the data.

- learning (everyone who learns): where to continue, progress per course, the next
  workshops they registered for, their certificates;
- their municipality's plan (a focal point): its status as steps, days to the deadline,
  open comments, the reminder's day, and people waiting for a confirmation;
- the network (coordinators): plans by status and the overdue ones, registrations awaiting
  a municipality's confirmation, stalled portfolios and overdue milestones, the next
  workshops with free seats;
- the platform (administrators): accounts by role, undeliverable mail, recent audit events.
"""

from __future__ import annotations

from ..accounts import services as accounts
from ..core import audit, outbox
from ..core.permissions import can
from ..courses import services as courses
from ..notifications import services as notifications
from ..plans import services as plans
from ..portfolios import services as portfolios
from ..workshops import services as workshops


def home(user) -> dict:
    """The parts of ``user``'s home, by what they may do (a part they may not open is None)."""
    learning = courses.my_learning(user)
    return {
        "notifications": notifications.latest(user.id),
        "learning": _learning(user, learning) if learning or not can(
            user, "plans.review") else None,
        "municipality": _municipality(user) if can(
            user, "plans.start", user.municipality_id) else None,
        "network": _network() if can(user, "plans.review") else None,
        "platform": _platform() if can(user, "mail.manage") else None,
    }


def _learning(user, learning) -> dict:
    return {"resume": courses.resume(user), "progress": learning,
            "certificates": [item for item in learning if item.certificate is not None],
            "workshops": workshops.upcoming_of(user)}


def _municipality(user) -> dict:
    waiting, people = accounts.pending_affiliation_summary(user.municipality_id)
    return {"plan": plans.municipality_summary(user.municipality_id),
            "waiting": waiting, "waiting_people": people}


def _network() -> dict:
    waiting, people = accounts.pending_affiliation_summary()
    return {"plans": plans.network_summary(), "statuses": plans.PlanStatus,
            "waiting": waiting, "waiting_people": people,
            "portfolios": portfolios.needing_attention(),
            "workshops": workshops.upcoming_with_seats()}


def _platform() -> dict:
    events = audit.recent()
    people = {person.id: person for person in accounts.users(
        {e.actor_id for e in events if e.actor_id}
        | {e.target_id for e in events if e.target_type == "User" and e.target_id})}
    return {"roles": accounts.count_by_role(), "role_labels": accounts.ROLE_LABELS,
            "mail": outbox.counts(), "undeliverable": outbox.needing_attention(limit=5),
            "events": events, "people": people,
            "action_label": accounts.audit_action_label,
            "object_label": accounts.audit_object_label}
