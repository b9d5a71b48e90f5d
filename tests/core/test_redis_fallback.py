"""Redis going down turns no page into a 500: sign-ins stay throttled (in memory), the page
cache stays correct (on the generation file), the log says so once, and Redis is used again
once it is back. The test runs a redis-server of its own and kills it."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import time

import pytest

from tests.conftest import PASSWORD, forget_redis_keys, log_in, redis_settings

REDIS_SERVER = "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisProcess:
    def __init__(self, workdir):
        self.port, self.workdir, self.process = _free_port(), workdir, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(  # noqa: S603 - a fixed path and our own arguments
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                with redis.Redis.from_url(self.url) as client:
                    client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def stored_keys(self) -> list[str]:
        import redis

        with redis.Redis.from_url(self.url) as client:
            return [key.decode() for key in client.keys("*")]


@pytest.fixture
def redis_process(tmp_path):
    if not os.access(REDIS_SERVER, os.X_OK):
        pytest.skip(f"{REDIS_SERVER} is not installed (Debian package redis-server): the "
                    "Redis fault test needs a server it can kill")
    server = RedisProcess(tmp_path)
    server.start()
    yield server
    server.kill()


def _add_member(site, name_en: str) -> None:
    """A new member, written through ``site`` (whose cache generation the write moves)."""
    from m4eg.extensions import db
    from m4eg.municipalities.models import Municipality

    with site.app_context():
        member = Municipality(code=name_en[:20], slug=name_en.lower().replace(" ", "-"),
                              type="village", status="active")
        member.set_names(f"{name_en} kəndi", name_en)
        db.session.add(member)
        db.session.commit()


def _wrong_passwords_until_refused(client, email, tries=10) -> int:
    for attempt in range(tries):
        response = log_in(client, email, "a wrong guess", lang="en")
        assert response.status_code in {200, 429}
        if response.status_code == 429:
            return attempt
    raise AssertionError("never throttled")


def test_redis_down_falls_back_and_redis_is_used_again_when_back(
        app, roster, make_app, make_user, redis_process, caplog):
    caplog.set_level(logging.INFO)
    settings = redis_settings(redis_process.url)
    prefix = settings["REDIS_KEY_PREFIX"]
    site = make_app(**settings, REDIS_RETRY_SECONDS=0)
    visitor = site.test_client()
    first, second = make_user(), make_user()
    visitor.get("/en/municipalities/?q=zz")
    assert visitor.get("/en/municipalities/?q=zz").headers["X-Page-Cache"] == "hit"
    assert log_in(site.test_client(), first.email, "a wrong guess", lang="en").status_code == 200
    assert any("login" in key for key in redis_process.stored_keys())  # counted in Redis

    redis_process.kill()
    # Many requests, no 500, and the per-account limit still holds (counted in memory).
    assert _wrong_passwords_until_refused(site.test_client(), second.email) == 5
    assert log_in(site.test_client(), second.email, PASSWORD, lang="en").status_code == 429
    assert log_in(site.test_client(), first.email, PASSWORD, lang="en").status_code == 302
    # The page cache goes on, on the file: served again, and emptied by a write.
    assert visitor.get("/en/municipalities/?q=zz").headers["X-Page-Cache"] == "miss"
    assert visitor.get("/en/municipalities/?q=zz").headers["X-Page-Cache"] == "hit"
    _add_member(site, "ZZ-Outage Village")
    during = visitor.get("/en/municipalities/?q=zz")
    assert during.status_code == 200 and during.headers["X-Page-Cache"] == "miss"
    assert "ZZ-Outage Village" in during.get_data(as_text=True)
    warnings = [record.getMessage() for record in caplog.records
                if record.levelno == logging.WARNING and "unreachable" in record.getMessage()]
    assert len([m for m in warnings if m.startswith("Page cache: Redis is unreachable")]) == 1
    assert len([m for m in warnings if m.startswith("Login throttle: Redis is unreachable")]) == 1

    redis_process.start()  # the same port, empty (no persistence)
    try:
        _add_member(site, "ZZ-After Village")
        after = visitor.get("/en/municipalities/?q=zz")
        assert after.headers["X-Page-Cache"] == "miss"
        assert "ZZ-After Village" in after.get_data(as_text=True)
        assert visitor.get("/en/municipalities/?q=zz").headers["X-Page-Cache"] == "hit"
        assert log_in(site.test_client(), first.email, "typo", lang="en").status_code == 200
        keys = redis_process.stored_keys()
        assert f"{prefix}:cache-generation" in keys
        assert any(key.startswith(f"{prefix}:limits") and "login" in key for key in keys)
        assert any("Page cache: Redis answers again" in record.getMessage()
                   for record in caplog.records)
        # Flask-Limiter asks its storage again after a back-off of its own (seconds).
        deadline = time.monotonic() + 20
        while not any("LIMITER" in key and "accounts.login" in key
                      for key in redis_process.stored_keys()):
            assert time.monotonic() < deadline, "Flask-Limiter never went back to Redis"
            time.sleep(1)
            assert log_in(site.test_client(), first.email, lang="en").status_code == 302
    finally:
        forget_redis_keys(redis_process.url, prefix)
