"""The municipality: a member of the M4EG network."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.audit import utcnow
from ..core.i18n import localized
from ..extensions import db

MUNICIPALITY_TYPES = {
    "city": _l("City municipality"),
    "district": _l("District municipality"),
    "village": _l("Village municipality"),
}


class Municipality(db.Model):
    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_az: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(160))
    type: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def type_label(self) -> str:
        return str(MUNICIPALITY_TYPES.get(self.type, self.type))

    def __repr__(self) -> str:
        return f"<Municipality {self.slug}>"
