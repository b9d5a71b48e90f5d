"""Who may act on learning records."""

from ..core.permissions import grant, has_role, policy

grant("courses.manage", "coordinator")


@policy("certificates.download")
def _download(user, certificate) -> bool:
    return certificate is not None and (certificate.user_id == user.id
                                        or has_role(user, "coordinator"))


grant("certificates.revoke", "coordinator")
