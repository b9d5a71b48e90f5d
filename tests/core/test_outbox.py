"""The mail outbox as its users meet it: requests never wait on (or fail because of) the mail
server, every queued message arrives exactly once, and an administrator sees what could not
be delivered. The SMTP servers here are real (aiosmtpd), stopped and started by the tests."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from m4eg.core import outbox as queue
from m4eg.core.outbox import OutboxMessage
from m4eg.core.time import utcnow
from m4eg.extensions import db
from tests.conftest import _free_port, _Receiver

ROOT = Path(__file__).resolve().parents[2]


def _rows(app, **where):
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def _deliver(app):
    with app.app_context():
        return queue.deliver()


def test_requests_succeed_while_smtp_is_down_and_each_message_arrives_once_it_is_up(
        app, client, make_user, smtp_server):
    port = _free_port()  # nothing listens there yet: the mail server is down
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT_SECONDS=2)
    people = [make_user(preferred_language="en") for _ in range(3)]
    for person in people:
        response = client.post("/en/accounts/password/forgot", data={"email": person.email})
        assert response.status_code == 302  # answered at once, mail server or not
    assert [row.status for row in _rows(app)] == ["pending"] * 3

    first = _deliver(app)
    # The server is unreachable: one try, then the pass stops (one timeout per pass).
    assert first.retried == 1 and first.sent == 0
    tried, *untouched = _rows(app)
    assert tried.status == "pending" and "Errno" in tried.last_error
    assert tried.next_attempt_at.replace(tzinfo=None) > utcnow().replace(tzinfo=None)
    assert [(row.status, row.attempts) for row in untouched] == [("pending", 0)] * 2
    assert _deliver(app).sent == 0  # still down

    received = []
    smtp_server(_Receiver(received), port=port)  # the server is back
    with time_machine.travel(utcnow() + timedelta(minutes=5), tick=True):
        assert _deliver(app).sent == 3
        assert _deliver(app).touched == 0
    assert sorted(message["To"] for message in received) == sorted(p.email for p in people)
    keys = [message["X-M4EG-Message-Key"] for message in received]
    assert len(set(keys)) == 3 == len(keys)  # exactly once each
    assert {row.status for row in _rows(app)} == {"sent"}
    assert all("/en/accounts/password/reset/" in m.get_content() for m in received)


def test_nothing_is_mailed_for_a_change_that_was_rolled_back(app, outbox, make_user):
    user = make_user()
    with app.app_context():
        queue.queue_mail(user.email, "P4EG plan: Approved", "Hello")
        db.session.flush()
        db.session.rollback()  # the change failed: its message goes with it
    assert outbox.messages == []
    assert _rows(app) == []


def test_a_refused_address_is_shown_to_the_admin_who_can_queue_it_again(
        app, client, make_user, login_as, smtp_server):
    class Refusing(_Receiver):
        refuse = True

        async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
            if self.refuse:
                return "550 5.1.1 Mailbox unavailable"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    received = []
    handler = Refusing(received)
    controller = smtp_server(handler)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    person = make_user(preferred_language="en", email="leyla.mammadova@example.org")
    client.post("/en/accounts/password/forgot", data={"email": person.email})
    outcome = _deliver(app)
    assert outcome.failed == 1 and outcome.retried == 0  # 5xx: not worth trying again
    [row] = _rows(app)
    assert row.status == "failed" and "Mailbox unavailable" in row.last_error

    login_as("admin", preferred_language="en")
    page = client.get("/en/admin/mail")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "leyla.mammadova@example.org" in text and "Mailbox unavailable" in text
    assert "Undeliverable" in text and "Reset your M4EG password" in text

    handler.refuse = False
    response = client.post(f"/en/admin/mail/{row.id}/retry", follow_redirects=True)
    assert "The message is queued again" in response.get_data(as_text=True)
    assert _deliver(app).sent == 1
    assert [m["To"] for m in received] == [person.email]
    assert "Every message has been delivered." in client.get("/en/admin/mail").get_data(
        as_text=True)
    assert client.post(f"/en/admin/mail/{row.id}/retry").status_code == 404  # sent: not again


def test_two_workers_at_once_send_each_message_once(app, outbox, make_user):
    import threading

    user = make_user()
    with app.app_context():
        for number in range(12):
            queue.queue_mail(user.email, f"Message {number}", "Hello")
        db.session.commit()
    barrier = threading.Barrier(2)
    errors = []

    def work():
        try:
            with app.app_context():
                barrier.wait()
                queue.deliver()
        except Exception as error:  # reported below, not swallowed
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    subjects = sorted(m["Subject"] for m in outbox.received)
    assert subjects == sorted(f"Message {n}" for n in range(12))
    assert len(set(outbox.keys)) == 12


def test_a_worker_killed_between_sending_and_recording_does_not_send_again(
        app, database_url, make_user, smtp_server, tmp_path):
    """The receiving server kills the worker process the moment it has the message, before
    the worker can record it as sent. The restarted worker must not send it a second time;
    the row waits for an administrator as "perhaps sent", and new mail still flows."""
    worker = {}
    received = []

    class Killing(_Receiver):
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            result = await super().handle_DATA(server, session, envelope)
            if len(received) == 1:
                worker["process"].send_signal(signal.SIGKILL)
                worker["process"].wait(10)
            return result

    controller = smtp_server(Killing(received))
    user = make_user()
    with app.app_context():
        queue.queue_mail(user.email, "Your plan was approved", "Hello")
        db.session.commit()
    env = {**os.environ, "DATABASE_URL": database_url, "M4EG_ENV": "testing",
           "SECRET_KEY": "test-secret", "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(controller.port), "M4EG_OUTBOX_POLL_SECONDS": "1",
           "M4EG_OUTBOX_LEASE_SECONDS": "2", "PYTHONPATH": str(ROOT)}

    def start():
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "m4eg", "outbox",
                                 "work"], env=env, cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    worker["process"] = start()
    deadline = time.monotonic() + 60
    while worker["process"].poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert worker["process"].returncode == -signal.SIGKILL
    [row] = _rows(app)
    assert row.status == "sending"  # the kill came before "sent" was recorded

    with app.app_context():
        queue.queue_mail(user.email, "A new comment on your plan", "Hello")
        db.session.commit()
    worker["process"] = start()
    try:
        deadline = time.monotonic() + 60
        while len(received) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(3)  # past the lease: a resend, if any, would have happened by now
    finally:
        worker["process"].terminate()
        worker["process"].wait(10)
    assert [m["Subject"] for m in received] == ["Your plan was approved",
                                                "A new comment on your plan"]
    first, second = _rows(app)
    assert first.status == "uncertain" and "may or may not have arrived" in first.last_error
    assert second.status == "sent"


def test_without_a_mail_server_the_log_names_recipient_and_subject_but_keeps_the_link(
        app, client, make_user, caplog):
    user = make_user(preferred_language="en")
    client.post("/en/accounts/password/forgot", data={"email": user.email})
    with caplog.at_level(logging.WARNING, logger="m4eg.core.outbox"):
        assert _deliver(app).sent == 1
    assert user.email in caplog.text and "Reset your M4EG password" in caplog.text
    assert "/accounts/password/reset/" not in caplog.text  # M4EG_ENV=testing: no secret


def test_in_development_the_log_shows_the_whole_message(app, client, make_user, caplog):
    app.config["M4EG_ENV"] = "development"
    user = make_user(preferred_language="az")  # an Azerbaijani body travels as base64
    client.post("/en/accounts/password/forgot", data={"email": user.email})
    with caplog.at_level(logging.WARNING, logger="m4eg.core.outbox"):
        _deliver(app)
    assert "/az/accounts/password/reset/" in caplog.text  # the link, readable
    assert "Subject: M4EG şifrənizin bərpası" in caplog.text
    assert "Hörmətli" in caplog.text


def test_production_refuses_to_start_without_a_mail_server(tmp_path):
    from m4eg.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="MAIL_SERVER must be set"):
        load_config({"M4EG_ENV": "production", "SECRET_KEY": "x" * 40,
                         "PUBLIC_BASE_URL": "https://m4eg.example.org"}, instance_path=tmp_path)
    config = load_config({"M4EG_ENV": "production", "SECRET_KEY": "x" * 40,
                              "PUBLIC_BASE_URL": "https://m4eg.example.org",
                              "MAIL_SERVER": "smtp.example.org"}, instance_path=tmp_path)
    assert config["MAIL_SERVER"] == "smtp.example.org"


def test_a_database_hiccup_does_not_stop_the_worker(app, monkeypatch, outbox, make_user):
    import threading

    from sqlalchemy.exc import OperationalError

    user = make_user()
    calls = {"n": 0}
    original = queue.deliver

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:  # as when PostgreSQL restarts under the worker
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        return original(*args, **kwargs)

    monkeypatch.setattr(queue, "deliver", flaky)
    with app.app_context():
        queue.queue_mail(user.email, "Workshop seat confirmed", "Hello")
        db.session.commit()
    stop = threading.Event()

    def run():
        with app.app_context():
            queue.work(poll_seconds=0.05, stop=stop)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not outbox.received and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert calls["n"] >= 2 and not thread.is_alive()
    assert [m["Subject"] for m in outbox.received] == ["Workshop seat confirmed"]


def test_mail_and_its_delivery_do_not_empty_the_page_cache(app, client, roster, outbox,
                                                           make_user):
    person = make_user(preferred_language="en")
    assert client.get("/en/municipalities/").headers["X-Page-Cache"] == "miss"
    assert client.get("/en/municipalities/").headers["X-Page-Cache"] == "hit"
    other = app.test_client()
    other.post("/en/accounts/password/forgot", data={"email": person.email})  # queues a mail
    assert outbox.wait_for(1)  # and the worker's pass records it as sent
    assert client.get("/en/municipalities/").headers["X-Page-Cache"] == "hit"
