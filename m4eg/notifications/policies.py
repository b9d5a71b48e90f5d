"""Who may read notifications: everyone signed in, each only their own (the services look a
notification up by its owner, so another person's id is not found)."""

from ..core.permissions import policy


@policy("notifications.read")
def _own(user, notification) -> bool:
    return notification is None or notification.user_id == user.id
