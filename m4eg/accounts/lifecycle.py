"""An account's life after registration: deactivation, reactivation, erasure on request, the
person's own data export, and reading the audit log.

Rules as in services.py: explicit arguments, :class:`~.services.AccountError` refusals, add
and flush (the view commits). Other domains' copies of a person's data are exported and
erased through :mod:`m4eg.core.personal_data`, where each domain registers itself.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select

from ..core import audit, outbox, versions
from ..core.exports import escape_cell
from ..core.personal_data import (
    Table,
    described_tables,
    erase_personal_data,
    export_personal_data,
    jsonable,
)
from ..core.time import utcnow, zone
from ..extensions import db
from .models import EmailConfirmationToken, PasswordResetToken, Sex, User, UserSession
from .roles import ROLE_AFTER_ERASURE, admin_condition, is_administrator
from .services import AccountError, EditConflict, end_all_sessions, get_user


class LastAdministrator(AccountError):
    """The platform would be left without an active administrator."""


def _conflict() -> EditConflict:
    return EditConflict(_l("This account was changed by someone else after you opened this "
                           "page. Look at it again and try again."))


def active_administrators() -> int:
    """How many administrators can sign in."""
    return db.session.scalar(select(func.count()).select_from(User).where(
        admin_condition(User.role), User.deactivated_at.is_(None)))


def _keep_one_administrator(target: User, refusal) -> None:
    if is_administrator(target) and target.deactivated_at is None \
            and active_administrators() <= 1:
        raise LastAdministrator(refusal)


def deactivate_user(actor: User, target: User, *, version: int | None,
                    ip: str | None = None) -> User:
    """Deactivate ``target`` (the caller checked ``users.administer``): every session ends at
    once, unused reset links are spent, and signing in is refused from now on. Refused for
    the last active administrator and for a form opened on an older version."""
    versions.check(target, version, _conflict())
    if target.erased:
        raise AccountError(_l("This account has been erased."))
    if target.deactivated_at is not None:
        return target
    _keep_one_administrator(target, _l(
        "This is the last active administrator: appoint another administrator before "
        "deactivating this account."))
    versions.claim(target, version, _conflict())
    target.deactivated_at = utcnow()
    target.deactivated_by_id = actor.id
    end_all_sessions(target)
    db.session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == target.id))
    audit.record("user.deactivated", actor=actor, target=target, ip=ip)
    db.session.flush()
    return target


def reactivate_user(actor: User, target: User, *, version: int | None,
                    ip: str | None = None) -> User:
    """Let a deactivated account sign in again (never an erased one)."""
    versions.check(target, version, _conflict())
    if target.erased:
        raise AccountError(_l("An erased account cannot be reactivated."))
    if target.deactivated_at is None:
        return target
    versions.claim(target, version, _conflict())
    target.deactivated_at = target.deactivated_by_id = None
    audit.record("user.reactivated", actor=actor, target=target, ip=ip)
    db.session.flush()
    return target


ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never a real address, never delivered


def _pseudonym() -> str:
    """A stable, meaningless name for an erased account ("ID-3F9A0C7B"), unused so far."""
    while True:
        candidate = "ID-" + secrets.token_hex(4).upper()
        if db.session.scalar(select(User.id).where(User.name == candidate)) is None:
            return candidate


def erase_user(actor: User, target: User, *, version: int | None,
               ip: str | None = None) -> User:
    """Erase ``target``'s personal data on their request (the caller checked
    ``users.administer``). Name, email address, position and sex are replaced by a pseudonym;
    sessions, reset and confirmation links are deleted; every domain registered with
    core.personal_data erases its copies; the audit log and the outbox forget the person's
    name and address. What counts stays, tied to the pseudonymous account (enrolments,
    attendance, plan revisions). Recorded in the audit log without the erased data. Refused
    for the last active administrator and for a stale form."""
    versions.check(target, version, _conflict())
    if target.erased:
        raise AccountError(_l("This account has been erased already."))
    _keep_one_administrator(target, _l(
        "This is the last active administrator: appoint another administrator before "
        "erasing this account."))
    versions.claim(target, version, _conflict())
    erased = (target.email, target.name, target.position)
    pseudonym = _pseudonym()
    now = utcnow()
    target.name = pseudonym
    target.email = f"{pseudonym.lower()}@{ERASED_DOMAIN}"
    target.position = ""
    target.sex = Sex.NOT_STATED.value
    target.password_hash = "!erased"  # noqa: S105 - not a hash: no password verifies against it
    target.role = ROLE_AFTER_ERASURE
    target.last_login_at = None
    target.deactivated_at = target.deactivated_at or now
    target.deactivated_by_id = target.deactivated_by_id or actor.id
    target.erased_at = now
    for model in (UserSession, PasswordResetToken, EmailConfirmationToken):
        db.session.execute(delete(model).where(model.user_id == target.id))
    db.session.flush()
    erase_personal_data(target.id)
    audit.redact_person(target.id, erased, pseudonym)
    outbox.forget_address(erased[0])
    audit.record("user.erased", actor=actor, target=target, after={"pseudonym": pseudonym},
                 ip=None if actor.id == target.id else ip)
    db.session.flush()
    return target


# ---------------------------------------------------------------- the person's own data


ACCOUNT_TABLES = {
    "profile": Table(_l("Your account: name, email address, role, municipality and the "
                        "choices of your profile."),
                     ("id", "name", "email", "role", "municipality",
                      "municipality_confirmed_at", "position", "sex", "preferred_language",
                      "created_at", "email_confirmed_at", "last_login_at")),
    "sessions": Table(_l("The devices signed in to your account now."),
                      ("signed_in_at", "last_seen_at", "ip", "browser")),
    "security_log": Table(_l("What the audit log holds about you: sign-ins, changes to "
                             "your account and what you did."),
                          ("at", "action", "by_you", "object", "object_id", "before",
                           "after", "ip")),
}


def _profile(user: User) -> list[dict]:
    return [{
        "id": user.id, "name": user.name, "email": user.email, "role": user.role,
        "municipality": user.municipality.name_en if user.municipality else None,
        "municipality_confirmed_at": user.municipality_confirmed_at,
        "position": user.position, "sex": user.sex,
        "preferred_language": user.preferred_language, "created_at": user.created_at,
        "email_confirmed_at": user.email_confirmed_at, "last_login_at": user.last_login_at,
    }]


def _sessions(user: User) -> list[dict]:
    return [{"signed_in_at": record.created_at, "last_seen_at": record.last_seen_at,
             "ip": record.ip, "browser": record.user_agent}
            for record in db.session.scalars(select(UserSession).where(
                UserSession.user_id == user.id).order_by(UserSession.id))]


def _security_log(user: User) -> list[dict]:
    events = db.session.scalars(audit.events_query(person_ids=[user.id])
                                .order_by(None).order_by(audit.AuditEvent.id))
    return [{"at": event.at, "action": event.action, "by_you": event.actor_id == user.id,
             "object": event.target_type, "object_id": event.target_id,
             "before": event.before, "after": event.after, "ip": event.ip}
            for event in events]


def personal_data(user: User) -> dict[str, list[dict]]:
    """Everything the platform holds about ``user``: table name → rows (the account's
    own tables first, then each registered domain's)."""
    tables = {"profile": _profile(user), "sessions": _sessions(user),
              "security_log": _security_log(user)}
    tables.update(export_personal_data(user.id))
    return jsonable(tables)


def _csv(rows: list[dict], declared: tuple[str, ...] = ()) -> str:
    """The table as CSV (UTF-8 with BOM, which Excel needs): the declared columns first, so
    that a table without rows still has its header."""
    columns: list[str] = list(declared)
    for row in rows:
        columns += [key for key in row if key not in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([escape_cell(json.dumps(value, ensure_ascii=False)
                                     if isinstance(value, dict | list) else value)
                         for value in (row.get(column) for column in columns)])
    return "\ufeff" + buffer.getvalue()


def _readme(user: User, tables: dict[str, list[dict]], described: dict[str, Table]) -> str:
    """README.txt of the archive, in Azerbaijani and then English (the person may hand it
    to someone who reads the other language): what each file holds and how many records."""
    parts = []
    for lang in ("az", "en"):
        with force_locale(lang):
            lines = [_("Your data on the M4EG Azerbaijan platform"),
                     _("Account: %(email)s. Prepared on %(date)s (UTC).",
                       email=user.email, date=utcnow().strftime("%Y-%m-%d %H:%M")),
                     "",
                     _("Each table is here twice: as a .json file and as a .csv file "
                       "(opens in Excel or LibreOffice). all.json holds every table. Column "
                       "names are the platform's field names; dates are in ISO 8601 "
                       "(year-month-day) and UTC."),
                     ""]
            for name, rows in tables.items():
                table = described.get(name)
                lines.append(f"{name}.csv, {name}.json")
                if table is not None:
                    lines.append("  " + str(table.description))
                count = (ngettext("%(num)d record", "%(num)d records", len(rows)) if rows
                         else _("You have no records of this kind."))
                lines.append("  " + count)
                if table is not None:
                    lines.append("  " + _("Columns: %(columns)s",
                                          columns=", ".join(table.columns)))
                lines.append("")
        parts.append("\n".join(lines))
    return ("\n" + "=" * 72 + "\n\n").join(parts)


def personal_data_zip(user: User) -> bytes:
    """The ZIP a person downloads: README.txt (what each file holds, in both languages),
    each table as ``<name>.json`` and ``<name>.csv`` (with its header row even when the
    person has no records of that kind), and ``all.json`` with every table."""
    tables = personal_data(user)
    described = {**ACCOUNT_TABLES, **described_tables()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(user, tables, described))
        archive.writestr("all.json", json.dumps(tables, ensure_ascii=False, indent=2))
        for name, rows in tables.items():
            archive.writestr(f"{name}.json", json.dumps(rows, ensure_ascii=False, indent=2))
            declared = described[name].columns if name in described else ()
            archive.writestr(f"{name}.csv", _csv(rows, declared))
    audit.record("user.data_exported", actor=user, target=user)
    return buffer.getvalue()


# ---------------------------------------------------------------- the audit log

# What the viewer calls each recorded action and kind of object; one not listed here (a
# domain added it later) is shown as recorded.
ACTION_LABELS = {
    "login": _l("Logged in"),
    "login.failed": _l("Failed login"),
    "login.throttled": _l("Logins slowed down"),
    "login.deactivated": _l("Login refused: account deactivated"),
    "sessions.ended": _l("Signed out elsewhere"),
    "password.changed": _l("Password changed"),
    "password.reset_requested": _l("Password reset asked for"),
    "password.reset": _l("Password reset"),
    "user.registered": _l("Registered"),
    "user.registration_refused": _l("Registration with a taken address"),
    "email.confirmation_sent": _l("Confirmation link sent again"),
    "email.confirmed": _l("Email address confirmed"),
    "profile.updated": _l("Profile saved"),
    "role.changed": _l("Role changed"),
    "affiliation.confirmed": _l("Municipality confirmed"),
    "affiliation.reset": _l("Municipality changed, awaiting confirmation"),
    "user.deactivated": _l("Account deactivated"),
    "user.reactivated": _l("Account reactivated"),
    "user.erased": _l("Account erased"),
    "user.data_exported": _l("Own data downloaded"),
    "certificate.revoked": _l("Certificate revoked"),
    "reach.deleted": _l("Reach record deleted"),
    "plans.cycle_edited": _l("Plan cycle edited"),
    "plans.published": _l("Approved plan published again"),
    "plans.withheld": _l("Approved plan withheld from the public pages"),
    "plans.report_withheld": _l("Accepted monitoring report withheld from the public pages"),
    "plans.report_published": _l("Accepted monitoring report published again"),
    "plans.workbook_applied": _l("Plan workbook written into the draft"),
    "plans.report_workbook_applied": _l("Monitoring report workbook written into the draft"),
    "plans.extension_asked": _l("More time asked for a plan"),
    "plans.extension_granted": _l("More time granted for a plan"),
    "plans.extension_refused": _l("More time refused for a plan"),
    "plans.round_edited": _l("Reporting round edited"),
}
OBJECT_LABELS = {
    "User": _l("Account"),
    "Certificate": _l("Certificate"),
    "ReachRecord": _l("Reach record"),
    "Plan": _l("P4EG plan"),
    "MonitoringReport": _l("Monitoring report"),
    "Cycle": _l("Plan cycle"),
    "DeadlineExtension": _l("Request for more time"),
    "MonitoringRound": _l("Reporting round"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def object_label(kind: str | None) -> str:
    return str(OBJECT_LABELS.get(kind, kind or ""))


@dataclass(frozen=True)
class AuditFilter:
    """What the audit viewer shows: a person (name or email, as typed), an action, an
    object kind and id, and a range of days (both ends included, in the site's zone)."""

    person: str = ""
    action: str = ""
    target_type: str = ""
    target_id: int | None = None
    start: date | None = None
    end: date | None = None

    def as_args(self) -> dict:
        """The filter as query-string arguments (for the pager and the CSV link)."""
        values = {"person": self.person, "action": self.action, "object": self.target_type,
                  "object_id": self.target_id, "start": self.start, "end": self.end}
        return {key: str(value) for key, value in values.items() if value not in ("", None)}


def _moment(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone())


def matching_people(typed: str, limit: int = 500) -> list[int]:
    """Ids of the people whose name or email contains ``typed`` (case-insensitive)."""
    pattern = f"%{typed.strip().lower()}%"
    return list(db.session.scalars(select(User.id).where(or_(
        func.lower(User.name).like(pattern), func.lower(User.email).like(pattern)))
        .limit(limit)))


def audit_query(selection: AuditFilter):
    """The events that match ``selection``, newest first."""
    return audit.events_query(
        person_ids=matching_people(selection.person) if selection.person.strip() else None,
        action=selection.action, target_type=selection.target_type,
        target_id=selection.target_id,
        start=_moment(selection.start) if selection.start else None,
        end=_moment(selection.end + timedelta(days=1)) if selection.end else None)


def audit_page(selection: AuditFilter, page: int, per_page: int = 50):
    """One page of matching events, and the people they name (id → user)."""
    pagination = db.paginate(audit_query(selection), page=page, per_page=per_page,
                             error_out=False)
    ids = {event.actor_id for event in pagination.items if event.actor_id}
    ids |= {event.target_id for event in pagination.items
            if event.target_type == "User" and event.target_id}
    people = {user.id: user for user in db.session.scalars(select(User).where(
        User.id.in_(ids)))} if ids else {}
    return pagination, people


EXPORT_LIMIT = 100_000  # rows of one CSV export (the viewer's filters narrow it)


def audit_rows(selection: AuditFilter, headers: list[str]) -> list[list]:
    """The matching events as CSV rows, ``headers`` first (actions and objects by their
    labels in the current language)."""
    events = list(db.session.scalars(audit_query(selection).limit(EXPORT_LIMIT)))
    ids = {e.actor_id for e in events if e.actor_id}
    names = dict(db.session.execute(select(User.id, User.email).where(User.id.in_(ids)))
                 .all()) if ids else {}
    rows = [headers]
    for event in events:
        rows.append([event.at.isoformat() if event.at else "", names.get(event.actor_id, ""),
                     action_label(event.action), object_label(event.target_type),
                     event.target_id or "",
                     json.dumps(event.before, ensure_ascii=False) if event.before else "",
                     json.dumps(event.after, ensure_ascii=False) if event.after else "",
                     event.ip or ""])
    return rows


def account(user_id: int) -> User | None:
    """The account with this id (for the administration pages)."""
    return get_user(user_id)
