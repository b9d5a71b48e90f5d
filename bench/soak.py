"""Soak test: a mixed workload of simulated users against gunicorn, then a check that every
write the server acknowledged is in the database.

    .venv/bin/python bench/soak.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:54331/m4eg_soak \\
        --users 64 --duration 300

What it does, in order (see bench/README.md, "Load and soak"):

1. Prepares the database named by --database-url from nothing: drops and re-creates it (only
   a database whose name contains "soak", unless --allow-any-database), runs
   ``flask db upgrade`` and ``flask demo load``, then creates the soak accounts directly with
   the app's models: focal points, each of a different municipality that has no plan yet (so
   each plan has exactly one writer), and staff learners. One argon2 hash is computed once
   and shared by every soak account.
2. Starts gunicorn as in production (``M4EG_ENV=production``, a random ``SECRET_KEY``,
   ``gunicorn -w N -b 127.0.0.1:PORT wsgi:app``), with the rate limits configured as
   --rate-limits says (printed at start and in the summary).
3. Runs the users, one thread each, for --duration seconds: browsing public pages, logging in
   and out, enrolling, reading lessons and marking them done, taking quizzes, fetching
   certificates, and (focal points) starting their plan, saving blocks (form posts and
   autosaves), and submitting complete plans. Every write the server acknowledged is
   recorded in a ledger together with the evidence (status, redirect target, flash, JSON).
4. Stops gunicorn, checks the ledger against the database with SQLAlchemy, scans gunicorn's
   log for tracebacks and prints a summary. Exits 1 on any 5xx, connection error or lost
   write, 0 otherwise.

Only the standard library is used for HTTP (http.client with a small cookie jar), so that the
script needs nothing beyond the app's own dependencies.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SOAK_PASSWORD = "m4eg-soak-2026"  # noqa: S105 - throwaway accounts in a throwaway database
HTTP_TIMEOUT = 60  # seconds; a request slower than this counts as a connection error
LANGS = ("az", "en")


# ------------------------------------------------------------------------------------------
# The world the users act in: read from the prepared database, passed to every thread as
# plain data (no ORM objects cross threads).


@dataclass(frozen=True)
class CourseInfo:
    slug: str
    lessons: tuple[str, ...]
    # (question id, "single"|"multiple", option ids, correct option ids)
    questions: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...]


@dataclass(frozen=True)
class Account:
    number: int
    email: str
    user_id: int
    role: str  # "staff" or "focal_point"
    municipality_id: int
    language: str


@dataclass(frozen=True)
class World:
    courses: tuple[CourseInfo, ...]
    municipality_slugs: tuple[str, ...]
    portfolio_slugs: tuple[str, ...]
    cycle_id: int
    blocks: tuple[dict, ...]  # the plan template's blocks, as in p4eg-v1.yml

    def slug_kinds(self) -> dict[str, str]:
        """Path segments that vary, with the placeholder used in per-endpoint counts."""
        kinds = {s: "{municipality}" for s in self.municipality_slugs}
        kinds.update({s: "{portfolio}" for s in self.portfolio_slugs})
        kinds.update({b["key"]: "{block}" for b in self.blocks})
        for course in self.courses:
            kinds.update({lesson: "{lesson}" for lesson in course.lessons})
            kinds[course.slug] = "{course}"
        return kinds


SEARCH_TERMS = ("Seki", "Sheki", "şəki", "Xirdalan", "Xırdalan", "Quba", "gəncə", "Lankaran",
                "bələdiyyə", "zzzz")


# ------------------------------------------------------------------------------------------
# Database preparation (runs in this process and in `flask` subprocesses).


def _normalise_url(url: str) -> str:
    """The URL as the app will read it (config.py turns postgres:// into psycopg 3), with a
    relative SQLite path made absolute from the repository root."""
    from sqlalchemy.engine import make_url

    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database)
        if not path.is_absolute():
            parsed = parsed.set(database=str(ROOT / path))
    return parsed.render_as_string(hide_password=False)


def recreate_database(url: str, allow_any: bool) -> None:
    """Drop and create the target database (PostgreSQL) or delete the file (SQLite)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database or ""
    if "soak" not in Path(name).name and not allow_any:
        sys.exit(f"refusing to drop {name!r}: its name does not contain 'soak' "
                 "(pass --allow-any-database if you really mean it)")
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(name + suffix).unlink(missing_ok=True)
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        return
    maintenance = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    quoted = maintenance.dialect.identifier_preparer.quote(name)
    with maintenance.connect() as connection:
        # WITH (FORCE) ends sessions left over from an earlier, interrupted run (PG 13+).
        connection.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {quoted}"))
    maintenance.dispose()


def run_flask(url: str, *args: str) -> None:
    """Run a `flask` command of the app on the target database (development mode: the demo
    data is refused in production)."""
    env = {**os.environ, "DATABASE_URL": url, "M4EG_ENV": "development"}
    env.pop("SECRET_KEY", None)
    command = [sys.executable, "-m", "flask", "--app", "m4eg", *args]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        sys.exit(f"`flask {' '.join(args)}` failed:\n{result.stdout}\n{result.stderr}")
    print(f"  flask {' '.join(args)}: ok")


def make_app(url: str):
    """The app in this process, on the target database, for setting up and checking."""
    os.environ["DATABASE_URL"] = url
    os.environ["M4EG_ENV"] = "development"
    from m4eg import create_app

    return create_app()


def create_accounts(app, users: int, focal_wanted: int, rng: random.Random) -> list[Account]:
    """Create the soak accounts. Focal points get municipalities that have no plan and no
    other user, so that the soak user is the only writer of that municipality's plan."""
    from sqlalchemy import select

    from m4eg.accounts import services as accounts
    from m4eg.accounts.models import User
    from m4eg.extensions import db
    from m4eg.municipalities.models import Municipality
    from m4eg.plans.models import Plan

    with app.app_context():
        taken = set(db.session.scalars(select(Plan.municipality_id)))
        taken |= set(db.session.scalars(select(User.municipality_id)
                                        .where(User.municipality_id.is_not(None))))
        active = list(db.session.scalars(select(Municipality).where(
            Municipality.status == "active").order_by(Municipality.id)))
        free = [m for m in active if m.id not in taken]
        rng.shuffle(free)
        focal_count = min(focal_wanted, len(free), users)
        password_hash = accounts.hash_password(SOAK_PASSWORD)  # once: argon2 is slow on purpose
        created = []
        for number in range(1, users + 1):
            focal = number <= focal_count
            municipality = free[number - 1] if focal else rng.choice(active)
            user = User(
                email=f"soak-{number:03d}@example.org", name=f"Soak user {number:03d} (load test)",
                password_hash=password_hash, role="focal_point" if focal else "staff",
                municipality_id=municipality.id, position="Load test",
                sex=rng.choice(("female", "male", "not_stated")),
                preferred_language=rng.choice(LANGS), is_demo=True,
            )
            db.session.add(user)
            created.append(user)
        db.session.commit()
        return [Account(number=i, email=u.email, user_id=u.id, role=u.role,
                        municipality_id=u.municipality_id, language=u.preferred_language)
                for i, u in enumerate(created, start=1)]


def read_world(app) -> World:
    from sqlalchemy import select

    from m4eg.courses import services as courses
    from m4eg.extensions import db
    from m4eg.municipalities.models import Municipality
    from m4eg.plans import services as plans
    from m4eg.plans.models import Cycle
    from m4eg.portfolios.models import Portfolio

    with app.app_context():
        infos = tuple(
            CourseInfo(
                slug=c.slug, lessons=c.lesson_slugs,
                questions=tuple((q.id, q.type, tuple(o.id for o in q.options),
                                 tuple(sorted(q.correct_ids))) for q in c.questions))
            for c in courses.courses())
        cycle = db.session.scalar(select(Cycle).where(Cycle.is_demo.is_(True)))
        template = plans.latest_template()
        for block in template.blocks:
            columns = [c for f in block["fields"] for c in f.get("columns", [])]
            for item in block["fields"] + columns:
                if item["type"] not in ("text", "number", "choice", "table", "date", "sdgs"):
                    sys.exit(f"the plan template has a field type this script cannot fill: "
                             f"{item['type']} ({block['key']}.{item['key']})")
        return World(
            courses=infos,
            municipality_slugs=tuple(db.session.scalars(select(Municipality.slug))),
            portfolio_slugs=tuple(db.session.scalars(select(Portfolio.slug))),
            cycle_id=cycle.id, blocks=tuple(template.blocks),
        )


# ------------------------------------------------------------------------------------------
# Plan block values: the form fields a person would type, and the content the app must store.


PHRASES = (
    "Kənd təsərrüfatı və qida emalı əsas iş yerləridir.",
    "Gənclər işləmək üçün Bakıya gedir; qadınlar evdə kiçik biznes qurur.",
    "Turizm mövsümi olsa da, qonaq evlərinin sayı artır.",
    "Su təchizatı və yollar zəifdir: **prioritet**.",
    "Daşqın riski yüksəkdir, drenaj köhnədir.",
    "Processing and packaging local citrus and vegetables.",
    "Young people leave; the municipal revenue depends on land tax.",
)


def _text_value(rng: random.Random, tag: str) -> tuple[str, str]:
    """A multi-line text as a browser sends it (CRLF) and as the app stores it (LF)."""
    lines = [tag, *rng.sample(PHRASES, rng.randint(1, 3))]
    if rng.random() < 0.4:
        lines += ["", "- " + rng.choice(PHRASES), "- " + rng.choice(PHRASES)]
    return "\r\n".join(lines) + ("\r\n" if rng.random() < 0.3 else ""), "\n".join(lines)


def _number_value(rng: random.Random, spec: dict) -> tuple[str, int | float]:
    low = spec.get("min", 0)
    high = min(spec.get("max", low + 1_000_000), low + 1_000_000)
    value = rng.randint(int(low), int(high))
    if spec.get("integer") or rng.random() < 0.6 or value >= high:
        # Thousands typed with a space are accepted ("12 500").
        typed = f"{value:,}".replace(",", " ") if rng.random() < 0.2 else str(value)
        return typed, value
    return f"{value},5", value + 0.5  # a decimal comma, as typed in Azerbaijan


def _cell_value(rng: random.Random, column: dict, tag: str, row_start: date | None):
    """(typed, stored) for a table cell."""
    kind = column["type"]
    if kind == "number":
        return _number_value(rng, column)
    if kind == "date":
        day = (row_start or date(2025, 1, 1)) + timedelta(days=rng.randint(0, 700))
        return day.isoformat(), day.isoformat()
    if kind == "choice":
        key = rng.choice(column["choices"])["key"]
        return key, key
    if kind == "sdgs":
        numbers = rng.sample(range(1, 18), rng.randint(1, 3))
        return ", ".join(map(str, numbers)), sorted(numbers)
    text = f"{tag} {rng.choice(PHRASES)}"[:1000]
    return text, text


_EMPTY_CELL = {"number": None, "date": None, "choice": None, "sdgs": [], "text": ""}


def fill_block(block: dict, rng: random.Random, tag: str, full: bool):
    """Form pairs for saving ``block`` and the content the app must store for them.

    ``full`` fills every field (a block a submission accepts); otherwise each field is left
    empty with some probability, as in a draft."""
    form, content = [], {}
    for spec in block["fields"]:
        key, kind = spec["key"], spec["type"]
        empty = not full and rng.random() < 0.4
        if kind == "table":
            rows = [] if empty else [None] * rng.randint(max(1, spec.get("min_rows", 0)), 3)
            stored_rows = []
            for index in range(len(rows)):
                stored, start = {}, None
                for column in spec["columns"]:
                    name = f"t-{key}-{index}-{column['key']}"
                    if not full and not column.get("required") and rng.random() < 0.3:
                        form.append((name, ""))
                        stored[column["key"]] = _EMPTY_CELL[column["type"]]
                        continue
                    typed, value = _cell_value(rng, column, f"{tag} r{index + 1}", start)
                    if column["key"] == "start":
                        start = date.fromisoformat(value)
                    form.append((name, typed))
                    stored[column["key"]] = value
                stored_rows.append(stored)
            # The page always offers one blank row more; blank rows are dropped on save.
            form += [(f"t-{key}-{len(rows)}-{c['key']}", "") for c in spec["columns"]]
            form.append((f"rows-{key}", str(len(rows) + 1)))
            content[key] = stored_rows
        elif empty:
            form.append((f"f-{key}", ""))
            content[key] = "" if kind == "text" else None
        elif kind == "text":
            typed, stored = _text_value(rng, f"{tag} {key}")
            form.append((f"f-{key}", typed))
            content[key] = stored
        elif kind == "number":
            typed, stored = _number_value(rng, spec)
            form.append((f"f-{key}", typed))
            content[key] = stored
        else:  # choice
            choice = rng.choice(spec["choices"])["key"]
            form.append((f"f-{key}", choice))
            content[key] = choice
    return form, content


# ------------------------------------------------------------------------------------------
# HTTP: one connection and one cookie jar per simulated user.


class ConnectionFailed(Exception):
    """No HTTP answer (refused, reset, timed out): the outcome of a write is unknown."""


class ServerError(Exception):
    """The server answered 5xx: the outcome of a write is unknown."""


@dataclass
class Response:
    status: int
    body: str
    location: str = ""  # Location of a redirect, as sent (before following)
    headers: dict = field(default_factory=dict)


@dataclass
class Sample:
    """A request that deserves the operator's attention (5xx, connection error, surprise)."""

    user: str
    method: str
    path: str
    status: int
    detail: str
    at: float


_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VERSION = re.compile(r'<input[^>]*name="version"[^>]*>')
_VALUE = re.compile(r'value="([^"]*)"')
FLASH_SUCCESS = 'class="flash flash-success"'


def _input_value(pattern: re.Pattern, body: str) -> str | None:
    tag = pattern.search(body)
    value = _VALUE.search(tag.group(0)) if tag else None
    return value.group(1) if value else None


class Stats:
    """Per-user request records, merged after the run (no lock needed)."""

    def __init__(self):
        self.requests: list[tuple[str, int, float]] = []  # (endpoint, status, seconds)
        self.samples: list[Sample] = []
        self.anomalies: Counter = Counter()
        self.limited_logins = 0  # login answers that carried X-RateLimit-* headers


class Browser:
    """A minimal browser: keeps one connection (gunicorn's sync workers close it after each
    response; http.client reopens it), a cookie jar, and follows redirects.

    The cookie jar deliberately ignores the ``Secure`` flag: in production the session cookie
    is Secure, and a real browser would not send it over the plain http that reaches gunicorn
    here (TLS ends at the reverse proxy in production)."""

    def __init__(self, port: int, source_ip: str | None, stats: Stats, user: str,
                 route_of):
        self.port, self.source_ip, self.stats, self.user = port, source_ip, stats, user
        self.route_of = route_of
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None
        self._connection: http.client.HTTPConnection | None = None

    def _conn(self) -> http.client.HTTPConnection:
        if self._connection is None:
            source = (self.source_ip, 0) if self.source_ip else None
            self._connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=HTTP_TIMEOUT, source_address=source)
        return self._connection

    def reset(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None

    def _store_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            pair, _sep, attributes = header.partition(";")
            name, _eq, value = pair.strip().partition("=")
            attributes = attributes.lower()
            if "max-age=0" in attributes or "expires=thu, 01 jan 1970" in attributes:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def _exchange(self, method: str, path: str, body: str | None, headers: dict) -> Response:
        headers = {"User-Agent": "m4eg-soak/1", **headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        route = f"{method} {self.route_of(path)}"
        started = time.monotonic()
        try:
            connection = self._conn()
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            data = raw.read()
        except (OSError, http.client.HTTPException) as error:
            elapsed = time.monotonic() - started
            self.reset()
            self.stats.requests.append((route, 0, elapsed))
            self.stats.samples.append(Sample(self.user, method, path, 0,
                                             f"{type(error).__name__}: {error}", time.time()))
            raise ConnectionFailed(f"{method} {path}: {error}") from error
        elapsed = time.monotonic() - started
        self.stats.requests.append((route, raw.status, elapsed))
        self._store_cookies(raw)
        if raw.will_close:
            self.reset()
        text = data.decode("utf-8", "replace")
        response = Response(raw.status, text, raw.getheader("Location", ""),
                            {k.lower(): v for k, v in raw.headers.items()})
        if raw.status >= 500:
            self.stats.samples.append(Sample(self.user, method, path, raw.status,
                                             f"form: {(body or '')[:300]}", time.time()))
            raise ServerError(f"{method} {path}: HTTP {raw.status}")
        if "text/html" in response.headers.get("content-type", ""):
            token = _input_value(_CSRF, text)
            if token:
                self.csrf = token
        return response

    def request(self, method: str, path: str, form=None, headers=None,
                follow: bool = True) -> tuple[Response, Response]:
        """Send a request; returns (first response, final response after redirects)."""
        body = urlencode(form, doseq=True) if form is not None else None
        first = response = self._exchange(method, path, body, headers or {})
        hops = 0
        while follow and response.status in (301, 302, 303) and hops < 5:
            target = urlsplit(response.location)
            next_path = target.path + (f"?{target.query}" if target.query else "")
            response = self._exchange("GET", next_path, None, {})
            hops += 1
        return first, response

    def get(self, path: str, follow: bool = True) -> Response:
        return self.request("GET", path, follow=follow)[1]

    def post(self, path: str, form: list, headers=None, follow: bool = True):
        return self.request("POST", path, [("csrf_token", self.csrf or ""), *form], headers,
                            follow)


def make_route_of(world: World):
    kinds = world.slug_kinds()

    def route_of(path: str) -> str:
        """The endpoint a path belongs to: /en/courses/foresight/intro → /{lang}/courses/
        {course}/{lesson}; the query's parameter names are kept."""
        split = urlsplit(path)
        parts = split.path.split("/")
        out = []
        for index, part in enumerate(parts):
            if index == 1 and part in LANGS:
                out.append("{lang}")
            elif part.isdigit():
                out.append("{id}")
            elif index > 0 and parts[index - 1] == "certificates":
                out.append("{code}")
            else:
                out.append(kinds.get(part, part))
        query = "&".join(sorted(p.split("=")[0] for p in split.query.split("&") if p))
        return "/".join(out) + (f"?{query}" if query else "")

    return route_of


# ------------------------------------------------------------------------------------------
# The ledger: every write the server acknowledged, and those whose outcome is unknown.


@dataclass
class Write:
    kind: str  # enrolment, lesson, quiz, certificate, plan_start, block_save, submission
    user_id: int
    outcome: str  # "acked" or "unknown"
    data: dict
    seq: int  # order of the user's writes (each plan has one writer: its focal point)


# ------------------------------------------------------------------------------------------
# A simulated user.


class SoakUser:
    def __init__(self, account: Account, world: World, args, stats: Stats, deadline: float,
                 source_ip: str | None, route_of):
        self.account, self.world, self.args, self.stats = account, world, args, stats
        self.deadline = deadline
        # A generator per user, seeded: the same --seed replays the same choices.
        self.rng = random.Random(args.seed * 100_003 + account.number)  # noqa: S311
        self.browser = Browser(args.port, source_ip, stats, account.email, route_of)
        self.lang = account.language if self.rng.random() < 0.7 else self.rng.choice(LANGS)
        self.ledger: list[Write] = []
        self.logged_in = False
        # Learning state, as the client believes it from acknowledged writes.
        self.enrolled: set[str] = set()
        self.enrol_uncertain: set[str] = set()
        self.done: dict[str, set[str]] = defaultdict(set)
        self.passed: set[str] = set()
        self.certificates: set[str] = set()
        # Plan state (focal points).
        self.focal = account.role == "focal_point"
        self.completer = self.focal and self.rng.random() < args.completer_share
        self.plan_id: int | None = None
        self.plan_status = "none"  # none, draft, submitted, unknown, refused
        # Each plan section has its own version: the one after our last acknowledged save.
        self.block_versions: dict[str, int] = {}
        self.plan_uncertain = False
        self.complete_blocks: set[str] = set()
        self.block_content: dict[str, dict] = {}

    # ---------------------------------------------------------------- helpers

    def record(self, kind: str, outcome: str, **data) -> None:
        self.ledger.append(Write(kind, self.account.user_id, outcome, data, len(self.ledger)))

    def anomaly(self, name: str, path: str, response: Response | None, detail: str = "") -> None:
        self.stats.anomalies[name] += 1
        self.stats.samples.append(Sample(self.account.email, "", path,
                                         response.status if response else 0,
                                         f"{name}: {detail}"[:400], time.time()))

    def pause(self, scale: float = 1.0) -> None:
        think = self.args.think * scale
        if think > 0:
            time.sleep(self.rng.uniform(0.5 * think, 1.5 * think))

    def url(self, path: str) -> str:
        return f"/{self.lang}{path}"

    # ---------------------------------------------------------------- main loop

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            try:
                self.step()
            except (ConnectionFailed, ServerError):
                # Recorded by the browser; back off a little, as a person would, and go on.
                self.pause(2.0)
            except Exception as error:  # a bug in this script must not end the user silently
                self.anomaly("client error (bug in soak.py?)", "", None,
                             f"{type(error).__name__}: {error}")
                traceback.print_exc()
                self.pause(2.0)
            self.pause()
        self.browser.reset()

    def step(self) -> None:
        if not self.logged_in:
            (self.browse if self.rng.random() < 0.3 else self.login)()
            return
        if self.focal:
            weights = ((self.browse, 25), (self.work_on_plan, 45), (self.learn, 22),
                       (self.my_learning, 5), (self.logout, 3))
        else:
            weights = ((self.browse, 35), (self.learn, 55), (self.my_learning, 8),
                       (self.logout, 2))
        actions, numbers = zip(*weights, strict=True)
        self.rng.choices(actions, numbers)[0]()

    # ---------------------------------------------------------------- public pages

    def browse(self) -> None:
        rng, world = self.rng, self.world
        pages = (
            ("/", 2), (self.url("/"), 8), (self.url("/municipalities/"), 8),
            (self.url("/municipalities/?" + urlencode({"q": rng.choice(SEARCH_TERMS)})), 8),
            (self.url("/municipalities/?type=village"), 3),
            (self.url(f"/municipalities/{rng.choice(world.municipality_slugs)}"), 10),
            (self.url("/courses/"), 6),
            (self.url(f"/courses/{rng.choice(world.courses).slug}"), 6),
            (self.url("/figures/"), 5), (self.url("/figures/?from=2024-01&to=2025-12"), 2),
            (self.url("/portfolios/"), 4),
            (self.url(f"/portfolios/{rng.choice(world.portfolio_slugs)}"), 4)
            if world.portfolio_slugs else (self.url("/portfolios/"), 0),
            (self.url("/workshops/"), 3), (self.url("/readiness/"), 3),
            ("/api/v1/municipalities", 2), ("/api/v1/figures", 1),
        )
        paths, weights = zip(*pages, strict=True)
        path = rng.choices(paths, weights)[0]
        response = self.browser.get(path)
        if response.status != 200:
            self.anomaly("browse: not 200", path, response)

    # ---------------------------------------------------------------- accounts

    def login(self) -> None:
        page = self.browser.get(self.url("/accounts/login"))
        if page.status != 200:
            self.anomaly("login page: not 200", "login", page)
            return
        self.pause(0.5)
        first, final = self.browser.post(self.url("/accounts/login"), [
            ("email", self.account.email), ("password", SOAK_PASSWORD), ("next", "")])
        if "x-ratelimit-limit" in first.headers:
            self.stats.limited_logins += 1  # evidence that the limiter counted this attempt
        if first.status == 302 and final.status == 200:
            self.logged_in = True
        elif first.status == 429:
            self.anomaly("login: rate limited (429)", "login", first)
        else:
            self.anomaly("login: refused", "login", first, first.body[:200])

    def logout(self) -> None:
        first, _final = self.browser.post(self.url("/accounts/logout"), [])
        if first.status == 302:
            self.logged_in = False
            self.browser.cookies.clear()
        else:
            self.anomaly("logout: not 302", "logout", first)

    def check_still_logged_in(self, response: Response, path: str) -> bool:
        """A redirect to the login page while logged in means the session was lost."""
        if response.status == 302 and "/accounts/login" in response.location:
            self.anomaly("session lost (redirect to login)", path, response)
            self.logged_in = False
            return False
        return True

    # ---------------------------------------------------------------- learning

    def my_learning(self) -> None:
        response = self.browser.get(self.url("/courses/my-learning"), follow=False)
        if self.check_still_logged_in(response, "my-learning") and response.status != 200:
            self.anomaly("my-learning: not 200", "my-learning", response)

    def learn(self) -> None:
        rng = self.rng
        open_courses = [c for c in self.world.courses if c.slug not in self.enrolled]
        if open_courses and (not self.enrolled or rng.random() < 0.2):
            self.enrol(rng.choice(open_courses))
            return
        if not self.enrolled:
            return
        unfinished = [c for c in self.world.courses if c.slug in self.enrolled
                      and c.slug not in self.certificates]
        course = rng.choice(unfinished or [c for c in self.world.courses
                                           if c.slug in self.enrolled])
        todo = [lesson for lesson in course.lessons if lesson not in self.done[course.slug]]
        if todo:
            self.read_lesson(course, todo[0] if rng.random() < 0.8 else rng.choice(todo))
        elif course.slug not in self.passed:
            self.take_quiz(course)
        elif course.slug not in self.certificates:
            self.get_certificate(course)
        else:  # revisit a lesson; marking it done again is harmless
            self.read_lesson(course, rng.choice(course.lessons))

    def enrol(self, course: CourseInfo) -> None:
        page = self.browser.get(self.url(f"/courses/{course.slug}"))
        if page.status != 200:
            self.anomaly("course page: not 200", course.slug, page)
            return
        self.pause(0.5)
        try:
            first, final = self.browser.post(self.url(f"/courses/{course.slug}/enrol"), [])
        except (ConnectionFailed, ServerError):
            self.enrol_uncertain.add(course.slug)
            self.record("enrolment", "unknown", course=course.slug)
            raise
        if not self.check_still_logged_in(first, "enrol"):
            return
        if first.status == 302 and final.status == 200 and FLASH_SUCCESS in final.body:
            self.enrolled.add(course.slug)
            self.record("enrolment", "acked", course=course.slug)
        elif course.slug in self.enrol_uncertain and first.status == 302:
            self.enrolled.add(course.slug)  # an earlier attempt with no answer did enrol
        else:
            self.anomaly("enrol: no success flash", course.slug, first)

    def read_lesson(self, course: CourseInfo, lesson: str) -> None:
        path = self.url(f"/courses/{course.slug}/{lesson}")
        page = self.browser.get(path, follow=False)
        if not self.check_still_logged_in(page, path):
            return
        if page.status != 200:
            self.anomaly("lesson: not 200", path, page)
            return
        self.pause(1.5)  # reading
        index = course.lessons.index(lesson)
        expected = (self.url(f"/courses/{course.slug}/{course.lessons[index + 1]}")
                    if index + 1 < len(course.lessons)
                    else self.url(f"/courses/{course.slug}/quiz"))
        try:
            first, _final = self.browser.post(f"{path}/done", [],
                                              follow=self.rng.random() < 0.5)
        except (ConnectionFailed, ServerError):
            self.record("lesson", "unknown", course=course.slug, lesson=lesson)
            raise
        if first.status == 302 and urlsplit(first.location).path == expected:
            self.done[course.slug].add(lesson)
            self.record("lesson", "acked", course=course.slug, lesson=lesson)
        elif self.check_still_logged_in(first, path):
            self.anomaly("lesson done: unexpected answer", path, first, first.location)

    def take_quiz(self, course: CourseInfo) -> None:
        path = self.url(f"/courses/{course.slug}/quiz")
        page = self.browser.get(path, follow=False)
        if not self.check_still_logged_in(page, path):
            return
        if page.status != 200:
            self.anomaly("quiz page: not 200", path, page)
            return
        self.pause(1.0)
        correct = self.rng.random() < 0.6
        answers = []
        for qid, kind, options, right in course.questions:
            if correct:
                chosen = right
            elif kind == "single":
                chosen = (self.rng.choice(options),)
            else:
                chosen = tuple(self.rng.sample(options, self.rng.randint(1, len(options))))
            answers += [(f"q-{qid}", option) for option in chosen]
        try:
            first, _final = self.browser.post(path, answers)
        except (ConnectionFailed, ServerError):
            self.record("quiz", "unknown", course=course.slug)
            raise
        verdict = re.search(r'<div class="flash (flash-success|flash-error)" role="status">',
                            first.body)
        if first.status == 200 and verdict:
            passed = verdict.group(1) == "flash-success"
            if passed:
                self.passed.add(course.slug)
            self.record("quiz", "acked", course=course.slug, passed=passed)
            if correct and not passed:
                self.anomaly("quiz: correct answers not passed", path, first)
        else:
            self.anomaly("quiz: no score shown", path, first)

    def get_certificate(self, course: CourseInfo) -> None:
        path = self.url(f"/courses/{course.slug}/certificate")
        try:
            first, final = self.browser.request("GET", path)
        except (ConnectionFailed, ServerError):
            self.record("certificate", "unknown", course=course.slug)
            raise
        match = re.fullmatch(r"/(?:az|en)/certificates/([^/]+)", urlsplit(first.location).path)
        if first.status == 302 and match and final.status == 200:
            self.certificates.add(course.slug)
            self.record("certificate", "acked", course=course.slug, code=match.group(1))
        elif self.check_still_logged_in(first, path):
            self.anomaly("certificate: not issued", path, first)

    # ---------------------------------------------------------------- plans (focal points)

    def work_on_plan(self) -> None:
        if self.plan_id is None:
            self.start_plan()
        elif self.plan_status != "draft":
            self.read_plan()
        elif self.completer and len(self.complete_blocks) == len(self.world.blocks):
            self.submit_plan()
        else:
            keys = [b["key"] for b in self.world.blocks]
            todo = [k for k in keys if k not in self.complete_blocks]
            key = todo[0] if self.completer and todo else self.rng.choice(keys)
            self.edit_block(next(b for b in self.world.blocks if b["key"] == key))

    def start_plan(self) -> None:
        index = self.browser.get(self.url("/plans/"))
        if index.status != 200:
            self.anomaly("plans index: not 200", "plans/", index)
            return
        existing = re.search(rf'href="/{self.lang}/plans/(\d+)"', index.body)
        if existing:  # started by an attempt whose answer was lost
            self.plan_id, self.plan_status, self.plan_uncertain = int(existing[1]), "draft", True
            return
        self.pause(0.5)
        try:
            first, _final = self.browser.post(self.url("/plans/start"),
                                              [("cycle_id", str(self.world.cycle_id))])
        except (ConnectionFailed, ServerError):
            self.record("plan_start", "unknown")
            raise
        match = re.fullmatch(r"/(?:az|en)/plans/(\d+)", urlsplit(first.location).path)
        if first.status == 302 and match:
            self.plan_id, self.plan_status = int(match[1]), "draft"
            self.record("plan_start", "acked", plan_id=self.plan_id,
                        municipality_id=self.account.municipality_id)
        else:
            self.anomaly("plan start: refused", "plans/start", first, first.location)

    def read_plan(self) -> None:
        suffix = self.rng.choice(("", "", "/history", "/print"))
        page = self.browser.get(self.url(f"/plans/{self.plan_id}{suffix}"))
        if page.status != 200:
            self.anomaly("plan page: not 200", f"plans/{self.plan_id}{suffix}", page)

    def edit_block(self, block: dict) -> None:
        key = block["key"]
        path = self.url(f"/plans/{self.plan_id}/blocks/{key}")
        page = self.browser.get(path, follow=False)
        if not self.check_still_logged_in(page, path):
            return
        if page.status != 200:
            self.anomaly("block page: not 200", path, page)
            return
        shown = int(_input_value(_VERSION, page.body) or 0)
        if self.plan_uncertain or key not in self.block_versions:
            self.block_versions[key], self.plan_uncertain = shown, False
        elif shown != self.block_versions[key]:
            # Only this client writes this plan: another version means a write went missing
            # or a read came from stale data. The database check at the end decides.
            self.anomaly("block page shows an unexpected version", path, page,
                         f"expected {self.block_versions[key]}, page has {shown}")
            self.block_versions[key] = shown
        full = self.completer or self.rng.random() < 0.3
        for _autosave in range(self.rng.choice((0, 0, 1, 2))):
            self.pause(1.0)  # typing; the page autosaves a few seconds after a change
            if not self.save_block(block, path, full=False, autosave=True):
                return
        if self.rng.random() < 0.8:
            self.pause(1.0)
            self.save_block(block, path, full=full, autosave=False)

    def save_block(self, block: dict, path: str, *, full: bool, autosave: bool) -> bool:
        key = block["key"]
        tag = f"[{self.account.email} #{len(self.ledger)}]"
        form, content = fill_block(block, self.rng, tag, full)
        form.append(("version", str(self.block_versions[key])))
        add_row = (not autosave and any(f["type"] == "table" for f in block["fields"])
                   and self.rng.random() < 0.1)
        if add_row:
            form.append(("add_row", next(f["key"] for f in block["fields"]
                                         if f["type"] == "table")))
        record = {"plan_id": self.plan_id, "block": key, "content": content,
                  "version_sent": self.block_versions[key], "autosave": autosave}
        try:
            first, final = self.browser.post(path, form,
                                              headers={"X-Autosave": "1"} if autosave else None,
                                              follow=not autosave)
        except (ConnectionFailed, ServerError):
            self.record("block_save", "unknown", **record)
            self.plan_uncertain = True
            raise
        if autosave:
            try:
                answer = json.loads(first.body) if first.status == 200 else {}
            except ValueError:
                answer = {}
            if answer.get("ok") is True:
                self.acknowledge_save(record, int(answer["version"]), full)
                return True
            self.anomaly(f"autosave refused (HTTP {first.status})", path, first, first.body[:300])
            return False
        target = urlsplit(first.location)
        expected = (f"/{self.lang}/plans/{self.plan_id}/blocks/{key}" if add_row
                    else f"/{self.lang}/plans/{self.plan_id}")
        if first.status == 302 and target.path == expected:
            self.acknowledge_save(record, self.block_versions[key] + 1, full)
            if not add_row and FLASH_SUCCESS not in final.body:
                self.anomaly("block save: no 'Saved.' flash", path, final)
            return True
        if self.check_still_logged_in(first, path):
            detail = re.findall(r'<div class="form-errors"[^>]*>(.*?)</div>', first.body, re.S)
            self.anomaly(f"block save refused (HTTP {first.status})", path, first,
                         " ".join(detail)[:300])
        return False

    def acknowledge_save(self, record: dict, version_after: int, full: bool) -> None:
        self.block_versions[record["block"]] = version_after
        self.block_content[record["block"]] = record["content"]
        if full:
            self.complete_blocks.add(record["block"])
        else:
            self.complete_blocks.discard(record["block"])
        self.record("block_save", "acked", version_after=version_after, **record)

    def submit_plan(self) -> None:
        path = self.url(f"/plans/{self.plan_id}")
        page = self.browser.get(path)
        if page.status != 200:
            self.anomaly("plan page: not 200", path, page)
            return
        self.pause(1.0)
        try:
            first, final = self.browser.post(f"{path}/submit", [])
        except (ConnectionFailed, ServerError):
            self.plan_status = "unknown"
            self.record("submission", "unknown", plan_id=self.plan_id)
            raise
        # An incomplete plan also lands back on its page, with an error instead of the flash.
        if (first.status == 302 and urlsplit(first.location).path == path
                and FLASH_SUCCESS in final.body):
            self.plan_status = "submitted"
            self.record("submission", "acked", plan_id=self.plan_id, revision=1,
                        content=dict(self.block_content))
        else:
            # A refusal means the plan lacks something this client saved: reported, and
            # the plan is left alone so that the client does not retry forever.
            self.plan_status = "refused"
            self.anomaly(f"submission refused (HTTP {first.status})", path, first)


# ------------------------------------------------------------------------------------------
# gunicorn


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def start_gunicorn(args, url: str, out: Path) -> subprocess.Popen:
    env = {**os.environ, "M4EG_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "DATABASE_URL": url, "PUBLIC_BASE_URL": f"http://127.0.0.1:{args.port}"}
    env.pop("MAIL_SERVER", None)  # never mail real people from a soak run
    if args.rate_limits == "off":
        env["RATELIMIT_ENABLED"] = "false"
    else:
        env["RATELIMIT_ENABLED"] = "true"
        env["RATELIMIT_STORAGE_URI"] = args.ratelimit_storage
    # gunicorn appends to its access log; start each run with an empty one.
    (out / "gunicorn-access.log").write_text("")
    command = [sys.executable, "-m", "gunicorn", "--workers", str(args.workers),
               "--bind", f"127.0.0.1:{args.port}",
               "--access-logfile", str(out / "gunicorn-access.log"), "wsgi:app"]
    from gunicorn.config import KNOWN_SETTINGS

    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        # Recent gunicorns otherwise open ~/.gunicorn/gunicorn.ctl, a path that any other
        # gunicorn on the machine (a benchmark, the site itself) uses too.
        command.insert(-1, "--no-control-socket")
    log = (out / "gunicorn-error.log").open("w")
    # gunicorn's error log (and the app's log, which Flask writes to wsgi.errors) go to stderr.
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,  # noqa: S603
                               stderr=subprocess.STDOUT)
    for _attempt in range(120):
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}; see {out / 'gunicorn-error.log'}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.5)
    stop_gunicorn(process)
    sys.exit("gunicorn did not answer /healthz within 60 s")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # graceful: workers finish their requests
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def scan_log(path: Path) -> tuple[list[tuple[str, str, int]], list[str]]:
    """Tracebacks in gunicorn's log, grouped by (context line, exception line) with a count,
    and gunicorn's own [ERROR]/[CRITICAL] lines (worker timeouts, crashes)."""
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    groups: dict[tuple[str, str], list] = {}
    problems = []
    index, context = 0, ""
    while index < len(lines):
        line = lines[index]
        if not line.startswith("Traceback (most recent call last)"):
            if "[ERROR]" in line or "[CRITICAL]" in line:
                problems.append(line)
            if line.strip():
                context = line
            index += 1
            continue
        block = []
        while index < len(lines):
            line = lines[index]
            block.append(line)
            index += 1
            chained = line.startswith(("Traceback", "During handling", "The above exception"))
            if line.startswith((" ", "\t")) or not line.strip() or chained:
                continue
            # The exception's own line ends the traceback unless another one is chained.
            upcoming = next((s for s in lines[index:index + 3] if s.strip()), "")
            if not upcoming.startswith(("During handling", "The above exception")):
                break
        key = (context, block[-1])
        if key in groups:
            groups[key][1] += 1
        else:
            groups[key] = ["\n".join(block), 1]
        context = ""
    return [(f"{ctx}\n{text}", last, count) for (ctx, last), (text, count) in groups.items()], \
        problems


# ------------------------------------------------------------------------------------------
# Verification against the database


def verify(app, ledger: list[Write]) -> tuple[dict, list[str]]:
    """Check every acknowledged write against the database. Returns counts per kind
    (acked, unknown, verified) and a description of each lost write."""
    from sqlalchemy import func, select

    from m4eg.courses.models import Certificate, Enrolment, LessonProgress, QuizAttempt
    from m4eg.extensions import db
    from m4eg.plans.models import Plan, Revision

    counts = defaultdict(Counter)
    lost: list[str] = []
    for write in ledger:
        counts[write.kind][write.outcome] += 1

    def verified(kind: str, ok: bool, description: str) -> None:
        if ok:
            counts[kind]["verified"] += 1
        else:
            lost.append(f"{kind}: {description}")

    acked = [w for w in ledger if w.outcome == "acked"]
    with app.app_context():
        session = db.session
        enrolments = {(e.user_id, e.course_slug): e for e in session.scalars(select(Enrolment))}
        lessons = set(session.execute(select(LessonProgress.user_id, LessonProgress.course_slug,
                                             LessonProgress.lesson_slug)).all())
        attempts = Counter(session.execute(select(QuizAttempt.user_id, QuizAttempt.course_slug)
                                           ).all())
        certificates = {c.code: (c.user_id, c.course_slug)
                        for c in session.scalars(select(Certificate))}

        for write in acked:
            user, data = write.user_id, write.data
            if write.kind == "enrolment":
                verified("enrolment", (user, data["course"]) in enrolments,
                         f"user {user} course {data['course']}: no enrolment row")
            elif write.kind == "lesson":
                verified("lesson", (user, data["course"], data["lesson"]) in lessons,
                         f"user {user} {data['course']}/{data['lesson']}: no progress row")
            elif write.kind == "certificate":
                verified("certificate",
                         certificates.get(data["code"]) == (user, data["course"]),
                         f"user {user} course {data['course']}: certificate {data['code']} "
                         "missing")

        # Quiz attempts: each acknowledged attempt is a row; unanswered ones may be too.
        told = Counter((w.user_id, w.data["course"]) for w in acked if w.kind == "quiz")
        maybe = Counter((w.user_id, w.data["course"]) for w in ledger
                        if w.kind == "quiz" and w.outcome == "unknown")
        for key, number in told.items():
            ok = number <= attempts[key] <= number + maybe[key]
            counts["quiz"]["verified"] += number if ok else 0
            if not ok:
                lost.append(f"quiz: user {key[0]} course {key[1]}: told {number} attempt(s) "
                            f"were scored, database has {attempts[key]}")

        # A course whose lessons were all acknowledged done and whose quiz was acknowledged
        # passed must be complete.
        done = defaultdict(set)
        for w in acked:
            if w.kind == "lesson":
                done[(w.user_id, w.data["course"])].add(w.data["lesson"])
        passed = {(w.user_id, w.data["course"]) for w in acked if w.kind == "quiz"
                  and w.data["passed"]}
        catalogue = {c.slug: set(c.lesson_slugs) for c in _courses(app)}
        for key in passed:
            if done[key] >= catalogue[key[1]]:
                enrolment = enrolments.get(key)
                ok = enrolment is not None and enrolment.completed_at is not None
                counts["completion"]["acked"] += 1
                verified("completion", ok, f"user {key[0]} course {key[1]}: all lessons done "
                         "and quiz passed, but the enrolment is not complete")

        # Plans: one writer each, so the database must hold the last acknowledged save of
        # every block (or a later save whose answer was lost), and the last version.
        by_plan = defaultdict(list)
        for w in ledger:
            if w.kind in ("plan_start", "block_save", "submission") and "plan_id" in w.data:
                by_plan[w.data["plan_id"]].append(w)
        for plan_id, writes in by_plan.items():
            plan = session.get(Plan, plan_id)
            started = [w for w in writes if w.kind == "plan_start" and w.outcome == "acked"]
            if plan is None:
                if started:
                    lost.append(f"plan_start: plan {plan_id} does not exist")
                continue
            for w in started:
                verified("plan_start", plan.municipality_id == w.data["municipality_id"],
                         f"plan {plan_id} belongs to another municipality")
            content = plan.content or {}
            writes.sort(key=lambda w: w.seq)
            for block in {w.data["block"] for w in writes if w.kind == "block_save"}:
                saves = [w for w in writes if w.kind == "block_save" and w.data["block"] == block]
                last = max((i for i, w in enumerate(saves) if w.outcome == "acked"), default=None)
                if last is None:
                    continue
                allowed = [saves[last].data["content"]] + [
                    w.data["content"] for w in saves[last + 1:] if w.outcome == "unknown"]
                ok = content.get(block) in allowed
                counts["block_save"]["verified"] += sum(
                    1 for w in saves if w.outcome == "acked") if ok else 0
                if not ok:
                    lost.append(f"block_save: plan {plan_id} block {block} differs from the "
                                "last acknowledged save: "
                                + _differences(content.get(block), saves[last].data["content"]))
            for block in {w.data["block"] for w in writes if w.kind == "block_save"}:
                saves = [w for w in writes if w.kind == "block_save" and w.data["block"] == block]
                acked = [w for w in saves if w.outcome == "acked"]
                if acked and not any(w.outcome == "unknown" for w in saves):
                    expected, stored = acked[-1].data["version_after"], plan.block_version(block)
                    if stored != expected:
                        lost.append(f"plan {plan_id} block {block}: version is {stored}, the "
                                    f"last acknowledged save left it at {expected}")
            for w in writes:
                if w.kind != "submission" or w.outcome != "acked":
                    continue
                revision = session.scalar(select(Revision).where(
                    Revision.plan_id == plan_id, Revision.number == w.data["revision"]))
                revisions = session.scalar(select(func.count()).select_from(Revision)
                                           .where(Revision.plan_id == plan_id))
                # Its content is what the client last saved, unless a save went unanswered.
                same = (revision is not None and revision.content == w.data["content"]) or any(
                    u.outcome == "unknown" and u.kind == "block_save" for u in writes)
                ok = (revision is not None and plan.status == "submitted" and revisions == 1
                      and same)
                verified("submission", ok, f"plan {plan_id}: status {plan.status}, "
                         f"{revisions} revision(s), revision 1 "
                         f"{'missing' if revision is None else 'differs from what was saved'}")
    return counts, lost


def _differences(have: dict | None, told: dict) -> str:
    """The fields whose stored value is not the one the client was told was saved."""
    if have is None:
        return "the block is not in the database at all"
    keys = sorted(set(have) | set(told), key=str)
    return "; ".join(
        f"{key}: database {json.dumps(have.get(key), ensure_ascii=False)[:150]}, "
        f"saved {json.dumps(told.get(key), ensure_ascii=False)[:150]}"
        for key in keys if have.get(key) != told.get(key))


def _courses(app):
    from m4eg.courses import services as courses

    with app.app_context():
        return courses.courses()


# ------------------------------------------------------------------------------------------
# Summary


def statuses_of(stats: Stats) -> Counter:
    return Counter(status for _route, status, _s in stats.requests)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summarise(args, stats: Stats, counts, lost, tracebacks, log_problems, elapsed, accounts,
              rate_note, out: Path) -> tuple[str, bool]:
    lines = []
    say = lines.append
    focal = sum(a.role == "focal_point" for a in accounts)
    statuses = statuses_of(stats)
    latencies = [s for _route, status, s in stats.requests if status]
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    connection_errors = statuses.get(0, 0)
    say("== M4EG soak run ==")
    say(f"target      {args.database_url}")
    say(f"server      gunicorn --workers {args.workers} (sync) on 127.0.0.1:{args.port}, "
        "M4EG_ENV=production")
    say(f"users       {len(accounts)} ({focal} focal points, {len(accounts) - focal} staff); "
        f"duration {args.duration} s (ran {elapsed:.0f} s); seed {args.seed}; "
        f"think time {args.think * 0.5:.2f}-{args.think * 1.5:.2f} s")
    say(f"rate limits {rate_note}")
    logins = sum(1 for route, _s, _t in stats.requests if route.endswith("/accounts/login")
                 and route.startswith("POST"))
    say(f"            {stats.limited_logins} of {logins} login answers carried X-RateLimit-* "
        f"headers; {statuses_of(stats).get(429, 0)} requests were answered 429")
    say("")
    say(f"requests    {len(stats.requests)} ({len(stats.requests) / max(elapsed, 1):.1f}/s)")
    say("status      " + ", ".join(f"{'conn-error' if s == 0 else s}: {n}"
                                   for s, n in sorted(statuses.items())))
    say(f"5xx         {server_errors}")
    say(f"conn errors {connection_errors}")
    say(f"latency     p50 {percentile(latencies, .5) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, .95) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, .99) * 1000:.0f} ms, "
        f"max {max(latencies, default=0) * 1000:.0f} ms, "
        f"mean {statistics.fmean(latencies) * 1000 if latencies else 0:.0f} ms")
    say("")
    say("per endpoint                                              count   p50 ms   p95 ms"
        "  non-2xx/3xx")
    by_route = defaultdict(list)
    for route, status, seconds in stats.requests:
        by_route[route].append((status, seconds))
    for route, items in sorted(by_route.items(), key=lambda kv: -len(kv[1])):
        times = [s for status, s in items if status]
        odd = Counter(status for status, _s in items if status == 0 or status >= 400)
        odd_text = " ".join(f"{'conn' if s == 0 else s}x{n}" for s, n in sorted(odd.items()))
        say(f"  {route[:54]:<54} {len(items):>7} {percentile(times, .5) * 1000:>8.0f} "
            f"{percentile(times, .95) * 1000:>8.0f}  {odd_text}")
    say("")
    say("writes      kind          acked  unknown  verified in database")
    for kind in ("enrolment", "lesson", "quiz", "completion", "certificate", "plan_start",
                 "block_save", "submission"):
        c = counts.get(kind, Counter())
        say(f"            {kind:<12} {c['acked']:>6} {c['unknown']:>8} {c['verified']:>9}")
    say(f"lost writes {len(lost)}")
    for item in lost[:50]:
        say(f"  LOST {item}")
    say("")
    if stats.anomalies:
        say("client-side anomalies (unexpected answers that are not 5xx):")
        for name, number in stats.anomalies.most_common():
            say(f"  {number:>6}  {name}")
    else:
        say("client-side anomalies: none")
    samples = [s for s in stats.samples if s.status == 0 or s.status >= 500]
    if samples:
        say("first 5xx / connection errors seen by clients:")
        for s in sorted(samples, key=lambda s: s.at)[:20]:
            say(f"  {time.strftime('%H:%M:%S', time.localtime(s.at))} {s.user} {s.method} "
                f"{s.path} -> {s.status or 'no answer'} {s.detail[:200]}")
    say(f"gunicorn log: {len(tracebacks)} distinct traceback(s), "
        f"{sum(c for _t, _l, c in tracebacks)} in all; {len(log_problems)} [ERROR]/[CRITICAL] "
        f"line(s) ({out / 'gunicorn-error.log'})")
    for text, _last, count in tracebacks[:10]:
        say(f"--- traceback seen {count} time(s):")
        say(text)
    for line in log_problems[:20]:
        say(f"  {line}")
    failed = bool(server_errors or connection_errors or lost or tracebacks)
    say("")
    say(f"RESULT: {'FAIL' if failed else 'PASS'} (5xx {server_errors}, connection errors "
        f"{connection_errors}, lost writes {len(lost)}, tracebacks "
        f"{sum(c for _t, _l, c in tracebacks)})")
    return "\n".join(lines), failed


# ------------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True,
                        help="target database; it is DROPPED and re-created (PostgreSQL) or "
                             "deleted (SQLite file)")
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--duration", type=int, default=300, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=5090)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean pause between a user's page views, in seconds "
                             "(uniform over 0.5x-1.5x; 0 for no pause)")
    parser.add_argument("--ramp", type=float, default=10.0,
                        help="seconds over which the users start")
    parser.add_argument("--focal-share", type=float, default=0.25,
                        help="share of users who are focal points (capped by the number of "
                             "municipalities without a plan)")
    parser.add_argument("--completer-share", type=float, default=0.5,
                        help="share of focal points who fill every block and submit")
    parser.add_argument("--rate-limits", choices=("per-user-address", "off"),
                        default="per-user-address",
                        help="per-user-address (default): limits ON with their production "
                             "values, each user connects from its own 127.0.0.x address; "
                             "off: RATELIMIT_ENABLED=false, every user from 127.0.0.1")
    parser.add_argument("--ratelimit-storage", default="memory://",
                        help="RATELIMIT_STORAGE_URI for the run (e.g. redis://127.0.0.1:6379/0)")
    parser.add_argument("--out", type=Path, default=ROOT / "instance" / "soak",
                        help="where gunicorn's logs, the ledger and the summary are written")
    parser.add_argument("--allow-any-database", action="store_true",
                        help="allow dropping a database whose name does not contain 'soak'")
    return parser.parse_args(argv)


def source_address(number: int) -> str:
    """A distinct loopback address per user (all of 127.0.0.0/8 is loopback on Linux)."""
    return f"127.0.{number // 200}.{number % 200 + 10}"


def main(argv=None) -> int:
    args = parse_args(argv)
    url = _normalise_url(args.database_url)
    args.out.mkdir(parents=True, exist_ok=True)
    if not port_is_free(args.port):
        sys.exit(f"port {args.port} is in use; pass --port")
    rng = random.Random(args.seed)  # noqa: S311 - a reproducible workload, not a secret

    print(f"preparing {url}")
    recreate_database(url, args.allow_any_database)
    run_flask(url, "db", "upgrade")
    run_flask(url, "demo", "load")
    app = make_app(url)
    accounts = create_accounts(app, args.users, round(args.users * args.focal_share), rng)
    world = read_world(app)
    focal = sum(a.role == "focal_point" for a in accounts)
    print(f"  {len(accounts)} soak accounts ({focal} focal points, each the only user of its "
          f"municipality; {len(accounts) - focal} staff), password {SOAK_PASSWORD}")

    if args.rate_limits == "off":
        rate_note = ("OFF (RATELIMIT_ENABLED=false); every user connects from 127.0.0.1, so "
                     "per-address limits would have throttled the run as one person")
    else:
        per_worker = (": counted per gunicorn worker"
                      if args.ratelimit_storage.startswith("memory") else "")
        rate_note = (f"ON with the production limits declared in m4eg/accounts/views.py "
                     f"(RATELIMIT_ENABLED=true, RATELIMIT_STORAGE_URI={args.ratelimit_storage}"
                     f"{per_worker}); each user connects from its own loopback address "
                     f"({source_address(1)}-{source_address(len(accounts))}), so the per-address "
                     f"limits apply per person, as for {len(accounts)} people on "
                     f"{len(accounts)} addresses")
    print(f"rate limits: {rate_note}")

    print(f"starting gunicorn --workers {args.workers} on 127.0.0.1:{args.port} "
          "(M4EG_ENV=production)")
    server = start_gunicorn(args, url, args.out)
    users: list[SoakUser] = []
    try:
        route_of = make_route_of(world)
        begin = time.monotonic()
        deadline = begin + args.ramp + args.duration
        threads = []
        for account in accounts:
            ip = source_address(account.number) if args.rate_limits != "off" else None
            user = SoakUser(account, world, args, Stats(), deadline, ip, route_of)
            users.append(user)
            delay = args.ramp * (account.number - 1) / max(len(accounts), 1)
            thread = threading.Thread(target=_delayed, args=(delay, user.run), daemon=True,
                                      name=account.email)
            threads.append(thread)
            thread.start()
        print(f"running {len(accounts)} users for {args.duration} s "
              f"(+{args.ramp:.0f} s ramp-up)…")
        _progress(users, deadline)
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()) + HTTP_TIMEOUT * 2)
        stuck = [t.name for t in threads if t.is_alive()]
        if stuck:
            print(f"warning: {len(stuck)} user(s) still busy after the deadline: {stuck[:5]}")
        elapsed = time.monotonic() - begin
    finally:
        stop_gunicorn(server)

    stats = Stats()
    ledger: list[Write] = []
    for user in users:
        stats.requests += user.stats.requests
        stats.samples += user.stats.samples
        stats.anomalies.update(user.stats.anomalies)
        stats.limited_logins += user.stats.limited_logins
        ledger += user.ledger
    (args.out / "ledger.json").write_text(json.dumps([asdict(w) for w in ledger],
                                                     ensure_ascii=False, indent=1))
    print("checking the ledger against the database…")
    counts, lost = verify(app, ledger)
    tracebacks, log_problems = scan_log(args.out / "gunicorn-error.log")
    text, failed = summarise(args, stats, counts, lost, tracebacks, log_problems, elapsed,
                             accounts, rate_note, args.out)
    (args.out / "summary.txt").write_text(text + "\n")
    print(text)
    print(f"(logs, ledger and this summary are in {args.out})")
    return 1 if failed else 0


def _delayed(delay: float, run) -> None:
    time.sleep(delay)
    run()


def _progress(users: list[SoakUser], deadline: float) -> None:
    """A line every 30 s, so that an operator sees the run is alive."""
    while time.monotonic() < deadline:
        time.sleep(min(30.0, max(0.0, deadline - time.monotonic())))
        done = sum(len(u.stats.requests) for u in users)
        errors = sum(1 for u in users for _r, s, _t in list(u.stats.requests)
                     if s == 0 or s >= 500)
        print(f"  {time.strftime('%H:%M:%S')}: {done} requests, {errors} 5xx/connection "
              f"errors, {max(0.0, deadline - time.monotonic()):.0f} s left", flush=True)


if __name__ == "__main__":
    sys.exit(main())
