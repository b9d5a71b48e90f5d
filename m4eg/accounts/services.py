"""Account rules: registration, authentication, sessions, password reset, profiles, roles.

Functions take explicit arguments, never the request, and raise :class:`AccountError`
subclasses that views turn into form errors. They add and flush; the view commits.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from ..core import audit, versions
from ..core.errors import DomainError
from ..core.outbox import queue_mail
from ..core.time import as_utc, utcnow
from ..extensions import db
from ..municipalities import services as municipalities
from ..notifications import services as notifications
from . import throttle
from .models import (  # noqa: F401 - labels and Sex: for other domains
    ROLE_LABELS,
    SEX_COUNT_LABELS,
    SEX_LABELS,
    EmailConfirmationToken,
    PasswordResetToken,
    Sex,
    User,
    UserSession,
)
from .roles import (
    assignable_roles,
    coordinator_condition,
    focal_point_condition,
    needs_municipality,
    role_after_moving,
)

PASSWORD_MIN = 8
PASSWORD_MAX = 128
DEMO_PASSWORD = "m4eg-demo-2026"  # noqa: S105 - published in the README for the demo only


class AccountError(DomainError):
    """An account rule refused the operation."""


class WeakPassword(AccountError):
    field = "password"


class InvalidCredentials(AccountError):
    pass


class InvalidResetToken(AccountError):
    pass


class InvalidConfirmation(AccountError):
    """An email-confirmation link that expired, was used or never existed."""


class AccountDeactivated(AccountError):
    """The password was right, but the account is deactivated."""


class LoginThrottled(AccountError):
    """Too many failed sign-ins on the account: ``wait`` seconds before the next attempt."""

    def __init__(self, message, wait: int):
        super().__init__(message)
        self.wait = wait


class EditConflict(AccountError, versions.Conflict):
    pass


class RoleChangeRefused(AccountError):
    pass


def _mail(user: User, subject, body) -> None:
    """Queue a mail to ``user`` in their language (``subject`` and ``body`` are lazy strings,
    rendered here in that language)."""
    with force_locale(user.preferred_language):
        queue_mail(user.email, str(subject), str(body))


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


@cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).parent / "data" / "common-passwords.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


# Words a guesser tries first against this platform (NIST SP 800-63B 3.1.1.2: "context-
# specific words"), in English and Azerbaijani spellings.
CONTEXT_WORDS = ("m4eg", "baku", "bakı", "azerbaijan", "azərbaycan", "azerbaycan", "undp",
                 "mayors", "demo")
_WORD_SPLIT = re.compile(r"[\W_]+")
# What must be left of a password once the account's words and the context words are taken
# out (letters only): less than this and the password is built from guessable words.
_OWN_LETTERS_MIN = 4


def _leftover_letters(lowered: str, words) -> int:
    for word in sorted(words, key=len, reverse=True):
        lowered = lowered.replace(word, "")
    return sum(char.isalpha() for char in lowered)


def check_password_rules(password: str, *, email: str = "", name: str = "",
                         current_hash: str | None = None) -> None:
    """Apply OWASP ASVS 5 password rules: length 8–128, no composition rules, and not a
    common or obvious password: not the demo password, not made of the account's email or
    name (or their parts) and the platform's context words with digits and signs around them,
    and not the current password (``current_hash``). Raises :class:`WeakPassword`."""
    if len(password) < PASSWORD_MIN:
        raise WeakPassword(_l("Use at least 8 characters."))
    if len(password) > PASSWORD_MAX:
        raise WeakPassword(_l("Use at most 128 characters."))
    lowered = password.lower()
    if lowered in _common_passwords() or lowered == DEMO_PASSWORD:
        raise WeakPassword(_l("This password is too common. Choose a less predictable one."))
    email = normalise_email(email)
    own = {email, email.split("@")[0], name.strip().lower()}
    own |= set(_WORD_SPLIT.split(email)) | set(_WORD_SPLIT.split(name.lower()))
    own = {word for word in own if len(word) >= 3}
    if own and _leftover_letters(lowered, own) < _OWN_LETTERS_MIN:
        raise WeakPassword(_l("Your password must not be your name or email address."))
    if _leftover_letters(lowered, own | set(CONTEXT_WORDS)) < _OWN_LETTERS_MIN:
        raise WeakPassword(_l("Your password must not be made of words linked to this "
                              "platform, such as M4EG, Baku or Azerbaijan."))
    if current_hash and _matches(current_hash, password):
        raise WeakPassword(_l("Choose a password different from your current one."))


@cache
def _hasher_for(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def _hasher() -> PasswordHasher:
    """The Argon2id hasher with the configured cost (the PASSWORD_HASH_* settings). Verifying
    reads the cost recorded in the hash itself; only new hashes use this one's."""
    config = current_app.config
    return _hasher_for(config["PASSWORD_HASH_TIME_COST"], config["PASSWORD_HASH_MEMORY_KIB"],
                       config["PASSWORD_HASH_PARALLELISM"])


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` with the configured cost."""
    return _hasher().hash(password)


def _verify(user: User | None, password: str) -> bool:
    if user is None:
        # Spend the same time as for a real account so response times reveal nothing.
        hash_password(password)
        return False
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    # A hash made with another cost (an older setting) is made again with today's.
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


def get_by_email(email: str) -> User | None:
    """The user with ``email`` (case-insensitive), or None."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def register_user(*, email, password, name, municipality_id, position, sex,
                  preferred_language, login_link, forgot_link, confirm_link,
                  confirm_hours: int = 72) -> User | None:
    """Create a staff account and mail its owner a welcome with ``login_link(lang)`` and the
    link that confirms the address, ``confirm_link(token, lang)`` (valid ``confirm_hours``).

    When the address already has an account, nothing is created and its owner is told by mail
    that someone tried to register with it (with ``forgot_link(lang)`` to reset the password);
    the caller answers exactly as for a new address, so registration does not tell who has an
    account. Returns the new user, or None. Raises :class:`AccountError` (bad municipality)
    or :class:`WeakPassword`, the same for both kinds of address."""
    email = normalise_email(email)
    if municipalities.get(municipality_id) is None:
        raise AccountError(_l("Choose a municipality from the list."), field="municipality_id")
    check_password_rules(password, email=email, name=name)
    password_hash = hash_password(password)  # both ways: the same work either way
    existing = get_by_email(email)
    if existing is not None:
        _mail(existing, _l("Someone tried to register with your address"), _l(
            "Hello %(name)s,\n\nSomeone tried to create a new M4EG Azerbaijan account "
            "with this email address, which already has an account. If it was you, log "
            "in with your password; if you forgot it, choose a new one here:\n\n"
            "%(link)s\n\nIf it was not you, you can ignore this message: nothing has "
            "changed.\n\nM4EG Azerbaijan",
            name=existing.name, link=forgot_link(existing.preferred_language)))
        audit.record("user.registration_refused", target=existing, after={"email": email})
        return None
    user = User(
        email=email, name=name.strip(), password_hash=password_hash, role="staff",
        municipality_id=municipality_id, position=position.strip(), sex=sex,
        preferred_language=preferred_language,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.registered", actor=user, target=user, after={"email": email})
    token = _new_confirmation(user, confirm_hours)
    _mail(user, _l("Welcome to M4EG Azerbaijan"), _l(
        "Hello %(name)s,\n\nYour M4EG Azerbaijan account has been created. Confirm that "
        "this email address is yours by opening this link within %(hours)d hours:\n\n"
        "%(confirm)s\n\nUntil then you can look around but not enrol in courses, register "
        "for workshops or work on plans. Log in with this email address and the password "
        "you chose:\n\n%(link)s\n\nM4EG Azerbaijan", name=user.name, hours=confirm_hours,
        confirm=confirm_link(token, user.preferred_language),
        link=login_link(user.preferred_language)))
    return user


def _new_confirmation(user: User, hours: int) -> str:
    """A new confirmation link's token for ``user``; the links sent before it are spent
    (only the newest mail works)."""
    now = utcnow()
    db.session.execute(update(EmailConfirmationToken).where(
        EmailConfirmationToken.user_id == user.id, EmailConfirmationToken.used_at.is_(None))
        .values(used_at=now))
    token = secrets.token_urlsafe(32)
    db.session.add(EmailConfirmationToken(user_id=user.id, token_hash=_hash_token(token),
                                          created_at=now,
                                          expires_at=now + timedelta(hours=hours)))
    db.session.flush()
    return token


def resend_confirmation(user: User, confirm_link, *, hours: int) -> None:
    """Mail ``user`` a new confirmation link (the older ones stop working). Refused when the
    address is confirmed already. The route limits how often it may be asked."""
    if user.email_confirmed:
        raise AccountError(_l("Your email address is already confirmed."))
    token = _new_confirmation(user, hours)
    _mail(user, _l("Confirm your email address"), _l(
        "Hello %(name)s,\n\nConfirm that this email address is yours by opening this link "
        "within %(hours)d hours:\n\n%(confirm)s\n\nEarlier links no longer work. If you "
        "did not ask for this, you can ignore this message.\n\nM4EG Azerbaijan",
        name=user.name, hours=hours, confirm=confirm_link(token, user.preferred_language)))
    audit.record("email.confirmation_sent", actor=user, target=user)


def _live_confirmation(token: str) -> EmailConfirmationToken:
    record = db.session.scalar(select(EmailConfirmationToken).where(
        EmailConfirmationToken.token_hash == _hash_token(token or "")))
    if record is None or record.used_at is not None or as_utc(record.expires_at) <= utcnow():
        raise InvalidConfirmation(_l(
            "This confirmation link has expired or has already been used. Log in and ask "
            "for a new one on your profile page."))
    return record


def check_confirmation(token: str) -> User:
    """The account a live confirmation link belongs to. Raises :class:`InvalidConfirmation`."""
    return get_user(_live_confirmation(token).user_id)


def confirm_email(token: str, *, ip: str | None = None) -> User:
    """Confirm the address through a live link and spend it. Raises
    :class:`InvalidConfirmation` for an expired, used or unknown link (nothing changes)."""
    record = _live_confirmation(token)
    claimed = db.session.execute(update(EmailConfirmationToken).where(
        EmailConfirmationToken.id == record.id, EmailConfirmationToken.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session="fetch"))
    if claimed.rowcount != 1:  # spent by a request that ran at the same moment
        raise InvalidConfirmation(_l(
            "This confirmation link has expired or has already been used. Log in and ask "
            "for a new one on your profile page."))
    user = get_user(record.user_id)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        audit.record("email.confirmed", actor=user, target=user, ip=ip)
    return user


def authenticate(email: str, password: str, *, ip: str | None = None) -> User:
    """The user whose credentials these are. Raises :class:`InvalidCredentials` (and records
    the failed attempt) otherwise, or :class:`LoginThrottled` when the account has had too
    many failed attempts (see :mod:`.throttle`; the attempt is counted before the password
    is checked). When the limit is first reached the owner is told by mail."""
    account = normalise_email(email)
    verdict = throttle.before_attempt(account)
    if not verdict.allowed:
        if verdict.first_refusal:
            _warn_owner(account, throttle.LOGIN_LIMIT.amount, ip=ip)
        raise LoginThrottled(_l("You have tried too many times."), wait=verdict.wait)
    user = get_by_email(account)
    if not _verify(user, password):
        audit.record("login.failed", target=user, after={"email": account}, ip=ip)
        raise InvalidCredentials(_l("The email address or password is incorrect."))
    throttle.succeeded(account)
    if not user.is_active:
        # Told only to whoever knows the password: the address alone reveals nothing.
        audit.record("login.deactivated", target=user, ip=ip)
        raise AccountDeactivated(_l(
            "This account has been deactivated, so you cannot log in. If you think this is "
            "a mistake, write to the network's coordinators."))
    return user


def _warn_owner(email: str, attempts: int, *, ip: str | None) -> None:
    user = get_by_email(email)
    if user is None:
        return
    _mail(user, _l("Failed sign-in attempts on your M4EG account"), _l(
        "Hello %(name)s,\n\nSomeone tried to sign in to your M4EG Azerbaijan account "
        "%(count)d times with a wrong password. Further attempts are slowed down; you can "
        "still log in with your password.\n\nIf it was not you, choose a new, unique "
        "password on your profile page, or through \"Forgot your password?\" on the "
        "login page.\n\nM4EG Azerbaijan", name=user.name, count=attempts))
    audit.record("login.throttled", target=user, after={"email": email}, ip=ip)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionLifetimes:
    """How long a sign-in session lives on the server: ``idle`` without a request, and
    ``absolute`` after the sign-in whatever happens."""

    idle: timedelta
    absolute: timedelta


# last_seen_at is written at most this often, so browsing costs no write per page.
SEEN_EVERY = timedelta(minutes=1)


def start_session(user: User, *, ip: str | None = None, user_agent: str = "") -> str:
    """Open a sign-in session for ``user``; returns the token to keep in the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(user_id=user.id, token_hash=_hash_token(token), created_at=now,
                               last_seen_at=now, ip=(ip or "")[:45],
                               user_agent=(user_agent or "")[:255]))
    user.last_login_at = now
    user.session_token = token
    audit.record("login", actor=user, target=user, ip=ip)
    return token


def _expired(record: UserSession, lifetimes: SessionLifetimes, now: datetime) -> bool:
    return (as_utc(record.last_seen_at) <= now - lifetimes.idle
            or as_utc(record.created_at) <= now - lifetimes.absolute)


def user_for_session(token: str | None, lifetimes: SessionLifetimes) -> User | None:
    """The user of a live sign-in session, or None when it ended, never existed, was idle
    longer than ``lifetimes.idle`` or started longer than ``lifetimes.absolute`` ago (such a
    session is deleted). Notes the visit at most once a minute."""
    if not token:
        return None
    record = db.session.scalar(
        select(UserSession).where(UserSession.token_hash == _hash_token(token))
    )
    if record is None:
        return None
    now = utcnow()
    if _expired(record, lifetimes, now):
        db.session.delete(record)
        db.session.flush()
        return None
    if as_utc(record.last_seen_at) <= now - SEEN_EVERY:
        record.last_seen_at = now
    user = get_user(record.user_id)
    if not user.is_active:  # deactivation deletes the sessions; this is the second lock
        db.session.delete(record)
        db.session.flush()
        return None
    user.session_token = token
    return user


def purge_sessions(lifetimes: SessionLifetimes) -> int:
    """Delete the sessions that are past their idle or absolute lifetime; returns how many."""
    now = utcnow()
    result = db.session.execute(delete(UserSession).where(or_(
        UserSession.last_seen_at <= now - lifetimes.idle,
        UserSession.created_at <= now - lifetimes.absolute)))
    return result.rowcount


def list_sessions(user: User, lifetimes: SessionLifetimes) -> list[UserSession]:
    """The live sign-in sessions of ``user``, most recently seen first."""
    now = utcnow()
    return list(db.session.scalars(
        select(UserSession).where(
            UserSession.user_id == user.id,
            UserSession.last_seen_at > now - lifetimes.idle,
            UserSession.created_at > now - lifetimes.absolute)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def is_session_of(record: UserSession, token: str | None) -> bool:
    """Whether ``record`` is the session whose cookie carries ``token``."""
    return bool(token) and record.token_hash == _hash_token(token)


# Browsers named in the session list; the first match wins (Edge and Opera say "Chrome" too,
# Chrome says "Safari"). Written by hand: the list is a hint for people, and a full parser
# (ua-parser) would add a large regex database for it.
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("YaBrowser/", "Yandex Browser"),
             ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("CriOS/", "Chrome"),
             ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"),
            ("Linux", "Linux"))


def browser_label(user_agent: str) -> str:
    """A short name for the browser and system of a User-Agent ("Firefox, Windows"), or ""
    when it names neither."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    return ", ".join(part for part in (browser, system) if part)


def end_session(token: str | None) -> None:
    """End one sign-in session (log out)."""
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _hash_token(token)))


def end_all_sessions(user: User) -> None:
    """End every sign-in session of ``user`` (after a password change or reset)."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def end_other_sessions(user: User, token: str | None, *, ip: str | None = None) -> None:
    """End every sign-in session of ``user`` but the one whose cookie carries ``token``
    (all of them when ``token`` is None: "sign out everywhere")."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if token:
        query = query.where(UserSession.token_hash != _hash_token(token))
    db.session.execute(query)
    audit.record("sessions.ended", actor=user, target=user,
                 after={"this_one_kept": bool(token)}, ip=ip)


def _spend_reset_links(user: User) -> None:
    # A new password makes every link sent before it worthless: an old mail found later in
    # an inbox must not open the account again.
    db.session.execute(update(PasswordResetToken).where(
        PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow()))


def change_password(user: User, current: str, new: str, *, ip: str | None = None,
                    user_agent: str = "") -> str:
    """Change the password; every other session ends and every unused reset link is spent.
    Returns the token of a new session for the browser that made the change."""
    if not _verify(user, current):
        raise AccountError(_l("Your current password is incorrect."), field="current_password")
    check_password_rules(new, email=user.email, name=user.name, current_hash=user.password_hash)
    user.password_hash = hash_password(new)
    end_all_sessions(user)
    _spend_reset_links(user)
    audit.record("password.changed", actor=user, target=user, ip=ip)
    return start_session(user, ip=ip, user_agent=user_agent)


def request_password_reset(email: str, make_link, *, max_age: int) -> PasswordResetToken | None:
    """Email a reset link when ``email`` belongs to an account; silently do nothing otherwise
    (the caller answers the same either way). ``make_link(token, lang)`` builds the URL."""
    user = get_by_email(email)
    token = secrets.token_urlsafe(32)
    token_hash = _hash_token(token)  # made for an unknown address too: the same work
    if user is None or not user.is_active:
        return None
    record = PasswordResetToken(
        user_id=user.id, token_hash=token_hash,
        expires_at=utcnow() + timedelta(seconds=max_age),
    )
    db.session.add(record)
    db.session.flush()
    _mail(user, _l("Reset your M4EG password"), _l(
        "Hello %(name)s,\n\nSomeone (we hope you) asked to reset the password of your M4EG "
        "Azerbaijan account. Open this link within %(minutes)d minutes to choose a new "
        "password:\n\n%(link)s\n\nThe link works once. If you did not ask for it, ignore "
        "this message: your password stays as it is.\n\nM4EG Azerbaijan",
        name=user.name, minutes=max_age // 60, link=make_link(token, user.preferred_language)))
    audit.record("password.reset_requested", target=user)
    return record


def _valid_reset(token: str) -> PasswordResetToken:
    record = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _hash_token(token))
    )
    if record is None or record.used_at is not None or as_utc(record.expires_at) <= utcnow():
        raise InvalidResetToken(
            _l("This reset link has expired or has already been used. Ask for a new one.")
        )
    return record


def check_reset_token(token: str) -> User:
    """The user a live reset link belongs to. Raises :class:`InvalidResetToken` (also for
    a deactivated account)."""
    user = get_user(_valid_reset(token).user_id)
    if not user.is_active:
        raise InvalidResetToken(
            _l("This reset link has expired or has already been used. Ask for a new one."))
    return user


def reset_password(token: str, new: str, *, ip: str | None = None) -> User:
    """Set a new password through a reset link, spend it and every other unused link of the
    account, and end all sessions."""
    record = _valid_reset(token)
    user = get_user(record.user_id)
    if not user.is_active:
        raise InvalidResetToken(
            _l("This reset link has expired or has already been used. Ask for a new one."))
    check_password_rules(new, email=user.email, name=user.name, current_hash=user.password_hash)
    user.password_hash = hash_password(new)
    _spend_reset_links(user)
    end_all_sessions(user)
    audit.record("password.reset", target=user, ip=ip)
    return user


PROFILE_FIELDS = ("name", "municipality_id", "position", "sex", "preferred_language")


def update_profile(user: User, *, version: int, **fields) -> User:
    """Save profile fields; refuses with :class:`EditConflict` when the profile changed since
    the form was opened (``version`` is the value the form was rendered with)."""
    if fields.get("municipality_id") is not None and municipalities.get(
            fields["municipality_id"]) is None:
        raise AccountError(_l("Choose a municipality from the list."), field="municipality_id")
    versions.claim(user, version, EditConflict(_l(
        "Your profile was changed elsewhere after you opened this form. Reload the page to "
        "see the current values.")))
    before = {key: getattr(user, key) for key in PROFILE_FIELDS}
    for key in PROFILE_FIELDS:
        if key in fields:
            value = fields[key]
            setattr(user, key, value.strip() if isinstance(value, str) else value)
    if user.municipality_id != before["municipality_id"]:
        user.role = role_after_moving(user)  # a focal point's mandate ends with the move
        if user.municipality_confirmed_at is not None:
            # Claiming another municipality grants nothing until that one confirms it.
            user.municipality_confirmed_at = user.municipality_confirmed_by_id = None
            audit.record("affiliation.reset", actor=user, target=user,
                         before={"municipality_id": before["municipality_id"]},
                         after={"municipality_id": user.municipality_id})
    after = {key: getattr(user, key) for key in PROFILE_FIELDS}
    audit.record("profile.updated", actor=user, target=user, before=before, after=after)
    db.session.flush()
    return user


def set_role(actor: User, target: User, role: str, *, version: int,
             ip: str | None = None) -> User:
    """Change ``target``'s role. Coordinators grant and revoke focal points; administrators
    may assign any role. Nobody changes their own role. ``version`` is the target's version
    the form was rendered with: a change made meanwhile by someone else is not overwritten."""
    allowed = assignable_roles(actor)
    conflict = EditConflict(_l("This account was changed by someone else after you opened "
                               "the list. Check its current role and try again."))
    if version != target.version:
        raise conflict
    if target.id == actor.id:
        raise RoleChangeRefused(_l("You cannot change your own role."))
    if role not in allowed or target.role not in allowed:
        raise RoleChangeRefused(_l("You cannot assign this role."))
    if needs_municipality(role) and target.municipality_id is None:
        raise RoleChangeRefused(_l("Only a member of a municipality can be its focal point."))
    if role == target.role:
        return target
    versions.claim(target, version, conflict)
    before = {"role": target.role}
    target.role = role
    if needs_municipality(role) and not target.affiliation_confirmed:
        _confirm(actor, target)  # appointing the focal point confirms the municipality
    audit.record("role.changed", actor=actor, target=target, before=before,
                 after={"role": role}, ip=ip)
    _notify_role(target)
    return target


def _notify_role(target: User) -> None:
    """Tell the person their new role, in the platform and (unless they turned it off) by
    mail, each in its language (the role's label is read inside the language asked for)."""
    def title():
        return gettext("Your role on the M4EG platform is now: %(role)s",
                       role=target.role_label)

    if not notifications.notify(target, notifications.Kind.ROLE_GRANTED, title, "main.index"):
        return
    with force_locale(target.preferred_language):
        queue_mail(target.email, gettext("Your role on the M4EG platform has changed"), gettext(
            "Hello %(name)s,\n\nYour role on the M4EG Azerbaijan platform is now: %(role)s. "
            "Your home page shows what it lets you do.\n\nM4EG Azerbaijan",
            name=target.name, role=target.role_label))


def _confirm(actor: User, target: User) -> None:
    target.municipality_confirmed_at = utcnow()
    target.municipality_confirmed_by_id = actor.id
    audit.record("affiliation.confirmed", actor=actor, target=target,
                 after={"municipality_id": target.municipality_id})


def confirm_affiliation(actor: User, target: User) -> User:
    """Confirm that ``target`` works for the municipality they chose (the caller checked
    ``users.confirm_affiliation``). Confirming twice changes nothing."""
    if target.municipality_id is None:
        raise AccountError(_l("This person has not chosen a municipality."))
    if not target.affiliation_confirmed:
        versions.claim(target, target.version, EditConflict(_l(
            "This account was changed by someone else a moment ago. Look at it again and "
            "try again.")))
        _confirm(actor, target)
        _tell_membership_confirmed(target)
    return target


def _tell_membership_confirmed(target: User) -> None:
    """Tell the person that their municipality confirmed them: from now on they count in
    the municipality's ULC figures and may act for it as their role allows."""
    municipality = target.municipality

    def title():
        return gettext("%(municipality)s confirmed that you work there",
                       municipality=municipality.name if municipality else "")

    if not notifications.notify(target, notifications.Kind.MEMBERSHIP_CONFIRMED, title,
                                "main.index"):
        return
    with force_locale(target.preferred_language):
        queue_mail(target.email, gettext("Your municipality confirmed you on M4EG"), gettext(
            "Hello %(name)s,\n\n%(municipality)s confirmed that you work there. Your "
            "courses and certificates now count in its figures on the M4EG Azerbaijan "
            "platform, and your home page shows what your role lets you do for it.\n\n"
            "M4EG Azerbaijan",
            name=target.name, municipality=municipality.name if municipality else ""))


def pending_affiliations(municipality_id: int | None = None) -> list[User]:
    """People whose municipality awaits confirmation, oldest first (of one municipality, or
    of all when ``municipality_id`` is None)."""
    query = select(User).where(User.municipality_id.is_not(None),
                               User.municipality_confirmed_at.is_(None))
    if municipality_id is not None:
        query = query.where(User.municipality_id == municipality_id)
    return list(db.session.scalars(query.order_by(User.created_at, User.id)))


def pending_affiliation_summary(municipality_id: int | None = None,
                                limit: int = 5) -> tuple[int, list[User]]:
    """How many people await a confirmation of their municipality (of one, or of all), and
    the ``limit`` who have waited longest: two queries."""
    where = [User.municipality_id.is_not(None), User.municipality_confirmed_at.is_(None)]
    if municipality_id is not None:
        where.append(User.municipality_id == municipality_id)
    count = db.session.scalar(select(func.count()).select_from(User).where(*where))
    people = db.session.scalars(select(User).where(*where)
                                .order_by(User.created_at, User.id).limit(limit))
    return count, list(people)


def count_by_role() -> dict[str, int]:
    """How many accounts hold each role (every role, zero included): one query."""
    counts = dict.fromkeys(ROLE_LABELS, 0)
    counts.update(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    return counts


def list_users(*, q: str = "", role: str = "", page: int = 1, per_page: int = 50):
    """Users for the coordinators' list, filtered by role and name or email, newest first."""
    query = select(User).order_by(User.created_at.desc(), User.id.desc())
    if role:
        query = query.where(User.role == role)
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(func.lower(User.name).like(pattern) | User.email.like(pattern))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


DEMO_USERS = (
    ("admin@example.org", "Sistem inzibatçısı (demo)", "admin", None, ""),
    ("coordinator@example.org", "Nigar Əliyeva (demo)", "coordinator", None,
     "M4EG şəbəkəsinin koordinatoru"),
    ("focal@example.org", "Rəşad Hüseynov (demo)", "focal_point", "khirdalan",
     "P4EG üzrə əlaqələndirici"),
    ("staff@example.org", "Aytən Quliyeva (demo)", "staff", "khirdalan",
     "İqtisadi inkişaf üzrə mütəxəssis"),
    ("focal.urva@example.org", "Elvin Məmmədov (demo)", "focal_point", "urva",
     "P4EG üzrə əlaqələndirici"),
)


def ensure_demo_users(members: dict) -> list[User]:
    """Create the demo account of each role if missing; running it again changes nothing."""
    users = [ensure_demo_account(email, name, role=role, position=position,
                                 municipality_id=members[slug].id if slug else None)
             for email, name, role, slug, position in DEMO_USERS]
    db.session.flush()
    return users


def ensure_demo_newcomer(members: dict) -> User:
    """A demo registration that is still new: its address and its municipality are not
    confirmed yet (the profile says so; Khirdalan's focal point sees it to confirm)."""
    return ensure_demo_account("new@example.org", "Günel Kərimova (demo)", role="staff",
                               municipality_id=members["khirdalan"].id,
                               position="Mütəxəssis", confirmed=False)


def ensure_demo_account(email: str, name: str, *, role: str, municipality_id: int | None,
                        position: str = "", sex: str = Sex.NOT_STATED,
                        confirmed: bool = True) -> User:
    """The demo account with ``email`` (labelled demo), created if missing; an existing one
    is returned unchanged. ``confirmed``: its address and municipality count as confirmed."""
    user = get_by_email(email)
    if user is None:
        user = User(
            email=email, name=name, role=role, password_hash=hash_password(DEMO_PASSWORD),
            municipality_id=municipality_id, position=position, sex=sex,
            preferred_language="az", is_demo=True,
            email_confirmed_at=utcnow() if confirmed else None,
            municipality_confirmed_at=utcnow() if municipality_id and confirmed else None,
        )
        db.session.add(user)
        db.session.flush()
    return user



# ---------------------------------------------------------------- for other domains
# Other domains read and write users only through these (pyproject.toml [tool.importlinter]).


def users(ids) -> list[User]:
    """The users with these ids (any order)."""
    ids = set(ids)
    if not ids:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(ids))))


def focal_points(municipality_id: int) -> list[User]:
    """The focal points of a municipality (active accounts: a deactivated one gets no mail)."""
    return list(db.session.scalars(select(User).where(User.municipality_id == municipality_id,
                                                      focal_point_condition(User.role),
                                                      User.deactivated_at.is_(None))))


def focal_points_of_active_members() -> list[User]:
    """The focal points of every active member municipality (active accounts)."""
    return list(db.session.scalars(select(User).where(
        focal_point_condition(User.role), User.deactivated_at.is_(None),
        User.municipality_id.in_(municipalities.active_ids()))))


def coordinators() -> list[User]:
    """Everyone with the coordinator role (active accounts)."""
    return list(db.session.scalars(select(User).where(coordinator_condition(User.role),
                                                      User.deactivated_at.is_(None))))


def ids_in_municipality(municipality_id: int):
    """A subquery of the ids of the people of a municipality whose membership it confirmed
    (public counts never include a mere claim)."""
    return select(User.id).where(User.municipality_id == municipality_id,
                                 User.municipality_confirmed_at.is_not(None))


def people_subquery():
    """A subquery of every person's ``id`` and ``municipality_id``, for joins in reports."""
    return select(User.id, User.municipality_id).subquery()


def record_ulc_registration(user_id: int, enrolled_at: datetime) -> None:
    """Keep ``ulc_registered_at`` at the person's earliest course enrolment (called by
    ``courses.services.enrol``): the key figures count registered learners from it."""
    db.session.execute(
        update(User).where(User.id == user_id,
                           or_(User.ulc_registered_at.is_(None),
                               User.ulc_registered_at > enrolled_at))
        .values(ulc_registered_at=enrolled_at).execution_options(synchronize_session="fetch"))


def ulc_registered_by_sex(start=None, end=None) -> dict[str, int]:
    """Municipal staff registered at the ULC in the period, by sex; each person once, and
    only once their municipality confirmed them (a claim alone does not count)."""
    query = select(User.sex, func.count()).where(User.ulc_registered_at.is_not(None),
                                                 User.municipality_id.is_not(None),
                                                 User.municipality_confirmed_at.is_not(None))
    if start is not None:
        query = query.where(User.ulc_registered_at >= start)
    if end is not None:
        query = query.where(User.ulc_registered_at < end)
    counts = dict.fromkeys(Sex, 0)
    counts.update(dict(db.session.execute(query.group_by(User.sex)).all()))
    return counts


def audit_action_label(action: str) -> str:
    """What the audit viewer calls a recorded action (the admin home lists them too)."""
    from .lifecycle import action_label

    return action_label(action)


def audit_object_label(kind: str | None) -> str:
    """What the audit viewer calls a kind of object."""
    from .lifecycle import object_label

    return object_label(kind)
