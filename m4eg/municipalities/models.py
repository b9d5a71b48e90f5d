"""Members of the M4EG network, the reference data they sit in, and their change history."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabelledEnum
from ..core.i18n import localized
from ..core.text import az_lower, search_fold
from ..core.time import utcnow
from ..extensions import db


class MunicipalityType(LabelledEnum):
    """The three kinds of municipality the law knows (``Municipality.type``)."""

    CITY = "city", _l("City municipality")
    DISTRICT = "district", _l("District municipality")
    VILLAGE = "village", _l("Village municipality")


class MemberStatus(LabelledEnum):
    """Where a member stands in the network: members are never deleted, they leave."""

    ACTIVE = "active", _l("Active")
    SUSPENDED = "suspended", _l("Suspended")
    LEFT = "left", _l("Left the network")

    @property
    def change(self) -> ChangeAction:
        """The history entry a change to this status makes."""
        return {MemberStatus.ACTIVE: ChangeAction.RESTORED,
                MemberStatus.SUSPENDED: ChangeAction.SUSPENDED,
                MemberStatus.LEFT: ChangeAction.LEFT}[self]


class Track(LabelledEnum):
    """The deep-demonstrator track a member follows, if any."""

    PORTFOLIO_JOURNEY = "portfolio_journey", _l("Portfolio Journey")
    URBAN_IMAGINARIES = "urban_imaginaries", _l("Urban Imaginaries")


class ChangeAction(LabelledEnum):
    """What an entry of a member's history records."""

    CREATED = "created", _l("created")
    UPDATED = "updated", _l("updated")
    IMPORTED = "imported", _l("imported")
    SUSPENDED = "suspended", _l("suspended")
    RESTORED = "restored", _l("restored")
    LEFT = "left", _l("left the network")


# The (value → label) mappings other domains read (portfolios' track choice, figures' totals).
MUNICIPALITY_TYPES = dict(MunicipalityType.choices())
STATUSES = dict(MemberStatus.choices())
TRACKS = dict(Track.choices())


class _Place:
    """Reference data named in both languages, found by its code."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_az: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))

    @property
    def name(self) -> str:
        return localized(self, "name")


class Region(_Place, db.Model):
    """An economic region of Azerbaijan (reference data)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(8), unique=True)


class Rayon(_Place, db.Model):
    """A rayon (district) or city of republican significance (reference data)."""

    __tablename__ = "rayons"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)

    region: Mapped[Region] = relationship(lazy="joined")


def az_order_key(text: str) -> str:
    """A string whose plain ordering (in any database collation: digits only) is the
    Azerbaijani alphabet order of ``text``, so the database can sort and paginate."""
    from ..core.text import AZ_ALPHABET

    ranks = []
    for ch in az_lower(text):
        index = AZ_ALPHABET.find(ch)
        if index >= 0:
            ranks.append(f"{index + 10:02d}")
        elif ch.isdigit():
            ranks.append(f"0{ch}")
        else:  # spaces and punctuation first, letters foreign to the alphabet last
            ranks.append("00" if not ch.isalpha() else "99")
    return "".join(ranks)[:400]


class Municipality(db.Model):
    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_az: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(160))
    type: Mapped[str] = mapped_column(String(16), index=True)
    rayon_id: Mapped[int | None] = mapped_column(ForeignKey("rayons.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.ACTIVE.value,
                                        index=True)
    joined_year: Mapped[int | None] = mapped_column(Integer)
    demonstrator_track: Mapped[str | None] = mapped_column(String(24), index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # False where the sources count a member under a type it may not have (the report counts
    # Icherisheher Administration, a reserve's administration, among the city municipalities).
    type_confirmed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    # Derived columns, kept in step by set_names(): the database sorts and searches on them.
    search_text: Mapped[str] = mapped_column(String(400), default="", index=True)
    sort_key_az: Mapped[str] = mapped_column(String(400), default="", index=True)
    sort_key_en: Mapped[str] = mapped_column(String(160), default="", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    rayon: Mapped[Rayon | None] = relationship(lazy="joined")

    def set_names(self, name_az: str, name_en: str) -> None:
        """Set both names and the search and sort keys derived from them."""
        self.name_az, self.name_en = name_az.strip(), name_en.strip()
        self.search_text = f"{search_fold(self.name_az)} | {search_fold(self.name_en)}"[:400]
        self.sort_key_az = az_order_key(self.name_az)
        self.sort_key_en = self.name_en.casefold()[:160]

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def type_label(self) -> str:
        return MunicipalityType.label_of(self.type)

    @property
    def status_label(self) -> str:
        return MemberStatus.label_of(self.status)

    @property
    def track_label(self) -> str:
        return Track.label_of(self.demonstrator_track, default="")

    def __repr__(self) -> str:
        return f"<Municipality {self.slug}>"


class MunicipalityChange(db.Model):
    """One change to a member: who, when, what (field → [before, after])."""

    __tablename__ = "municipality_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User", lazy="joined")

    @property
    def action_label(self) -> str:
        return ChangeAction.label_of(self.action)
