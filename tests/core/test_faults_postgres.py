"""Faults: PostgreSQL restarted while the app serves.

Runs only on PostgreSQL (M4EG_TEST_DATABASE_URL) and when M4EG_TEST_PG_CTL holds a shell
command that restarts that cluster and waits until it accepts connections again (``.ci/run``
sets it for its throwaway cluster, e.g. ``pg_ctl -D DATA -m fast -w restart ...``). The
command must leave the server up: the rest of the suite uses the same cluster.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from sqlalchemy import select

from m4eg.courses import services as courses
from m4eg.courses.models import Enrolment, LessonProgress
from m4eg.extensions import db

from ..conftest import TEST_DATABASE_URL

PG_CTL = os.environ.get("M4EG_TEST_PG_CTL", "")

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgresql") or not PG_CTL,
    reason="needs M4EG_TEST_DATABASE_URL on PostgreSQL and M4EG_TEST_PG_CTL (a command that "
           "restarts that cluster)",
)


def _restart_postgres() -> None:
    result = subprocess.run(PG_CTL, shell=True, capture_output=True, text=True,  # noqa: S602
                            timeout=120)
    assert result.returncode == 0, f"M4EG_TEST_PG_CTL failed: {result.stdout}{result.stderr}"


def test_requests_after_a_postgres_restart_succeed_and_acknowledged_writes_survive(
        app, client, login_as):
    user = login_as("staff")
    with app.app_context():
        course = courses.courses()[0]
    first, second = course.lessons[0].slug, course.lessons[1].slug
    assert client.post(f"/en/courses/{course.slug}/enrol").status_code == 302
    done = client.post(f"/en/courses/{course.slug}/{first}/done")
    assert done.status_code == 302  # acknowledged before the restart
    # The pool now holds connections that the restart will cut.
    assert client.get("/en/courses/my-learning").status_code == 200

    _restart_postgres()

    # Every request after the restart is answered normally: the pool tests each connection
    # before handing it out (pool_pre_ping) instead of failing on a dead one with a 500.
    assert client.get("/en/courses/my-learning").status_code == 200
    assert client.get(f"/en/courses/{course.slug}/{second}").status_code == 200
    after = client.post(f"/en/courses/{course.slug}/{second}/done")
    assert after.status_code == 302
    assert client.get("/en/").status_code == 200

    with app.app_context():
        assert db.session.scalar(select(Enrolment).where(
            Enrolment.user_id == user.id, Enrolment.course_slug == course.slug)) is not None
        lessons = set(db.session.scalars(select(LessonProgress.lesson_slug).where(
            LessonProgress.user_id == user.id, LessonProgress.course_slug == course.slug)))
    assert {first, second} <= lessons
