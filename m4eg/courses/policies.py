"""Who may act on learning records."""

from ..core.permissions import has_role, policy


@policy("courses.manage")
def _manage(user, obj) -> bool:
    return has_role(user, "coordinator")


@policy("certificates.download")
def _download(user, certificate) -> bool:
    return certificate is not None and (certificate.user_id == user.id
                                        or has_role(user, "coordinator"))
