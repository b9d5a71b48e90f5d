"""Who may use the site's own administration pages."""

from ..core.permissions import grant

grant("mail.manage", "admin")
grant("style.view", "admin")  # the living style page: every shared component, both languages
