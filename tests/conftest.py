"""Shared fixtures: a fresh schema per test, factory fixtures, a real SMTP server.

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
import socket
import time
import uuid
from email import policy
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from m4eg import create_app
from m4eg.extensions import db

TEST_DATABASE_URL = os.environ.get("M4EG_TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("M4EG_TEST_REDIS_URL", "")
PASSWORD = "correct horse battery"
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


def _reset_schema() -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.create_all()


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


@pytest.fixture
def make_app(database_url, tmp_path, backend):
    """Build an app on the test database; keyword arguments override settings. Every app's
    connections are closed at the end of the test (an unclosed one warns, and warnings fail)."""
    apps = []
    redis = redis_settings(TEST_REDIS_URL) if backend == "redis" else {}

    def make(**overrides):
        config = {
            "TESTING": True,
            "M4EG_ENV": "testing",
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "MAIL_SERVER": "",
            "RATELIMIT_STORAGE_URI": "memory://",
            "CACHE_GENERATION_FILE": str(tmp_path / "cache-generation"),
            **redis,
        }
        config.update(overrides)
        app = create_app(config)
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
def app(make_app):
    app = make_app()
    with app.app_context():
        _reset_schema()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
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


@pytest.fixture
def make_user(app, make_municipality):
    """Create a user; returns a plain namespace (id, email, password, role, municipality_id)."""
    from m4eg.accounts.models import User
    from m4eg.accounts.services import hash_password
    from m4eg.core.time import utcnow

    counter = iter(range(1, 10_000))

    def make(role="staff", email=None, password=PASSWORD, municipality_id=..., name=None,
             preferred_language="az", confirmed=True):
        """``confirmed``: the municipality has confirmed that the person works for it (as
        its focal point or a coordinator would); False for a mere claim."""
        n = next(counter)
        if municipality_id is ...:
            municipality_id = (
                None if role in {"coordinator", "admin"} else make_municipality().id
            )
        with app.app_context():
            user = User(
                email=email or f"{role}{n}@test.example", name=name or f"Test {role} {n}",
                password_hash=hash_password(password), role=role,
                municipality_id=municipality_id, position="Tester", sex="not_stated",
                preferred_language=preferred_language,
                municipality_confirmed_at=utcnow() if confirmed and municipality_id else None,
            )
            db.session.add(user)
            db.session.commit()
            return SimpleNamespace(id=user.id, email=user.email, password=password, role=role,
                                   municipality_id=municipality_id, name=user.name)

    return make


def log_in(client, email, password=PASSWORD, lang="az"):
    return client.post(f"/{lang}/accounts/login", data={"email": email, "password": password})


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
def roster(app):
    """The shipped roster of 55 members (reference data included)."""
    from m4eg.municipalities import services

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
def demonstrators(app, roster):
    """The six demonstrators' portfolios and events reported in seed 004."""
    from m4eg.portfolios.cli import load_demonstrators

    with app.app_context():
        load_demonstrators()
        db.session.commit()
