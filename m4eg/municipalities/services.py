"""Rules for the register of members: reference data, listing and search, edits with history,
suspension, roster import (dry run first, all-or-nothing, idempotent) and export."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import func, select

from ..core import tables, versions
from ..core import time as clock
from ..core.errors import DomainError
from ..core.imports import ImportPlan, RowResult, RowStatus
from ..core.params import to_int
from ..core.text import az_sort_key, search_fold
from ..core.time import utcnow
from ..extensions import db
from .models import (  # the enums and label mappings are read by other domains too
    MUNICIPALITY_TYPES,
    TRACKS,
    ChangeAction,
    MemberStatus,
    Municipality,
    MunicipalityChange,
    MunicipalityType,
    Rayon,
    Region,
    Track,
)

DATA = Path(__file__).parent / "data"
PER_PAGE = 20
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
ROSTER_COLUMNS = ("code", "slug", "name_az", "name_en", "type", "rayon", "status", "joined",
                  "track", "demo", "email", "phone", "website")
REQUIRED_COLUMNS = ("code", "name_az", "name_en", "type", "rayon")
EDITABLE = ("code", "slug", "name_az", "name_en", "type", "rayon_id", "status", "joined_year",
            "demonstrator_track", "is_demo", "email", "phone", "website")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_TRUE = {"yes", "true", "1", "y", "bəli", "hə"}
_FALSE = {"no", "false", "0", "n", "xeyr", "yox", ""}


class MunicipalityError(DomainError):
    """A rule of the register refused the change."""


class EditConflict(MunicipalityError, versions.Conflict):
    pass


def _edited_meanwhile() -> EditConflict:
    return EditConflict(_l("Someone else saved this member after you opened the form. "
                           "Reload the page to see their changes, then edit again."))


class ImportFileError(MunicipalityError):
    """The file as a whole cannot be read (wrong format, empty, too big, wrong headers)."""


# ---------------------------------------------------------------- reference data


def _read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_reference_data() -> tuple[int, int]:
    """Create or update the economic regions and rayons from the shipped CSV files."""
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    for row in _read_csv(DATA / "regions.csv"):
        region = regions.get(row["code"]) or Region(code=row["code"])
        region.name_az, region.name_en = row["name_az"], row["name_en"]
        db.session.add(region)
        regions[row["code"]] = region
    db.session.flush()
    rayons = {r.code: r for r in db.session.scalars(select(Rayon))}
    for row in _read_csv(DATA / "rayons.csv"):
        rayon = rayons.get(row["code"]) or Rayon(code=row["code"])
        rayon.name_az, rayon.name_en = row["name_az"], row["name_en"]
        rayon.region_id = regions[row["region"]].id
        db.session.add(rayon)
    db.session.flush()
    return len(regions), len(rayons)


def regions() -> list[Region]:
    return list(db.session.scalars(select(Region).order_by(Region.code)))


def rayons() -> list[Rayon]:
    return list(db.session.scalars(select(Rayon)))


def _rayon_index() -> dict[str, Rayon]:
    index = {}
    for rayon in rayons():
        for key in (rayon.code, rayon.name_az, rayon.name_en):
            index[search_fold(key)] = rayon
    return index


# ---------------------------------------------------------------- reading


def get(municipality_id: int) -> Municipality | None:
    """The municipality with primary key ``municipality_id``, or None."""
    return db.session.get(Municipality, municipality_id)


def get_by_slug(slug: str) -> Municipality | None:
    """The municipality with ``slug``, or None."""
    return db.session.scalar(select(Municipality).where(Municipality.slug == slug))


def choices(lang: str) -> list[tuple[int, str]]:
    """(id, name) pairs of current members for a select field, in ``lang``'s order."""
    rows = db.session.execute(
        select(Municipality.id, Municipality.name_az, Municipality.name_en)
        .where(Municipality.status != MemberStatus.LEFT.value)
    ).all()
    if lang == "az":
        return sorted(((r.id, r.name_az) for r in rows), key=lambda pair: az_sort_key(pair[1]))
    return sorted(((r.id, r.name_en) for r in rows), key=lambda pair: pair[1].casefold())


@dataclass
class Filters:
    """Directory filters; unknown values are dropped, never an error."""

    type: str = ""
    region: str = ""
    status: str = ""
    q: str = ""
    demonstrators: bool = False

    @classmethod
    def from_args(cls, args) -> Filters:
        region_codes = set(db.session.scalars(select(Region.code)))
        value = {
            "type": str(MunicipalityType.get(args.get("type")) or ""),
            "region": args.get("region", "") if args.get("region") in region_codes else "",
            "status": str(MemberStatus.get(args.get("status")) or ""),
            "q": (args.get("q") or "").strip()[:100],
            "demonstrators": args.get("demonstrators") == "1",
        }
        return cls(**value)

    def as_args(self) -> dict:
        args = {k: v for k, v in vars(self).items() if v and k != "demonstrators"}
        if self.demonstrators:
            args["demonstrators"] = "1"
        return args


def _filtered(query, filters: Filters, *, skip_type=False):
    if filters.type and not skip_type:
        query = query.where(Municipality.type == filters.type)
    if filters.status:
        query = query.where(Municipality.status == filters.status)
    if filters.region:
        region_id = select(Region.id).where(Region.code == filters.region).scalar_subquery()
        query = query.where(Municipality.rayon_id.in_(
            select(Rayon.id).where(Rayon.region_id == region_id)))
    if filters.demonstrators:
        query = query.where(Municipality.demonstrator_track.is_not(None))
    if filters.q:
        for word in search_fold(filters.q).split():
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(Municipality.search_text.like(f"%{escaped}%", escape="\\"))
    return query


def list_members(filters: Filters, *, lang: str, page: int = 1, per_page: int = PER_PAGE):
    """One page of members matching ``filters``, in the alphabet order of ``lang``."""
    order = Municipality.sort_key_az if lang == "az" else Municipality.sort_key_en
    query = _filtered(select(Municipality), filters).order_by(order, Municipality.id)
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False,
                       count=True)


def counts_by_type(filters: Filters) -> dict[str, int]:
    """How many members of each type match the filters other than the type."""
    query = _filtered(
        select(Municipality.type, func.count()).group_by(Municipality.type), filters,
        skip_type=True,
    )
    counts = dict.fromkeys(MUNICIPALITY_TYPES, 0)
    counts.update(dict(db.session.execute(query).all()))
    return counts


def history(municipality: Municipality) -> list[MunicipalityChange]:
    """Every recorded change to ``municipality``, newest first."""
    return list(db.session.scalars(
        select(MunicipalityChange).where(MunicipalityChange.municipality_id == municipality.id)
        .order_by(MunicipalityChange.at.desc(), MunicipalityChange.id.desc())
    ))


# What a person reads for a recorded field (MunicipalityChange.changes is keyed by column).
FIELD_LABELS = {
    "code": _l("Code"), "slug": _l("Web address"), "name_az": _l("Name in Azerbaijani"),
    "name_en": _l("Name in English"), "type": _l("Type"), "rayon_id": _l("Rayon"),
    "status": lazy_pgettext("membership", "Status"), "joined_year": _l("Year joined"),
    "demonstrator_track": _l("Deep demonstrator track"), "is_demo": _l("Demo record"),
    "email": _l("Public email"), "phone": _l("Public phone"), "website": _l("Website"),
}


@dataclass(frozen=True)
class ChangeLine:
    """One field of a recorded change, in words: its label, the value before and after."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    at: object
    actor: object
    action_label: str
    lines: list[ChangeLine]


def _shown_value(field: str, value, rayons: dict[int, str]) -> str:
    """A stored value as the member page shows it: labels for codes, "—" for nothing."""
    if value is None or value == "":
        return "—"
    if field == "type":
        return MunicipalityType.label_of(value)
    if field == "status":
        return MemberStatus.label_of(value)
    if field == "demonstrator_track":
        return Track.label_of(value)
    if field == "rayon_id":
        return rayons.get(value, "—")
    if field == "is_demo":
        return _("Yes") if value else _("No")
    return str(value)


def history_entries(municipality: Municipality) -> list[HistoryEntry]:
    """:func:`history` in words for the current language: field labels and values shown as
    labels (no column names or stored codes on the page)."""
    changes = history(municipality)
    rayons = {r.id: r.name for r in db.session.scalars(select(Rayon))} if changes else {}
    return [HistoryEntry(
        at=change.at, actor=change.actor, action_label=change.action_label,
        lines=[ChangeLine(str(FIELD_LABELS.get(field, field)),
                          _shown_value(field, values[0], rayons),
                          _shown_value(field, values[1], rayons))
               for field, values in (change.changes or {}).items()])
        for change in changes]


def count_by_type(*, joined_by: int | None = None) -> dict[str, int]:
    """Members of the network (not those who left) per type, optionally as of a year."""
    query = (select(Municipality.type, func.count())
             .where(Municipality.status != MemberStatus.LEFT.value))
    if joined_by is not None:
        query = query.where((Municipality.joined_year.is_(None))
                            | (Municipality.joined_year <= joined_by))
    counts = dict.fromkeys(MUNICIPALITY_TYPES, 0)
    counts.update(dict(db.session.execute(query.group_by(Municipality.type)).all()))
    return counts


def count_by_track() -> dict[str, int]:
    """Deep demonstrators per track."""
    query = (select(Municipality.demonstrator_track, func.count())
             .where(Municipality.demonstrator_track.is_not(None))
             .group_by(Municipality.demonstrator_track))
    counts = dict.fromkeys(TRACKS, 0)
    counts.update(dict(db.session.execute(query).all()))
    return counts


# ---------------------------------------------------------------- changes


def _snapshot(municipality: Municipality) -> dict:
    return {key: getattr(municipality, key) for key in EDITABLE}


def _diff(before: dict, after: dict) -> dict:
    return {key: [before.get(key), after[key]] for key in after if before.get(key) != after[key]}


def _check_unique(municipality: Municipality | None, code: str, slug: str) -> None:
    own_id = municipality.id if municipality is not None and municipality.id else -1
    taken = db.session.execute(
        select(Municipality.code, Municipality.slug).where(
            ((Municipality.code == code) | (Municipality.slug == slug))
            & (Municipality.id != own_id))
    ).first()
    if taken is not None and taken.code == code:
        raise MunicipalityError(_l("Another member already uses this code."), field="code")
    if taken is not None:
        raise MunicipalityError(_l("Another member already uses this web address."),
                                field="slug")


def _apply(municipality: Municipality, data: dict) -> None:
    municipality.set_names(data["name_az"], data["name_en"])
    for key in EDITABLE:
        if key in data and key not in {"name_az", "name_en"}:
            setattr(municipality, key, data[key])
    municipality.updated_at = utcnow()


def create_member(data: dict, actor) -> Municipality:
    """Add a member; its creation is the first entry of its history."""
    data = {**data, "slug": data.get("slug") or slugify(data["name_en"])}
    _check_unique(None, data["code"], data["slug"])
    municipality = Municipality(status=MemberStatus.ACTIVE.value)
    _apply(municipality, data)
    db.session.add(municipality)
    db.session.flush()
    _record(municipality, actor, ChangeAction.CREATED, _diff({}, _snapshot(municipality)))
    return municipality


def update_member(municipality: Municipality, data: dict, actor, *, version: int) -> dict:
    """Save edits; refuses with :class:`EditConflict` when someone saved in the meantime.
    Returns what changed (empty when nothing did)."""
    versions.claim(municipality, version, _edited_meanwhile())
    data = {**data, "slug": data.get("slug") or municipality.slug}
    _check_unique(municipality, data["code"], data["slug"])
    before = _snapshot(municipality)
    _apply(municipality, data)
    changes = _diff(before, _snapshot(municipality))
    if "type" in changes:
        municipality.type_confirmed = True  # a coordinator has settled the type
    if changes:
        _record(municipality, actor, ChangeAction.UPDATED, changes)
    db.session.flush()
    return changes


def set_status(municipality: Municipality, status: str, actor, *, version: int) -> None:
    """Suspend, restore or mark as left; members are never deleted."""
    status = MemberStatus.get(status)
    if status is None:
        raise MunicipalityError(_l("Unknown status."))
    conflict = EditConflict(_l("Someone else saved this member after you opened the page. "
                               "Reload it and try again."))
    if municipality.status == status:
        if version != municipality.version:
            raise conflict
        return
    versions.claim(municipality, version, conflict)
    changes = {"status": [municipality.status, status.value]}
    municipality.status = status.value
    municipality.updated_at = utcnow()
    _record(municipality, actor, status.change, changes)


def _record(municipality, actor, action: ChangeAction, changes) -> None:
    db.session.add(MunicipalityChange(
        municipality_id=municipality.id, actor_id=getattr(actor, "id", None),
        action=action.value, changes=changes,
    ))


def slugify(text: str) -> str:
    """An ASCII web address part from a name (az letters folded)."""
    folded = search_fold(text)
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:80] or "member"


# ---------------------------------------------------------------- import and export


def read_table(filename: str, content: bytes) -> list[dict]:
    """Rows of a roster file (CSV or XLSX). Raises :class:`ImportFileError`."""
    try:
        return tables.read_table(filename, content, required=REQUIRED_COLUMNS,
                                 allowed=ROSTER_COLUMNS, max_bytes=MAX_IMPORT_BYTES,
                                 max_rows=MAX_IMPORT_ROWS)
    except tables.TableError as error:
        raise ImportFileError(error.message) from error


def _bool(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


def _validate_row(row: dict, rayon_index: dict) -> tuple[dict, list]:
    reasons, data = [], {}
    code = row.get("code", "")
    if not code:
        reasons.append(_("empty code"))
    elif not _CODE.match(code):
        reasons.append(_("code %(code)s has characters other than letters, digits and "
                         "hyphens", code=tables.shown(code)))
    data["code"] = code
    for key in ("name_az", "name_en"):
        value = row.get(key, "")
        if not value:
            reasons.append(_("empty name (%(column)s)", column=key))
        elif len(value) > 160:
            reasons.append(_("name longer than 160 characters (%(column)s)", column=key))
        data[key] = value
    kind = row.get("type", "").lower()
    if MunicipalityType.get(kind) is None:
        reasons.append(_("unknown type %(value)s (use city, district or village)",
                         value=tables.shown(kind or "—")))
    data["type"] = kind
    rayon = rayon_index.get(search_fold(row.get("rayon", "")))
    if rayon is None:
        reasons.append(_("unknown rayon %(value)s", value=tables.shown(row.get("rayon")) or "—"))
    data["rayon_id"] = rayon.id if rayon else None
    status = (row.get("status") or MemberStatus.ACTIVE.value).lower()
    if MemberStatus.get(status) is None:
        reasons.append(_("unknown status %(value)s", value=tables.shown(status)))
    data["status"] = status
    joined = row.get("joined", "")
    if joined.endswith(".0"):  # spreadsheets turn 2021 into 2021.0
        joined = joined[:-2]
    year = to_int(joined, minimum=1990, maximum=clock.today().year)
    if joined and year is None:
        reasons.append(_("year joined %(value)s is not a year", value=tables.shown(joined)))
    data["joined_year"] = year
    track = row.get("track", "").lower()
    if track and Track.get(track) is None:
        reasons.append(_("unknown track %(value)s", value=tables.shown(track)))
    data["demonstrator_track"] = track or None
    demo = _bool(row.get("demo", ""))
    if demo is None:
        reasons.append(_("demo must be yes or no"))
    data["is_demo"] = bool(demo)
    slug = row.get("slug", "").lower()
    if slug and not _SLUG.match(slug):
        reasons.append(_("web address %(value)s may use only a-z, 0-9 and hyphens",
                         value=tables.shown(slug)))
    data["slug"] = slug or slugify(data["name_en"] or code)
    email = row.get("email", "")
    if email and (len(email) > 254 or not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email)):
        reasons.append(_("email %(value)s is not an email address", value=tables.shown(email)))
    website = row.get("website", "")
    if website and (len(website) > 200 or not website.startswith(("http://", "https://"))):
        reasons.append(_("website must start with http:// or https://"))
    phone = row.get("phone", "")
    if len(phone) > 40:
        reasons.append(_("phone number longer than 40 characters"))
    data.update(email=email, website=website, phone=phone)
    return data, reasons


def plan_import(rows: list[dict]) -> ImportPlan:
    """The dry run: what each row would do, or why it is rejected. Writes nothing."""
    rayon_index = _rayon_index()
    existing = {m.code: m for m in db.session.scalars(select(Municipality))}
    slugs = {m.slug: m.code for m in existing.values()}
    seen_codes, seen_slugs, results = {}, {}, []
    for line, row in enumerate(rows, start=2):
        data, reasons = _validate_row(row, rayon_index)
        code, slug = data["code"], data["slug"]
        if code and code in seen_codes:
            reasons.append(_("duplicate code %(code)s (also on line %(line)d)",
                             code=tables.shown(code), line=seen_codes[code]))
        if slug in seen_slugs:
            reasons.append(_("duplicate web address %(value)s (also on line %(line)d)",
                             value=tables.shown(slug), line=seen_slugs[slug]))
        elif slugs.get(slug, code) != code:
            reasons.append(_("web address %(value)s belongs to member %(code)s",
                             value=tables.shown(slug), code=tables.shown(slugs[slug])))
        seen_codes.setdefault(code, line)
        seen_slugs.setdefault(slug, line)
        current = existing.get(code)
        results.append(RowResult.judge(
            line, reasons, existing=_snapshot(current) if current else None,
            after={key: data[key] for key in EDITABLE if key in data},
            code=tables.shown(code), name=tables.shown(data["name_az"] or data["name_en"]),
            data=data, key=code))
    return ImportPlan(results)


def apply_import(plan: ImportPlan, actor) -> ImportPlan:
    """Write a plan that has no rejected row; refuses otherwise (nothing is written)."""
    plan.check_writable(ImportFileError)
    existing = {m.code: m for m in db.session.scalars(select(Municipality))}
    for row in plan.rows:
        if row.status is RowStatus.NEW:
            municipality = Municipality()
            _apply(municipality, row.data)
            db.session.add(municipality)
            db.session.flush()
            _record(municipality, actor, ChangeAction.IMPORTED,
                    _diff({}, _snapshot(municipality)))
        elif row.status is RowStatus.CHANGED:
            municipality = existing[row.key]
            versions.claim(municipality, municipality.version, EditConflict(_l(
                "Someone else saved a member while the import was being written. Nothing "
                "was imported: try again.")))
            _apply(municipality, row.data)
            _record(municipality, actor, ChangeAction.IMPORTED, row.changes)
    db.session.flush()
    return plan


def load_roster(actor=None) -> ImportPlan:
    """Import the roster shipped in the repository (reference data first)."""
    load_reference_data()
    path = DATA / "members.csv"
    plan = apply_import(plan_import(read_table(path.name, path.read_bytes())), actor)
    _flag_unconfirmed_types()
    return plan


def _flag_unconfirmed_types() -> None:
    """Mark the members whose type the sources leave open (data/type_unconfirmed.csv): the
    member page says so instead of presenting the type as a fact."""
    slugs = {row["slug"] for row in _read_csv(DATA / "type_unconfirmed.csv")}
    for municipality in db.session.scalars(select(Municipality).where(
            Municipality.slug.in_(slugs), Municipality.type_confirmed.is_(True))):
        municipality.type_confirmed = False
    db.session.flush()


def roster_rows() -> list[list[str]]:
    """The register as rows (header first), in the import's column order."""
    members = db.session.scalars(select(Municipality).order_by(Municipality.code)).all()
    rows = [list(ROSTER_COLUMNS)]
    for m in members:
        rows.append([
            m.code, m.slug, m.name_az, m.name_en, m.type, m.rayon.code if m.rayon else "",
            m.status, str(m.joined_year or ""), m.demonstrator_track or "",
            "yes" if m.is_demo else "no", m.email, m.phone, m.website,
        ])
    return rows


def ensure_demo_municipalities() -> dict[str, Municipality]:
    """Load the shipped roster (idempotent) and return the members by slug."""
    load_roster()
    return {m.slug: m for m in db.session.scalars(select(Municipality))}


# ---------------------------------------------------------------- for other domains
# Other domains read members only through these (pyproject.toml [tool.importlinter]).


def ids_in_region(region_code: str):
    """A subquery of the ids of the members in the economic region ``region_code``."""
    return (select(Municipality.id).join(Rayon, Rayon.id == Municipality.rayon_id)
            .join(Region, Region.id == Rayon.region_id).where(Region.code == region_code))


def active_ids():
    """A subquery of the ids of the active members."""
    return select(Municipality.id).where(Municipality.status == MemberStatus.ACTIVE.value)


def names_subquery():
    """A subquery of the members' ``id``, ``name_az`` and ``name_en``, for joins in reports."""
    return select(Municipality.id, Municipality.name_az, Municipality.name_en).subquery()


def village_areas() -> dict[str, dict]:
    """The village members by code: names in both languages and the page's slug."""
    rows = db.session.execute(select(Municipality.code, Municipality.name_az,
                                     Municipality.name_en, Municipality.slug)
                              .where(Municipality.type == MunicipalityType.VILLAGE.value)).all()
    return {r.code: {"az": r.name_az, "en": r.name_en, "slug": r.slug} for r in rows}


def rayon_areas() -> dict[str, dict]:
    """The rayons by code: names in both languages and the economic region's code (a rayon
    has no page)."""
    rows = db.session.execute(select(Rayon.code, Rayon.name_az, Rayon.name_en, Region.code
                                     .label("region")).join(Region, Rayon.region_id == Region.id)
                              ).all()
    return {r.code: {"az": r.name_az, "en": r.name_en, "slug": None, "region": r.region}
            for r in rows}


def count_by_join_year() -> dict[int | None, int]:
    """Members of the network (not those who left) per year joined (None: not recorded)."""
    query = (select(Municipality.joined_year, func.count())
             .where(Municipality.status != MemberStatus.LEFT.value)
             .group_by(Municipality.joined_year))
    return dict(db.session.execute(query).all())


def members_joined_in(years, *, lang: str) -> list[Municipality]:
    """Members (not those who left) whose year joined is one of ``years`` (None: those with
    no year recorded), in the alphabet order of ``lang``."""
    years = list(years)
    known = [year for year in years if year is not None]
    condition = Municipality.joined_year.in_(known)
    if None in years:
        condition = condition | Municipality.joined_year.is_(None)
    order = Municipality.sort_key_az if lang == "az" else Municipality.sort_key_en
    return list(db.session.scalars(
        select(Municipality).where(Municipality.status != MemberStatus.LEFT.value, condition)
        .order_by(order, Municipality.id)))


def member_ids(*, type: str = "", region: str = "", rayon: str = "", q: str = ""):
    """A query of the ids of the members of ``type`` in the economic ``region`` or the
    ``rayon`` (codes) whose name matches ``q`` however it is typed (``Seki``, ``ŞƏKİ``,
    ``Sheki``: core/text.py); an empty argument filters nothing."""
    query = _filtered(select(Municipality.id),
                      Filters(type=type, region=region, q=(q or "").strip()[:100]))
    if rayon:
        query = query.where(Municipality.rayon_id.in_(select(Rayon.id).where(
            Rayon.code == rayon)))
    return query
