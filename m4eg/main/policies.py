"""Who may use the site's own administration pages."""

from ..core.permissions import has_role, policy


@policy("mail.manage")
def _manage_mail(user, obj) -> bool:
    return has_role(user, "admin")
