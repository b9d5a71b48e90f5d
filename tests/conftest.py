"""Shared fixtures: an empty database per test, factory fixtures, a real SMTP server.

On SQLite each test's database is a copy of a file made once per session (copying a file is
faster than creating every table again): the whole schema, and the roster (and the
demonstrators) already loaded when the test asks for them. On PostgreSQL the schema is built
once per session and every table is emptied (TRUNCATE … RESTART IDENTITY) before each test; a
test that changes the schema (the migration tests) leaves it rebuilt for the next one.

The suite runs on a temporary SQLite file by default and on PostgreSQL when
M4EG_TEST_DATABASE_URL names a database (``make test`` does both when it is set). Tests marked
with :data:`BACKENDS` also run against the Redis that M4EG_TEST_REDIS_URL names (rate limits
and the page-cache generation there, under a key prefix of the test's own).

Requests run without an outer application context on purpose: Flask reuses an outer context
for every request, which would leak ``g`` (and the Babel locale) between requests.
"""

from __future__ import annotations

import contextlib
import email
import os
import shutil
import socket
import threading
import time
import uuid
from datetime import date, timedelta
from email import policy
from types import SimpleNamespace

import pytest
from jinja2 import BytecodeCache
from sqlalchemy import select, text
from werkzeug.routing import Rule

from m4eg import create_app
from m4eg.core.versions import Conflict
from m4eg.extensions import db

TEST_DATABASE_URL = os.environ.get("M4EG_TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("M4EG_TEST_REDIS_URL", "")
PASSWORD = "correct horse battery"
CHEAP_PASSWORD_HASH = {"PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 8,
                       "PASSWORD_HASH_PARALLELISM": 1}
# Run a test with the default storage (memory limits, generation file) and with Redis.
BACKENDS = pytest.mark.parametrize("backend", ["default", "redis"], indirect=True)


def redis_settings(url: str) -> dict:
    """Settings that put rate limits and the cache generation in the Redis at ``url``, under
    a key prefix of their own (the SQLite and PostgreSQL runs, and every test, share one
    Redis); :func:`forget_redis_keys` removes the keys afterwards."""
    return {"RATELIMIT_STORAGE_URI": url, "CACHE_REDIS_URL": url,
            "REDIS_KEY_PREFIX": f"m4eg-test-{uuid.uuid4().hex}"}


def forget_redis_keys(url: str, prefix: str) -> None:
    import redis

    with redis.Redis.from_url(url) as client:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)


# ---------------------------------------------------------------- caches shared by test apps
# Every test builds its own app. Two costs of that are read-only across apps and are kept for
# the session here (the app factory itself is unchanged):


class _TemplateBytecode(BytecodeCache):
    """Jinja's compiled templates, kept in memory for the session: each new app would compile
    every template it renders again. Jinja's bucket checks the source's checksum, so an edited
    template is compiled anew (Jinja ships only a file-system cache; this is its documented
    in-memory variant)."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_BYTECODE = _TemplateBytecode()


def _cache_url_builders() -> None:
    """Werkzeug compiles a Python function for each URL rule of each new app (two per rule,
    about 80 % of the app factory's time). The function depends only on the rule's parsed
    parts and defaults, never on the app, so one per rule serves every test app. If
    Werkzeug's internals change shape, the cache stays off and apps build as before."""
    original = getattr(Rule, "_compile_builder", None)
    if original is None or getattr(original, "cached", False):
        return
    builders = {}

    def compile_builder(self, append_unknown=True):
        trace = getattr(self, "_trace", None)
        if trace is None:
            return original(self, append_unknown)
        key = (self.rule, tuple(trace), repr(sorted((self.defaults or {}).items())),
               append_unknown)
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = original(self, append_unknown)
        return builder

    compile_builder.cached = True
    Rule._compile_builder = compile_builder


_cache_url_builders()


def build_app(config: dict):
    """The app factory with the session's shared caches."""
    app = create_app(config)
    app.jinja_env.bytecode_cache = TEMPLATE_BYTECODE
    return app


# ---------------------------------------------------------------- the test database


def _reset_schema() -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.create_all()


def _schema_fingerprint() -> tuple:
    """The tables and columns of the database (a test that migrates changes them)."""
    with db.engine.connect() as connection:
        return tuple(connection.execute(text(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, column_name")))


def _empty_tables() -> None:
    names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def postgres_schema(tmp_path_factory):
    """PostgreSQL: the whole schema, built once per session; returns its fingerprint."""
    folder = tmp_path_factory.mktemp("postgres")
    app = build_app(_test_settings(TEST_DATABASE_URL, folder))
    with app.app_context():
        _reset_schema()
        fingerprint = _schema_fingerprint()
        db.engine.dispose()
    return fingerprint


@pytest.fixture
def database_url(tmp_path):
    return TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def backend(request):
    """Where limits and the cache generation live: "default", or "redis" when a test is
    parametrized with :data:`BACKENDS` (skipped without M4EG_TEST_REDIS_URL)."""
    name = getattr(request, "param", "default")
    if name == "redis" and not TEST_REDIS_URL:
        pytest.skip("M4EG_TEST_REDIS_URL is not set: no Redis to run the Redis variant on")
    return name


def _test_settings(database_url, tmp_path) -> dict:
    return {
        "TESTING": True,
        "M4EG_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "MAIL_SERVER": "",
        "RATELIMIT_STORAGE_URI": "memory://",
        "CACHE_GENERATION_FILE": str(tmp_path / "cache-generation"),
        # Argon2's smallest cost: a sign-in costs microseconds instead of 50 ms.
        # Production's cost is checked in tests/core/test_config.py.
        **CHEAP_PASSWORD_HASH,
    }


def _sqlite_file(tmp_path_factory, name, fill, start=None):
    """A SQLite file made once per session: a copy of ``start`` (or the bare schema) to
    which ``fill()`` has added rows inside an app context."""
    folder = tmp_path_factory.mktemp(name)
    path = folder / f"{name}.db"
    if start is not None:
        shutil.copyfile(start, path)
    app = build_app(_test_settings(f"sqlite:///{path}", folder))
    with app.app_context():
        fill()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # the last connection closed: the WAL is folded into the file
    return path


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory):
    """A SQLite file holding the whole (empty) schema, made once per session."""
    return _sqlite_file(tmp_path_factory, "schema", db.create_all)


@pytest.fixture(scope="session")
def sqlite_roster(tmp_path_factory, sqlite_schema):
    """The schema with the shipped roster loaded (what the ``roster`` fixture loads)."""
    from m4eg.municipalities import services

    return _sqlite_file(tmp_path_factory, "roster", services.load_roster, sqlite_schema)


@pytest.fixture(scope="session")
def sqlite_demonstrators(tmp_path_factory, sqlite_roster):
    """The roster and the demonstrators (what the ``demonstrators`` fixture loads)."""
    from m4eg.portfolios.cli import load_demonstrators

    return _sqlite_file(tmp_path_factory, "demonstrators", load_demonstrators, sqlite_roster)


@pytest.fixture(scope="session")
def sqlite_plans(tmp_path_factory, sqlite_roster):
    """The roster, the plan template and a cycle (what the ``plan_setup`` fixture adds)."""
    return _sqlite_file(tmp_path_factory, "plans", _plan_setup, sqlite_roster)


def _sqlite_start(request) -> str:
    """Which session file a test's SQLite database starts from: the rows its fixtures would
    load first are already there (the fixtures then load nothing). A module may name a file
    of its own with a fixture ``sqlite_database`` (tests/core/test_permission_matrix.py)."""
    if "sqlite_database" in request.fixturenames:
        return "sqlite_database"
    if "demonstrators" in request.fixturenames:
        return "sqlite_demonstrators"
    if "plan_setup" in request.fixturenames:
        return "sqlite_plans"
    if "roster" in request.fixturenames:
        return "sqlite_roster"
    return "sqlite_schema"


_SQLITE_HOLDS = {"sqlite_schema": (), "sqlite_roster": ("roster",),
                 "sqlite_plans": ("roster", "plan_setup"),
                 "sqlite_demonstrators": ("roster", "demonstrators"),
                 "sqlite_database": ("roster", "demonstrators")}


def _loaded_from_start(request, fixture: str) -> bool:
    """Whether the test's (SQLite) database started with what ``fixture`` loads; a fixture
    asked for late (``request.getfixturevalue``) finds it not there and loads it."""
    return not TEST_DATABASE_URL and fixture in _SQLITE_HOLDS[_sqlite_start(request)]


@pytest.fixture
def make_app(database_url, tmp_path, backend):
    """Build an app on the test database; keyword arguments override settings. Every app's
    connections are closed at the end of the test (an unclosed one warns, and warnings fail)."""
    apps = []
    redis = redis_settings(TEST_REDIS_URL) if backend == "redis" else {}

    def make(**overrides):
        config = {**_test_settings(database_url, tmp_path), **redis}
        config.update(overrides)
        app = build_app(config)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if redis:
        forget_redis_keys(TEST_REDIS_URL, redis["REDIS_KEY_PREFIX"])


@pytest.fixture
def app(make_app, database_url, request):
    """The app on a database with the whole schema and no rows (ids start at 1)."""
    sqlite = not TEST_DATABASE_URL
    if sqlite:
        shutil.copyfile(request.getfixturevalue(_sqlite_start(request)),
                        database_url.removeprefix("sqlite:///"))
    else:
        schema = request.getfixturevalue("postgres_schema")
    app = make_app()
    if not sqlite:
        with app.app_context():
            # A test before this one may have migrated or dropped tables: build them again.
            if _schema_fingerprint() == schema:
                _empty_tables()
            else:
                _reset_schema()
    yield app
    with app.app_context():  # the SQLite file goes with the test's temporary folder
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    """An application context for service tests (no HTTP requests inside it)."""
    with app.app_context():
        yield app


@pytest.fixture
def english(app_ctx):
    """Service messages read in English (outside a request the default language is az)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_municipality(app):
    from m4eg.municipalities.models import Municipality

    counter = iter(range(1, 10_000))

    def make(slug=None, name_az=None, name_en=None, type="village", status="active",
             track=None, rayon_id=None):
        n = next(counter)
        with app.app_context():
            municipality = Municipality(
                code=f"T-{n:04d}", slug=slug or f"test-municipality-{n}", type=type,
                status=status, demonstrator_track=track, rayon_id=rayon_id,
            )
            municipality.set_names(name_az or f"Sınaq bələdiyyəsi {n}",
                                   name_en or f"Test Municipality {n}")
            db.session.add(municipality)
            db.session.commit()
            return SimpleNamespace(id=municipality.id, slug=municipality.slug,
                                   name_az=municipality.name_az, name_en=municipality.name_en)

    return make


def new_user(role="staff", email=None, password=PASSWORD, municipality_id=None, name=None,
             preferred_language="az", confirmed=True, sex="not_stated", n=0,
             email_confirmed=True):
    """Add a user inside an app context (what :func:`make_user` does, for a set-up built
    outside a test); returns the plain namespace of :func:`make_user`."""
    from m4eg.accounts.models import User
    from m4eg.accounts.services import hash_password
    from m4eg.core.time import utcnow

    user = User(
        email=email or f"{role}{n}@test.example", name=name or f"Test {role} {n}",
        password_hash=hash_password(password), role=role,
        municipality_id=municipality_id, position="Tester", sex=sex,
        preferred_language=preferred_language,
        municipality_confirmed_at=utcnow() if confirmed and municipality_id else None,
        email_confirmed_at=utcnow() if email_confirmed else None,
    )
    db.session.add(user)
    db.session.commit()
    return SimpleNamespace(id=user.id, email=user.email, password=password, role=role,
                           municipality_id=municipality_id, name=user.name)


@pytest.fixture
def make_user(app, make_municipality):
    """Create a user; returns a plain namespace (id, email, password, role, municipality_id)."""
    counter = iter(range(1, 10_000))

    def make(role="staff", municipality_id=..., **kwargs):
        """``confirmed``: the municipality has confirmed that the person works for it (as
        its focal point or a coordinator would); False for a mere claim.
        ``email_confirmed``: the owner opened the link mailed to the address (False: a new
        account that may read but not act)."""
        n = next(counter)
        if municipality_id is ...:
            municipality_id = (
                None if role in {"coordinator", "admin"} else make_municipality().id
            )
        with app.app_context():
            return new_user(role, municipality_id=municipality_id, n=n, **kwargs)

    return make


@pytest.fixture
def member_id(app, roster):
    """The id of a roster member by slug: ``member_id("khirdalan")``."""
    from m4eg.municipalities.services import get_by_slug

    def get(slug):
        with app.app_context():
            return get_by_slug(slug).id

    return get


def _plan_setup() -> dict:
    from m4eg.plans import services
    from m4eg.plans.cli import DEFAULT_TEMPLATE

    template, _ = services.load_template(DEFAULT_TEMPLATE)
    cycle = services.save_cycle(None, name="2025–2027", deadline=date(2030, 3, 31),
                                reminder_days=14)
    db.session.commit()
    return {"template_id": template.id, "cycle_id": cycle.id}


@pytest.fixture
def plan_setup(app, roster, request):
    """The shipped plan template and a cycle (deadline 31 March 2030); returns their ids."""
    from m4eg.plans.models import Cycle, PlanTemplate

    with app.app_context():
        if _loaded_from_start(request, "plan_setup"):
            return {"template_id": db.session.scalar(select(PlanTemplate.id)),
                    "cycle_id": db.session.scalar(select(Cycle.id))}  # loaded: sqlite_plans
        return _plan_setup()


@pytest.fixture
def make_plan(app, plan_setup, member_id):
    """Start a draft plan in the cycle of :func:`plan_setup`: ``make_plan("khirdalan",
    by=focal)``, ``by`` a user from :func:`make_user` or None (started by a coordinator's
    batch, nobody's own). Returns the plan's id."""
    from m4eg.accounts.services import get_user
    from m4eg.plans import services
    from m4eg.plans.models import Cycle, PlanTemplate

    def make(slug="khirdalan", by=None):
        municipality_id = member_id(slug)
        with app.app_context():
            plan = services.start_plan(
                municipality_id, db.session.get(Cycle, plan_setup["cycle_id"]),
                get_user(by.id) if by is not None else None,
                db.session.get(PlanTemplate, plan_setup["template_id"]))
            db.session.commit()
            return plan.id

    return make


@pytest.fixture
def make_workshop(app):
    """A ULC workshop ``days`` from now (negative: already held) with ``capacity`` seats and
    none taken; returns its id."""
    from m4eg.core.time import utcnow
    from m4eg.workshops.models import Workshop

    def make(course_slug="community-listening", capacity=1, days=10, city_az="Şəki",
             city_en="Sheki", venue="Zal"):
        with app.app_context():
            start = utcnow() + timedelta(days=days)
            workshop = Workshop(course_slug=course_slug, city_az=city_az, city_en=city_en,
                                venue=venue, starts_at=start, ends_at=start + timedelta(hours=5),
                                registration_deadline=start - timedelta(days=1),
                                capacity=capacity, seats_taken=0)
            db.session.add(workshop)
            db.session.commit()
            return workshop.id

    return make


@pytest.fixture
def make_portfolio(app):
    """A portfolio of a municipality with ``options`` options of ``milestones`` milestones
    each (due every 30 days from ``first_due``, default 40 days ago); returns its id."""
    from m4eg.core import time as clock
    from m4eg.portfolios import services

    counter = iter(range(1, 10_000))

    def make(municipality_id, *, slug=None, track="urban_imaginaries", title_en=None,
             title_az=None, options=0, milestones=0, first_due=None):
        n = next(counter)
        with app.app_context():
            # The platform's day (Baku's), as the board's "overdue" reads it: not the machine's.
            first_due = first_due or clock.today() - timedelta(days=40)
            portfolio = services.save_portfolio(None, dict(
                slug=slug or f"test-portfolio-{n}", municipality_id=municipality_id,
                track=track, title_az=title_az or f"Sınaq portfeli {n}",
                title_en=title_en or f"Test portfolio {n}", intent_az="", intent_en="",
                theme_az="", theme_en="", sdgs=[11]))
            for k in range(options):
                option = services.save_option(portfolio, None, dict(
                    title_az=f"Seçim {k}", title_en=f"Option {k}", description_az="",
                    description_en="", partners="", grant_phase=""), actor=None)
                for m in range(milestones):
                    services.add_milestone(option, {
                        "title_az": f"Mərhələ {m}", "title_en": f"Milestone {m}",
                        "due_date": first_due + timedelta(days=m * 30)})
            db.session.commit()
            return portfolio.id

    return make


@pytest.fixture
def make_course_progress(app):
    """Enrol a user in a course (``enrolled_at``: when, default now) and mark ``lessons``
    (slugs) done; ``completed_at`` marks the course completed. Returns the enrolment's id."""
    from m4eg.accounts.services import record_ulc_registration
    from m4eg.courses.models import Enrolment, LessonProgress

    def make(user_id, course_slug="community-listening", *, enrolled_at=None,
             completed_at=None, lessons=()):
        with app.app_context():
            enrolment = Enrolment(user_id=user_id, course_slug=course_slug,
                                  completed_at=completed_at)
            if enrolled_at is not None:
                enrolment.enrolled_at = enrolled_at
            db.session.add(enrolment)
            db.session.flush()
            # As courses.services.enrol does: the person counts as registered at the ULC.
            record_ulc_registration(user_id, enrolment.enrolled_at)
            db.session.add_all(LessonProgress(user_id=user_id, course_slug=course_slug,
                                              lesson_slug=lesson) for lesson in lessons)
            db.session.commit()
            return enrolment.id

    return make


def log_in(client, email, password=PASSWORD, lang="az"):
    return client.post(f"/{lang}/accounts/login", data={"email": email, "password": password})


# How long a racing thread may take before the test calls it hung (a deadlock).
RACE_TIMEOUT = 30


def run_together(work, count: int, barrier: threading.Barrier) -> list:
    """Run ``work(index)`` in ``count`` threads at once and return what each returned. A
    thread that raises aborts ``barrier`` (so the others do not wait for it forever) and
    fails the test, as does a thread that has not finished after :data:`RACE_TIMEOUT`."""
    results: list = [None] * count
    crashed: list = []

    def run(index):
        try:
            results[index] = work(index)
        except BaseException as error:  # noqa: BLE001 - reported by the test, not lost
            crashed.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(RACE_TIMEOUT)
        assert not thread.is_alive(), "a save hung: deadlock?"
    assert not crashed, f"a thread crashed: {crashed!r}"
    return results


def race(app, jobs, *, refused=Conflict, barrier=None) -> list:
    """Run ``jobs`` (functions of the barrier) in threads at one moment, each in its own
    application context (its own session and connection). A job commits when it returns and
    rolls back when it raises ``refused`` (by default a version conflict). Returns one
    ("ok", value) or ("refused", error) per job."""
    barrier = barrier or threading.Barrier(len(jobs), timeout=RACE_TIMEOUT)

    def run(index):
        with app.app_context():
            try:
                value = jobs[index](barrier)
            except refused as error:
                db.session.rollback()
                return ("refused", error)
            db.session.commit()
            return ("ok", value)

    return run_together(run, len(jobs), barrier)


@pytest.fixture
def login_as(client, make_user):
    """Create a user with ``role`` and log the test client in as them."""

    def login(role="staff", **kwargs):
        user = make_user(role=role, **kwargs)
        client.post("/az/accounts/logout")  # switching users: end the previous session
        response = log_in(client, user.email, user.password)
        assert response.status_code == 302, "login failed in fixture"
        assert client.get("/az/accounts/profile").status_code == 200
        return user

    return login


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Inbox:
    """What a real SMTP server received. Requests only queue mail (the outbox); reading the
    inbox first runs the delivery worker's pass, as the worker would within seconds."""

    def __init__(self, app):
        self.app = app
        self.received = []

    def deliver(self):
        from m4eg.core import outbox

        with self.app.app_context():
            return outbox.deliver()

    @property
    def messages(self):
        self.deliver()
        return self.received

    @property
    def keys(self):
        return [message["X-M4EG-Message-Key"] for message in self.received]

    def wait_for(self, count=1, timeout=5.0):
        deadline = time.monotonic() + timeout
        self.deliver()
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received


class _Receiver:
    """aiosmtpd's handler (kept apart from the inbox: aiosmtpd inspects its handler's
    attributes, which would run the inbox's delivering properties inside the server)."""

    def __init__(self, received: list):
        self.received = received

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        # SMTP's CRLF line ends become "\n", as a mail program shows them.
        content = envelope.content.replace(b"\r\n", b"\n")
        self.received.append(email.message_from_bytes(content, policy=policy.default))
        return "250 Message accepted"


@pytest.fixture
def smtp_server():
    """Start and stop a real SMTP server on a free port: ``start(inbox) -> port``."""
    from aiosmtpd.controller import Controller

    controllers = []

    def start(handler, port=None):
        port = port or _free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return controller

    yield start
    for controller in controllers:
        with contextlib.suppress(AssertionError):  # already stopped by the test
            controller.stop()


@pytest.fixture
def outbox(app, smtp_server):
    """A real SMTP server on localhost; the app's queued mail is delivered there."""
    inbox = _Inbox(app)
    controller = smtp_server(_Receiver(inbox.received))
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    return inbox


@pytest.fixture
def roster(app, request):
    """The shipped roster of 55 members (reference data included)."""
    from m4eg.municipalities import services

    if not _loaded_from_start(request, "roster"):  # on SQLite usually there (sqlite_roster)
        with app.app_context():
            services.load_roster()
            db.session.commit()


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a ``with count_queries() as counter:`` block."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter)

    return counting


@pytest.fixture
def demonstrators(app, roster, request):
    """The six demonstrators' portfolios and events reported in seed 004."""
    from m4eg.portfolios.cli import load_demonstrators

    if not _loaded_from_start(request, "demonstrators"):  # usually there on SQLite
        with app.app_context():
            load_demonstrators()
            db.session.commit()
