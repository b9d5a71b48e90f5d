"""The simulated users of the soak run (bench/soak.py), as Locust users.

Not meant to be started by hand: bench/soak.py prepares the database, writes the world
(accounts, courses, plan template, workshops) to the JSON file named by M4EG_SOAK_WORLD and
runs ``locust -f bench/soak_locustfile.py --headless``. When the run stops, this file writes
the ledger of writes and the status counts to the files named in the world, which soak.py
then checks against the database.

Locust (https://locust.io) drives the load: it spawns the users as greenlets, paces them
(``wait_time``), and keeps the per-endpoint statistics (count, failures, percentiles) that
soak.py prints from its CSV files. What Locust does not know is whether a write the server
acknowledged was kept; that is the ledger.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak import SOAK_PASSWORD, fill_block  # noqa: E402

WORLD = json.loads(Path(os.environ["M4EG_SOAK_WORLD"]).read_text())
LANGS = ("az", "en")
FLASH_SUCCESS = 'class="flash flash-success"'
FLASH_INFO = 'class="flash flash-info"'
_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VERSION = re.compile(r'<input[^>]*name="version"[^>]*>')
_VALUE = re.compile(r'value="([^"]*)"')


def input_value(pattern: re.Pattern, body: str) -> str | None:
    tag = pattern.search(body)
    value = _VALUE.search(tag.group(0)) if tag else None
    return value.group(1) if value else None


# ------------------------------------------------------------------------------------------
# Shared state: every greenlet of this process appends to the same lists. gevent runs one
# greenlet at a time, but a lock keeps the ledger right under threads too (Locust patches
# `threading` to gevent's, so the lock costs nothing).

_lock = threading.Lock()
LEDGER: list[dict] = []
STATUSES: Counter = Counter()
SAMPLES: list[dict] = []  # 5xx and connection errors, with what was sent
ANOMALIES: Counter = Counter()
_accounts = {role: list(WORLD["accounts"][role]) for role in WORLD["accounts"]}
_submitted: list[int] = []  # plans whose submission was acknowledged, for the coordinators


def record(kind: str, outcome: str, user_id: int, **data) -> None:
    with _lock:
        LEDGER.append({"kind": kind, "outcome": outcome, "user_id": user_id, "data": data,
                       "seq": len(LEDGER), "at": time.time()})
        if kind == "submission" and outcome == "acked":
            _submitted.append(data["plan_id"])


def anomaly(name: str, path: str, status: int, detail: str = "") -> None:
    with _lock:
        ANOMALIES[name] += 1
        if len(SAMPLES) < 200:
            SAMPLES.append({"kind": "anomaly", "name": name, "path": path, "status": status,
                            "detail": detail[:300], "at": time.time()})


def take_account(role: str) -> dict | None:
    with _lock:
        return _accounts[role].pop(0) if _accounts[role] else None


def claim_submitted() -> int | None:
    with _lock:
        return _submitted.pop(0) if _submitted else None


@events.request.add_listener
def _count(request_type, name, response, exception, **_kw):
    status = getattr(response, "status_code", 0) or 0
    with _lock:
        STATUSES[status] += 1
        if (status == 0 or status >= 500) and len(SAMPLES) < 200:
            SAMPLES.append({"kind": "server", "name": f"{request_type} {name}",
                            "path": getattr(getattr(response, "request", None), "path_url", ""),
                            "status": status, "detail": str(exception or "")[:300],
                            "at": time.time()})


def _dump(**_kw) -> None:
    with _lock:
        Path(WORLD["ledger_path"]).write_text(json.dumps(LEDGER, ensure_ascii=False))
        Path(WORLD["client_stats_path"]).write_text(json.dumps(
            {"statuses": {str(k): v for k, v in STATUSES.items()}, "samples": SAMPLES,
             "anomalies": dict(ANOMALIES)}, ensure_ascii=False))


events.test_stop.add_listener(_dump)
events.quitting.add_listener(_dump)


def _send_over_http(jar) -> None:
    """Let the Secure cookies go over plain http: in production the session cookie is Secure
    and TLS ends at the reverse proxy, which this run has not got. (A cookie policy would not
    do: requests copies the jar into a fresh one, with the default policy, for each
    request.)"""
    for cookie in jar:
        cookie.secure = False


# ------------------------------------------------------------------------------------------


class Visitor(HttpUser):
    """Someone who is not signed in, browsing the public pages in az or en."""

    abstract = False
    weight = 3
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.rng = random.Random()  # noqa: S311 - a workload, not a secret
        self.lang = self.rng.choice(LANGS)
        self.csrf = ""

    def url(self, path: str) -> str:
        return f"/{self.lang}{path}"

    def get(self, path: str, name: str, allow_redirects: bool = True):
        response = self.client.get(path, name=name, allow_redirects=allow_redirects)
        _send_over_http(self.client.cookies)
        token = input_value(_CSRF, response.text or "")
        if token:
            self.csrf = token
        return response

    def post(self, path: str, name: str, form: list, headers=None):
        """A form post with the CSRF token of the last page; the redirect is not followed."""
        response = self.client.post(path, name=name, data=[("csrf_token", self.csrf), *form],
                                    headers=headers, allow_redirects=False)
        _send_over_http(self.client.cookies)
        return response

    def follow(self, response, name: str):
        target = urlsplit(response.headers.get("Location", ""))
        path = target.path + (f"?{target.query}" if target.query else "")
        return self.get(path, name)

    @task(6)
    def home(self):
        self.get(self.url("/"), "/{lang}/")

    @task(6)
    def members(self):
        self.get(self.url("/municipalities/"), "/{lang}/municipalities/")
        self.get(self.url(f"/municipalities/{self.rng.choice(WORLD['municipalities'])}"),
                 "/{lang}/municipalities/{slug}")

    @task(4)
    def demonstrators(self):
        self.get(self.url("/portfolios/"), "/{lang}/portfolios/")
        if WORLD["portfolios"]:
            self.get(self.url(f"/portfolios/{self.rng.choice(WORLD['portfolios'])}"),
                     "/{lang}/portfolios/{slug}")

    @task(4)
    def courses(self):
        self.get(self.url("/courses/"), "/{lang}/courses/")
        self.get(self.url(f"/courses/{self.rng.choice(WORLD['courses'])['slug']}"),
                 "/{lang}/courses/{course}")

    @task(1)
    def workshops(self):
        self.get(self.url("/workshops/"), "/{lang}/workshops/")


class _Member(Visitor):
    """A signed-in user; the subclasses say which role's accounts they take."""

    abstract = True
    role = ""

    def on_start(self):
        super().on_start()
        self.account = take_account(self.role)
        if self.account is None:  # more users of this kind than accounts: browse only
            return
        self.lang = self.account["language"]
        self.login()

    def login(self) -> bool:
        self.get(self.url("/accounts/login"), "/{lang}/accounts/login")
        response = self.post(self.url("/accounts/login"), "/{lang}/accounts/login", [
            ("email", self.account["email"]), ("password", SOAK_PASSWORD), ("next", "")])
        if response.status_code != 302:
            anomaly(f"{self.role} login refused", "login", response.status_code)
            self.account = None
            return False
        self.follow(response, "/{lang}/ (after login)")
        return True

    def lost_session(self, response) -> bool:
        if response.status_code == 302 and "/accounts/login" in response.headers.get(
                "Location", ""):
            anomaly("session lost (redirect to login)", response.url, 302)
            return True
        return False

    @property
    def uid(self) -> int:
        return self.account["user_id"]


class Staff(_Member):
    """Municipal staff: enrol in courses, read lessons, sign up for workshops."""

    weight = 4
    role = "staff"

    def on_start(self):
        super().on_start()
        self.enrolled: set[str] = set()
        self.done: dict[str, set[str]] = {}
        self.registered: set[int] = set()

    @task(12)
    def learn(self):
        if self.account is None:
            return self.home()
        open_courses = [c for c in WORLD["courses"] if c["slug"] not in self.enrolled]
        if open_courses and (not self.enrolled or self.rng.random() < 0.2):
            return self.enrol(self.rng.choice(open_courses))
        if not self.enrolled:
            return None
        course = self.rng.choice([c for c in WORLD["courses"] if c["slug"] in self.enrolled])
        done = self.done.setdefault(course["slug"], set())
        todo = [lesson for lesson in course["lessons"] if lesson not in done]
        return self.read_lesson(course, todo[0] if todo else self.rng.choice(course["lessons"]))

    def enrol(self, course: dict):
        slug = course["slug"]
        self.get(self.url(f"/courses/{slug}"), "/{lang}/courses/{course}")
        response = self.post(self.url(f"/courses/{slug}/enrol"), "/{lang}/courses/{course}/enrol",
                             [])
        if response.status_code == 0 or response.status_code >= 500:
            return record("enrolment", "unknown", self.uid, course=slug)
        if self.lost_session(response):
            return None
        page = self.follow(response, "/{lang}/courses/{course}") if response.status_code == 302 \
            else response
        if response.status_code == 302 and FLASH_SUCCESS in page.text:
            self.enrolled.add(slug)
            return record("enrolment", "acked", self.uid, course=slug)
        return anomaly("enrol: no success flash", slug, response.status_code)

    def read_lesson(self, course: dict, lesson: str):
        slug = course["slug"]
        path = self.url(f"/courses/{slug}/{lesson}")
        page = self.get(path, "/{lang}/courses/{course}/{lesson}", allow_redirects=False)
        if page.status_code != 200:
            return None if self.lost_session(page) else anomaly(
                "lesson: not 200", path, page.status_code)
        index = course["lessons"].index(lesson)
        expected = (self.url(f"/courses/{slug}/{course['lessons'][index + 1]}")
                    if index + 1 < len(course["lessons"]) else self.url(f"/courses/{slug}/quiz"))
        response = self.post(f"{path}/done", "/{lang}/courses/{course}/{lesson}/done", [])
        if response.status_code == 0 or response.status_code >= 500:
            return record("lesson", "unknown", self.uid, course=slug, lesson=lesson)
        if (response.status_code == 302
                and urlsplit(response.headers.get("Location", "")).path == expected):
            self.done.setdefault(slug, set()).add(lesson)
            return record("lesson", "acked", self.uid, course=slug, lesson=lesson)
        return None if self.lost_session(response) else anomaly(
            "lesson done: unexpected answer", path, response.status_code)

    @task(4)
    def workshop(self):
        if self.account is None or not WORLD["workshops"]:
            return None
        workshop_id = self.rng.choice(WORLD["workshops"])
        path = self.url(f"/workshops/{workshop_id}")
        self.get(path, "/{lang}/workshops/{id}")
        if workshop_id in self.registered:
            return None
        response = self.post(f"{path}/register", "/{lang}/workshops/{id}/register", [])
        if response.status_code == 0 or response.status_code >= 500:
            return record("workshop", "unknown", self.uid, workshop_id=workshop_id)
        if self.lost_session(response) or response.status_code != 302:
            return anomaly("workshop: not redirected", path, response.status_code)
        page = self.follow(response, "/{lang}/workshops/{id}")
        if FLASH_SUCCESS in page.text or FLASH_INFO in page.text:  # a seat, or the waitlist
            self.registered.add(workshop_id)
            return record("workshop", "acked", self.uid, workshop_id=workshop_id)
        return anomaly("workshop: no confirmation", path, page.status_code)

    @task(2)
    def my_learning(self):
        if self.account is not None:
            self.get(self.url("/courses/my-learning"), "/{lang}/courses/my-learning")


class FocalPoint(_Member):
    """The focal point of one municipality: starts its plan, saves sections, submits. Each
    soak focal point has a municipality of its own, so every plan has exactly one writer."""

    weight = 0
    fixed_count = len(WORLD["accounts"]["focal_point"])
    role = "focal_point"
    wait_time = between(1, 3)

    def on_start(self):
        super().on_start()
        self.plan_id: int | None = None
        self.status = "none"
        self.completer = self.rng.random() < WORLD["completer_share"]
        self.complete: set[str] = set()
        self.saves = 0

    @task(40)
    def work_on_plan(self):
        if self.account is None:
            return self.home()
        if self.plan_id is None:
            return self.start_plan()
        if self.status != "draft":
            return self.get(self.url(f"/plans/{self.plan_id}"), "/{lang}/plans/{id}")
        keys = [b["key"] for b in WORLD["blocks"]]
        if self.completer and len(self.complete) == len(keys):
            return self.submit()
        todo = [k for k in keys if k not in self.complete]
        key = todo[0] if self.completer and todo else self.rng.choice(keys)
        return self.save_block(next(b for b in WORLD["blocks"] if b["key"] == key))

    def start_plan(self):
        index = self.get(self.url("/plans/"), "/{lang}/plans/")
        existing = re.search(rf'href="/{self.lang}/plans/(\d+)"', index.text or "")
        if existing:  # started by an attempt whose answer was lost
            self.plan_id, self.status = int(existing[1]), "draft"
            return None
        response = self.post(self.url("/plans/start"), "/{lang}/plans/start",
                             [("cycle_id", str(WORLD["cycle_id"]))])
        if response.status_code == 0 or response.status_code >= 500:
            return record("plan_start", "unknown", self.uid)
        match = re.fullmatch(r"/(?:az|en)/plans/(\d+)",
                             urlsplit(response.headers.get("Location", "")).path)
        if response.status_code == 302 and match:
            self.plan_id, self.status = int(match[1]), "draft"
            return record("plan_start", "acked", self.uid, plan_id=self.plan_id,
                          municipality_id=self.account["municipality_id"])
        return anomaly("plan start refused", "plans/start", response.status_code)

    def save_block(self, block: dict):
        key = block["key"]
        path = self.url(f"/plans/{self.plan_id}/blocks/{key}")
        page = self.get(path, "/{lang}/plans/{id}/blocks/{block}", allow_redirects=False)
        if page.status_code != 200:
            return None if self.lost_session(page) else anomaly(
                "block page: not 200", path, page.status_code)
        version = int(input_value(_VERSION, page.text) or 0)  # as the form carries it
        full = self.completer or self.rng.random() < 0.3
        self.saves += 1
        tag = f"[{self.account['email']} #{self.saves}]"
        form, content = fill_block(block, self.rng, tag, full, self.lang)
        form.append(("version", str(version)))
        data = {"plan_id": self.plan_id, "block": key, "content": content,
                "version_sent": version}
        response = self.post(path, "/{lang}/plans/{id}/blocks/{block}", form)
        if response.status_code == 0 or response.status_code >= 500:
            return record("block_save", "unknown", self.uid, **data)
        if (response.status_code == 302 and urlsplit(response.headers.get("Location", "")).path
                == self.url(f"/plans/{self.plan_id}")):
            final = self.follow(response, "/{lang}/plans/{id}")
            if FLASH_SUCCESS not in final.text:
                anomaly("block save: no 'Saved.' flash", path, final.status_code)
            (self.complete.add if full else self.complete.discard)(key)
            return record("block_save", "acked", self.uid, version_after=version + 1, **data)
        if self.lost_session(response):
            return None
        errors = re.findall(r'<div class="form-errors"[^>]*>(.*?)</div>', response.text, re.S)
        return anomaly(f"block save refused (HTTP {response.status_code})", path,
                       response.status_code, " ".join(errors))

    def submit(self):
        path = self.url(f"/plans/{self.plan_id}")
        self.get(path, "/{lang}/plans/{id}")
        response = self.post(f"{path}/submit", "/{lang}/plans/{id}/submit", [])
        if response.status_code == 0 or response.status_code >= 500:
            self.status = "unknown"
            return record("submission", "unknown", self.uid, plan_id=self.plan_id)
        location = urlsplit(response.headers.get("Location", ""))
        if response.status_code == 302 and location.path == path and not location.fragment:
            final = self.follow(response, "/{lang}/plans/{id}")
            if FLASH_SUCCESS in final.text:
                self.status = "submitted"
                return record("submission", "acked", self.uid, plan_id=self.plan_id)
        # Refused (a section this client believes complete is not): leave the plan alone.
        self.status = "refused"
        return anomaly(f"submission refused (HTTP {response.status_code})", path,
                       response.status_code)


class Coordinator(_Member):
    """A national coordinator: reads the queue, takes submitted plans into review and
    approves some of them."""

    weight = 0
    fixed_count = len(WORLD["accounts"]["coordinator"])
    role = "coordinator"
    wait_time = between(2, 5)

    @task(20)
    def review(self):
        if self.account is None:
            return self.home()
        self.get(self.url("/plans/queue"), "/{lang}/plans/queue")
        plan_id = claim_submitted()
        if plan_id is None:
            return None
        path = self.url(f"/plans/{plan_id}")
        self.get(path, "/{lang}/plans/{id}")
        if not self._act(plan_id, "review", "review"):
            return None
        if self.rng.random() < 0.5:
            self.get(f"{path}/approve", "/{lang}/plans/{id}/approve")
            self._act(plan_id, "approve", "approval")
        return None

    def _act(self, plan_id: int, action: str, kind: str) -> bool:
        path = self.url(f"/plans/{plan_id}")
        response = self.post(f"{path}/{action}", f"/{{lang}}/plans/{{id}}/{action}", [])
        if response.status_code == 0 or response.status_code >= 500:
            record(kind, "unknown", self.uid, plan_id=plan_id)
            return False
        if response.status_code == 302:
            final = self.follow(response, "/{lang}/plans/{id}")
            if FLASH_SUCCESS in final.text:
                record(kind, "acked", self.uid, plan_id=plan_id)
                return True
        anomaly(f"{action} refused (HTTP {response.status_code})", path, response.status_code)
        return False
