"""Rules for member municipalities."""

from __future__ import annotations

from sqlalchemy import select

from ..core.text import az_sort_key
from ..extensions import db
from .models import Municipality

# The two members the foundation needs for its demo accounts (seed 004: Khirdalan City
# Municipality is a Portfolio Journey demonstrator, Urva Municipality an Urban Imaginaries one).
DEMO_MUNICIPALITIES = (
    {"slug": "khirdalan", "name_az": "Xırdalan şəhər bələdiyyəsi",
     "name_en": "Khirdalan City Municipality", "type": "city"},
    {"slug": "urva", "name_az": "Urva bələdiyyəsi", "name_en": "Urva Municipality",
     "type": "village"},
)


def get_by_slug(slug: str) -> Municipality | None:
    """The municipality with ``slug``, or None."""
    return db.session.scalar(select(Municipality).where(Municipality.slug == slug))


def get(municipality_id: int) -> Municipality | None:
    """The municipality with primary key ``municipality_id``, or None."""
    return db.session.get(Municipality, municipality_id)


def choices(lang: str) -> list[tuple[int, str]]:
    """(id, name) pairs for a select field, in the alphabet order of ``lang``."""
    rows = db.session.execute(
        select(Municipality.id, Municipality.name_az, Municipality.name_en)
    ).all()
    if lang == "az":
        return sorted(((r.id, r.name_az) for r in rows), key=lambda pair: az_sort_key(pair[1]))
    return sorted(((r.id, r.name_en) for r in rows), key=lambda pair: pair[1].casefold())


def ensure_demo_municipalities() -> dict[str, Municipality]:
    """Create the demo members if missing; running it again changes nothing."""
    result = {}
    for data in DEMO_MUNICIPALITIES:
        municipality = get_by_slug(data["slug"])
        if municipality is None:
            municipality = Municipality(**data)
            db.session.add(municipality)
        result[data["slug"]] = municipality
    db.session.flush()
    return result
