"""Soak test: Locust users against gunicorn, then a check that every write the server
acknowledged is in the database and every queued mail was delivered exactly once.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/soak.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:54331/m4eg_soak \\
        --users 64 --minutes 5 --smtp-outage-seconds 60

What it does, in order (see bench/README.md, "Load and soak"):

1. Prepares the database named by --database-url from nothing: drops and re-creates it (only
   a database whose name contains "soak", unless --allow-any-database), runs
   ``flask db upgrade`` and ``flask demo load``, then creates the soak accounts with the
   app's models: focal points (each of a municipality with no plan and no other user, so each
   plan has exactly one writer), coordinators, staff, and a few workshops open for sign-up.
2. Starts the SMTP sink (aiosmtpd, in a child process of this script, recording the
   X-M4EG-Message-Key header of each message it receives), gunicorn as in production
   (``M4EG_ENV=production``, several sync workers) with MAIL_SERVER pointing at the sink, and
   the outbox worker (``flask outbox work``) when the app has one.
3. Runs Locust headless (bench/soak_locustfile.py) for --minutes: visitors browsing public
   pages in az and en, staff enrolling, reading lessons and signing up for workshops, focal
   points saving plan sections (CSRF token and section version read from the form, numbers
   typed as the page's language writes them) and submitting, coordinators taking submitted
   plans into review and approving them. Every write the server acknowledged goes into a
   ledger. With --smtp-outage-seconds the sink is stopped for that long in the middle.
4. Stops gunicorn, checks the ledger against the database, waits (--mail-wait) for the
   outbox to be all 'sent' and compares it with what the sink received, scans gunicorn's log
   for tracebacks and prints a report. Exits 1 on any 5xx, lost write or mail problem.

Run by hand; never part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import email
import email.policy
import http.client
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOAK_PASSWORD = "m4eg-soak-2026"  # noqa: S105 - throwaway accounts in a throwaway database
LANGS = ("az", "en")
KEY_HEADER = "X-M4EG-Message-Key"

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


def create_accounts(app, users: int, focal_wanted: int, coordinators: int,
                    rng: random.Random) -> dict[str, list[dict]]:
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
        focal_count = min(focal_wanted, len(free))
        password_hash = accounts.hash_password(SOAK_PASSWORD)  # once: argon2 is slow on purpose
        roles = (["focal_point"] * focal_count + ["coordinator"] * coordinators
                 + ["staff"] * users)  # a staff account for every user: never short of them
        created = []
        for number, role in enumerate(roles, start=1):
            municipality = (free[number - 1] if role == "focal_point"
                            else None if role == "coordinator" else rng.choice(active))
            user = User(
                email=f"soak-{number:03d}@example.org", name=f"Soak user {number:03d} (load test)",
                password_hash=password_hash, role=role,
                municipality_id=municipality.id if municipality else None, position="Load test",
                sex=rng.choice(("female", "male", "not_stated")),
                preferred_language=rng.choice(LANGS), is_demo=True,
                # Confirmed affiliation: without it a focal point may not touch its plan.
                municipality_confirmed_at=datetime.now(UTC) if municipality else None,
            )
            db.session.add(user)
            created.append(user)
        db.session.commit()
        out = {"focal_point": [], "coordinator": [], "staff": []}
        for user in created:
            out[user.role].append({"email": user.email, "user_id": user.id,
                                   "municipality_id": user.municipality_id,
                                   "language": user.preferred_language})
        return out


def create_workshops(app, count: int, capacity: int) -> list[int]:
    """Workshops open for sign-up, small enough that some people land on the waitlist."""
    from m4eg.extensions import db
    from m4eg.workshops import services as workshops
    from m4eg.workshops.models import Workshop

    with app.app_context():
        slugs = [c.slug for c in workshops.course_list()]
        now = datetime.now(UTC)
        made = []
        for number in range(count):
            workshop = Workshop(
                course_slug=slugs[number % len(slugs)], city_az="Gəncə", city_en="Ganja",
                venue=f"Soak hall {number + 1}", starts_at=now + timedelta(days=30 + number),
                ends_at=now + timedelta(days=30 + number, hours=4), capacity=capacity,
                registration_deadline=now + timedelta(days=20), is_demo=True)
            db.session.add(workshop)
            made.append(workshop)
        db.session.commit()
        return [w.id for w in made]


def read_world(app) -> dict:
    """What the users need to know, as plain JSON for the Locust process."""
    from sqlalchemy import select

    from m4eg.courses import services as courses
    from m4eg.extensions import db
    from m4eg.municipalities.models import Municipality
    from m4eg.plans import services as plans
    from m4eg.plans.models import Cycle
    from m4eg.portfolios.models import Portfolio

    with app.app_context():
        cycle = db.session.scalar(select(Cycle).where(Cycle.is_demo.is_(True)))
        template = plans.latest_template()
        for block in template.blocks:
            columns = [c for f in block["fields"] for c in f.get("columns", [])]
            for item in block["fields"] + columns:
                if item["type"] not in ("text", "number", "choice", "table", "date", "sdgs"):
                    sys.exit(f"the plan template has a field type this script cannot fill: "
                             f"{item['type']} ({block['key']}.{item['key']})")
        return {
            "courses": [{"slug": c.slug, "lessons": list(c.lesson_slugs)}
                        for c in courses.courses()],
            "municipalities": list(db.session.scalars(select(Municipality.slug))),
            "portfolios": list(db.session.scalars(select(Portfolio.slug))),
            "cycle_id": cycle.id, "blocks": list(template.blocks),
        }


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


def _number_value(rng: random.Random, spec: dict, lang: str) -> tuple[str, int | float]:
    """A number as a person types it on a page in ``lang`` ("1.234,5" in az, "1,234.5" in
    en, sometimes "12 500" with a space) and the value the app must store."""
    low = spec.get("min", 0)
    high = min(spec.get("max", low + 1_000_000), low + 1_000_000)
    value = rng.randint(int(low), int(high))
    group, decimal = (".", ",") if lang == "az" else (",", ".")
    grouped = f"{value:,}".replace(",", " " if rng.random() < 0.2 else group)
    if spec.get("year") or spec.get("key") == "year":
        return str(value), value  # years are written without grouping ("2029")
    if spec.get("integer") or rng.random() < 0.6 or value >= high:
        return (grouped if value >= 1000 and rng.random() < 0.7 else str(value)), value
    return f"{grouped}{decimal}5", value + 0.5


def _cell_value(rng: random.Random, column: dict, tag: str, row_start: date | None,
                lang: str):
    """(typed, stored) for a table cell."""
    kind = column["type"]
    if kind == "number":
        return _number_value(rng, column, lang)
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


def fill_block(block: dict, rng: random.Random, tag: str, full: bool, lang: str = "az"):
    """Form pairs for saving ``block`` and the content the app must store for them.

    ``full`` fills every field (a block a submission accepts); otherwise each field is left
    empty with some probability, as in a draft."""
    from m4eg.plans import blockform

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
                    name = blockform.cell_name(key, index, column["key"])
                    if not full and not column.get("required") and rng.random() < 0.3:
                        form.append((name, ""))
                        stored[column["key"]] = _EMPTY_CELL[column["type"]]
                        continue
                    typed, value = _cell_value(rng, column, f"{tag} r{index + 1}",
                                               start, lang)
                    if column["key"] == "start":
                        start = date.fromisoformat(value)
                    form.append((name, typed))
                    stored[column["key"]] = value
                stored_rows.append(stored)
            # The page always offers one blank row more; blank rows are dropped on save.
            form += [(blockform.cell_name(key, len(rows), c["key"]), "") for c in spec["columns"]]
            form.append((blockform.rows_name(key), str(len(rows) + 1)))
            content[key] = stored_rows
        elif empty:
            form.append((blockform.field_name(key), ""))
            content[key] = "" if kind == "text" else None
        elif kind == "text":
            typed, stored = _text_value(rng, f"{tag} {key}")
            form.append((blockform.field_name(key), typed))
            content[key] = stored
        elif kind == "number":
            typed, stored = _number_value(rng, spec, lang)
            form.append((blockform.field_name(key), typed))
            content[key] = stored
        else:  # choice
            choice = rng.choice(spec["choices"])["key"]
            form.append((blockform.field_name(key), choice))
            content[key] = choice
    return form, content


# ------------------------------------------------------------------------------------------
# gunicorn


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def app_env(args, url: str) -> dict:
    """The environment of gunicorn and of the outbox worker: production, mail to the sink."""
    env = {**os.environ, "M4EG_ENV": "production", "SECRET_KEY": args.secret_key,
           "DATABASE_URL": url, "PUBLIC_BASE_URL": f"http://127.0.0.1:{args.port}",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(args.smtp_port),
           "MAIL_USE_TLS": "false", "MAIL_USE_SSL": "false"}
    for name in ("MAIL_USERNAME", "MAIL_PASSWORD"):
        env.pop(name, None)
    # Locust users all connect from 127.0.0.1: per-address limits would throttle the whole
    # run as one person, so they are off unless asked for.
    env["RATELIMIT_ENABLED"] = "true" if args.rate_limits == "on" else "false"
    env["RATELIMIT_STORAGE_URI"] = args.ratelimit_storage
    return env


def start_gunicorn(args, url: str, out: Path) -> subprocess.Popen:
    env = app_env(args, url)
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




def stop_process(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ------------------------------------------------------------------------------------------
# The receiving SMTP server: a child process, so that stopping it is a real outage (the
# port refuses connections) and so that its asyncio loop stays out of Locust's gevent.


def run_smtp_sink(port: int, record_path: Path) -> None:
    """Receive mail on 127.0.0.1:port until SIGTERM; append each message's key header (or
    "-" when it has none) and subject to ``record_path``, one JSON line per message."""
    import threading

    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
            message = email.message_from_bytes(envelope.original_content or envelope.content,
                                                policy=email.policy.default)
            line = json.dumps({"key": message.get(KEY_HEADER, "-"),
                               "subject": str(message.get("Subject", "")), "at": time.time(),
                               "to": envelope.rcpt_tos})
            with record_path.open("a") as sink:
                sink.write(line + "\n")
            return "250 OK"

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_a: stop.set())
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    stop.wait()
    controller.stop()


def start_smtp_sink(args, out: Path) -> subprocess.Popen:
    command = [sys.executable, str(Path(__file__).resolve()), "--smtp-sink",
               str(args.smtp_port), str(out / "smtp-received.jsonl")]
    process = subprocess.Popen(command, cwd=ROOT)  # noqa: S603
    for _attempt in range(300):
        if not port_is_free(args.smtp_port):
            return process
        if process.poll() is not None:
            break
        time.sleep(0.1)
    sys.exit("the SMTP sink did not start")


def outbox_present(args, url: str) -> bool:
    """Whether this checkout of the app has the mail outbox (its `flask outbox` command)."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "flask", "--app", "m4eg", "outbox", "--help"], cwd=ROOT,
        env=app_env(args, url), capture_output=True, text=True)
    return result.returncode == 0


def start_outbox_worker(args, url: str, out: Path) -> subprocess.Popen:
    log = (out / "outbox-worker.log").open("w")
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "flask", "--app", "m4eg", "outbox", "work"], cwd=ROOT,
        env=app_env(args, url), stdout=log, stderr=subprocess.STDOUT)


# ------------------------------------------------------------------------------------------
# Verification against the database


def verify(app, ledger: list[dict]) -> tuple[dict, list[str]]:
    """Check every acknowledged write against the database. Returns counts per kind
    (acked, unknown, verified) and a description of each lost write."""
    from sqlalchemy import func, select

    from m4eg.courses.models import Enrolment, LessonProgress
    from m4eg.extensions import db
    from m4eg.plans.models import Plan
    from m4eg.workshops.models import RegistrationStatus, Workshop, WorkshopRegistration

    counts = defaultdict(Counter)
    lost: list[str] = []
    for write in ledger:
        counts[write["kind"]][write["outcome"]] += 1

    def verified(kind: str, ok: bool, description: str) -> None:
        if ok:
            counts[kind]["verified"] += 1
        else:
            lost.append(f"{kind}: {description}")

    acked = [w for w in ledger if w["outcome"] == "acked"]
    with app.app_context():
        session = db.session
        enrolments = set(session.execute(select(Enrolment.user_id, Enrolment.course_slug)))
        lessons = set(session.execute(select(LessonProgress.user_id, LessonProgress.course_slug,
                                             LessonProgress.lesson_slug)))
        registrations = {(r.workshop_id, r.user_id): r.status
                         for r in session.scalars(select(WorkshopRegistration))}
        for write in acked:
            user, data, kind = write["user_id"], write["data"], write["kind"]
            if kind == "enrolment":
                verified(kind, (user, data["course"]) in enrolments,
                         f"user {user} course {data['course']}: no enrolment row")
            elif kind == "lesson":
                verified(kind, (user, data["course"], data["lesson"]) in lessons,
                         f"user {user} {data['course']}/{data['lesson']}: no progress row")
            elif kind == "workshop":
                status = registrations.get((data["workshop_id"], user))
                verified(kind, status in (RegistrationStatus.CONFIRMED,
                                          RegistrationStatus.WAITLISTED),
                         f"user {user} workshop {data['workshop_id']}: registration is "
                         f"{status or 'missing'}")
        # Seats: the counter the conditional UPDATE keeps must match the confirmed rows.
        for workshop in session.scalars(select(Workshop)):
            confirmed = session.scalar(select(func.count()).select_from(WorkshopRegistration)
                                       .where(WorkshopRegistration.workshop_id == workshop.id,
                                              WorkshopRegistration.status
                                              == RegistrationStatus.CONFIRMED))
            if confirmed != workshop.seats_taken:
                lost.append(f"workshop {workshop.id}: seats_taken {workshop.seats_taken}, "
                            f"{confirmed} confirmed registrations")

        # Plans: one writer each, so the database must hold the last acknowledged save of
        # every section (or a later save whose answer was lost), at the version it left.
        by_plan = defaultdict(list)
        for w in ledger:
            if "plan_id" in w["data"]:
                by_plan[w["data"]["plan_id"]].append(w)
        for plan_id, writes in by_plan.items():
            plan = session.get(Plan, plan_id)
            if plan is None:
                if any(w["outcome"] == "acked" for w in writes):
                    lost.append(f"plan {plan_id} does not exist")
                continue
            for w in writes:
                if w["kind"] == "plan_start" and w["outcome"] == "acked":
                    verified("plan_start", plan.municipality_id == w["data"]["municipality_id"],
                             f"plan {plan_id} belongs to another municipality")
            content = plan.content or {}
            writes.sort(key=lambda w: w["seq"])
            for block in {w["data"]["block"] for w in writes if w["kind"] == "block_save"}:
                saves = [w for w in writes if w["kind"] == "block_save"
                         and w["data"]["block"] == block]
                last = max((i for i, w in enumerate(saves) if w["outcome"] == "acked"),
                           default=None)
                if last is None:
                    continue
                allowed = [saves[last]["data"]["content"]] + [
                    w["data"]["content"] for w in saves[last + 1:] if w["outcome"] == "unknown"]
                ok = content.get(block) in allowed
                if not any(w["outcome"] == "unknown" for w in saves):
                    ok = ok and plan.block_version(block) == saves[last]["data"]["version_after"]
                counts["block_save"]["verified"] += sum(
                    1 for w in saves if w["outcome"] == "acked") if ok else 0
                if not ok:
                    lost.append(f"block_save: plan {plan_id} section {block} (version "
                                f"{plan.block_version(block)}) differs from the last "
                                "acknowledged save: " + _differences(
                                    content.get(block), saves[last]["data"]["content"]))
            told = {w["kind"] for w in writes if w["outcome"] == "acked"}
            expected = ("approved" if "approval" in told else "in_review" if "review" in told
                        else "submitted" if "submission" in told else None)
            for kind in ("submission", "review", "approval"):
                if kind in told:
                    verified(kind, plan.status == expected,
                             f"plan {plan_id}: status {plan.status}, the last acknowledged "
                             f"step leaves it {expected}")
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
# Mail: the outbox against what the sink received


def check_mail(app, sink_path: Path, wait: float, present: bool) -> tuple[list[str], list[str]]:
    """(report lines, problems). Waits up to ``wait`` seconds for every outbox row to be
    'sent', then checks that the sink saw each row's key exactly once."""
    from sqlalchemy import inspect, text

    from m4eg.extensions import db

    received = Counter()
    if sink_path.exists():
        for line in sink_path.read_text().splitlines():
            received[json.loads(line)["key"]] += 1
    with app.app_context():
        if not present or not inspect(db.engine).has_table("outbox_messages"):
            return ["mail        outbox not present (no outbox_messages table or no `flask "
                    "outbox` command on this checkout): mail delivery not checked; the sink "
                    f"received {sum(received.values())} message(s), "
                    f"{received['-']} without a {KEY_HEADER} header"], []
        deadline = time.monotonic() + wait
        while True:
            rows = db.session.execute(text("SELECT key, status FROM outbox_messages")).all()
            db.session.rollback()  # a fresh snapshot on the next read
            unsent = [r for r in rows if r.status != "sent"]
            if not unsent or time.monotonic() >= deadline:
                break
            time.sleep(1)
    received.clear()  # read again: the worker may have delivered more while we waited
    if sink_path.exists():
        for line in sink_path.read_text().splitlines():
            received[json.loads(line)["key"]] += 1
    keys = {r.key for r in rows}
    missing = sorted(k for k in keys if received[k] == 0)
    duplicates = sorted(k for k in keys if received[k] > 1)
    strangers = sorted(k for k in received if k not in keys)
    lines = [f"mail        outbox rows {len(rows)}: "
             + ", ".join(f"{s} {n}" for s, n in sorted(Counter(r.status for r in rows).items())),
             f"            sink received {sum(received.values())} message(s); missing "
             f"{len(missing)}, delivered more than once {len(duplicates)}, not in the outbox "
             f"{len(strangers)}"]
    problems = ([f"outbox row {r.key} is {r.status} after {wait:.0f} s" for r in unsent]
                + [f"mail {k} never received" for k in missing]
                + [f"mail {k} received {received[k]} times" for k in duplicates]
                + [f"mail with key {k!r} received but not in the outbox" for k in strangers])
    return lines, problems


# ------------------------------------------------------------------------------------------
# Report


def locust_rows(prefix: Path) -> list[dict]:
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        return []
    with path.open() as handle:
        return list(csv.DictReader(handle))


def report(args, rows, client, counts, lost, mail_lines, mail_problems, tracebacks,
           log_problems, world, outage) -> tuple[str, bool]:
    lines = []
    say = lines.append
    statuses = Counter({int(k): v for k, v in client.get("statuses", {}).items()})
    server_errors = sum(n for s, n in statuses.items() if s >= 500)
    connection_errors = statuses.get(0, 0)
    total = next((r for r in rows if r["Name"] == "Aggregated"), None)
    accounts = world["accounts"]
    say("== M4EG soak run (Locust) ==")
    say(f"target      {args.database_url}")
    say(f"server      gunicorn --workers {args.workers} (sync) on 127.0.0.1:{args.port}, "
        f"M4EG_ENV=production; rate limits {args.rate_limits}")
    say(f"users       {args.users} for {args.minutes:g} min ({len(accounts['focal_point'])} "
        f"focal points, {len(accounts['coordinator'])} coordinators, the rest staff and "
        "visitors 4:3)")
    say(f"smtp        sink on 127.0.0.1:{args.smtp_port}; " + (
        f"stopped from {outage[0]:.0f} s to {outage[1]:.0f} s" if outage else "no outage"))
    if total:
        say(f"requests    {total['Request Count']} ({float(total['Requests/s']):.1f}/s), "
            f"failures {total['Failure Count']}; p50 {total['50%']} ms, p95 {total['95%']} ms, "
            f"p99 {total['99%']} ms, max {float(total['Max Response Time']):.0f} ms")
    say("status      " + ", ".join(f"{'conn-error' if s == 0 else s}: {n}"
                                   for s, n in sorted(statuses.items())))
    say(f"5xx         {server_errors}; connection errors {connection_errors}")
    say("")
    say(f"{'per endpoint':<52} {'count':>7} {'fail':>5} {'p50':>6} {'p95':>6}")
    for row in sorted((r for r in rows if r["Name"] != "Aggregated"),
                      key=lambda r: -int(r["Request Count"])):
        say(f"  {row['Type']:<5}{row['Name'][:45]:<45} {row['Request Count']:>7} "
            f"{row['Failure Count']:>5} {row['50%']:>6} {row['95%']:>6}")
    failures = Path(f"{args.out / 'locust'}_failures.csv")
    if failures.exists():
        with failures.open() as handle:
            for row in csv.DictReader(handle):
                say(f"  FAILED {row['Method']} {row['Name']}: {row['Error'][:120]} "
                    f"x{row['Occurrences']}")
    say("")
    say("writes      kind          acked  unknown  verified in database")
    for kind in ("enrolment", "lesson", "workshop", "plan_start", "block_save", "submission",
                 "review", "approval"):
        c = counts.get(kind, Counter())
        say(f"            {kind:<12} {c['acked']:>6} {c['unknown']:>8} {c['verified']:>9}")
    say(f"lost writes {len(lost)}")
    for item in lost[:50]:
        say(f"  LOST {item}")
    say("")
    lines += mail_lines
    for item in mail_problems[:30]:
        say(f"  MAIL {item}")
    anomalies = client.get("anomalies", {})
    say("client-side anomalies: " + (", ".join(f"{name} x{n}" for name, n in sorted(
        anomalies.items(), key=lambda kv: -kv[1])) or "none"))
    for sample in [s for s in client.get("samples", []) if s["kind"] == "server"][:10]:
        say(f"  {time.strftime('%H:%M:%S', time.localtime(sample['at']))} {sample['name']} "
            f"{sample['path']} -> {sample['status'] or 'no answer'} {sample['detail'][:150]}")
    say(f"gunicorn log: {sum(c for _t, _l, c in tracebacks)} traceback(s), "
        f"{len(log_problems)} [ERROR]/[CRITICAL] line(s) ({args.out / 'gunicorn-error.log'})")
    for text, _last, count in tracebacks[:5]:
        say(f"--- traceback seen {count} time(s):")
        say(text)
    acknowledged = sum(c["acked"] for c in counts.values())
    if not acknowledged:
        say("NO WRITE WAS ACKNOWLEDGED: the run proves nothing (see the anomalies above)")
    failed = bool(server_errors or connection_errors or lost or mail_problems or tracebacks
                  or not total or not acknowledged)
    say("")
    say(f"RESULT: {'FAIL' if failed else 'PASS'} (5xx {server_errors}, connection errors "
        f"{connection_errors}, lost writes {len(lost)}, mail problems {len(mail_problems)}, "
        f"tracebacks {sum(c for _t, _l, c in tracebacks)})")
    return "\n".join(lines), failed


# ------------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True,
                        help="target database; it is DROPPED and re-created (PostgreSQL) or "
                             "deleted (SQLite file)")
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--minutes", type=float, default=5, help="minutes of load")
    parser.add_argument("--spawn-rate", type=float, default=8, help="users started per second")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=5090)
    parser.add_argument("--smtp-port", type=int, default=5091)
    parser.add_argument("--smtp-outage-seconds", type=float, default=0,
                        help="stop the SMTP sink this long in the middle of the run")
    parser.add_argument("--mail-wait", type=float, default=120,
                        help="seconds to wait after the load for the outbox to be all 'sent'")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--focal-share", type=float, default=0.25)
    parser.add_argument("--completer-share", type=float, default=0.5,
                        help="share of focal points who fill every section and submit")
    parser.add_argument("--workshops", type=int, default=3)
    parser.add_argument("--rate-limits", choices=("on", "off"), default="off",
                        help="off (default): every Locust user connects from 127.0.0.1")
    parser.add_argument("--ratelimit-storage", default="memory://")
    parser.add_argument("--out", type=Path, default=ROOT / "instance" / "soak",
                        help="where the logs, the ledger, Locust's CSVs and the report go")
    parser.add_argument("--allow-any-database", action="store_true",
                        help="allow dropping a database whose name does not contain 'soak'")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    if argv is None and sys.argv[1:2] == ["--smtp-sink"]:
        run_smtp_sink(int(sys.argv[2]), Path(sys.argv[3]))
        return 0
    args = parse_args(argv)
    args.secret_key = secrets.token_hex(32)
    url = _normalise_url(args.database_url)
    args.out.mkdir(parents=True, exist_ok=True)
    for port in (args.port, args.smtp_port):
        if not port_is_free(port):
            sys.exit(f"port {port} is in use; pass --port / --smtp-port")
    rng = random.Random(args.seed)  # noqa: S311 - a reproducible set-up, not a secret

    print(f"preparing {url}")
    recreate_database(url, args.allow_any_database)
    run_flask(url, "db", "upgrade")
    run_flask(url, "demo", "load")
    app = make_app(url)
    world = read_world(app)
    world["accounts"] = create_accounts(app, args.users, round(args.users * args.focal_share),
                                        max(1, args.users // 16), rng)
    world["workshops"] = create_workshops(app, args.workshops, capacity=max(2, args.users // 8))
    world["completer_share"] = args.completer_share
    world["ledger_path"] = str(args.out / "ledger.json")
    world["client_stats_path"] = str(args.out / "client-stats.json")
    for name in ("ledger.json", "client-stats.json", "smtp-received.jsonl"):
        (args.out / name).unlink(missing_ok=True)
    (args.out / "world.json").write_text(json.dumps(world, ensure_ascii=False))
    fixed = len(world["accounts"]["focal_point"]) + len(world["accounts"]["coordinator"])
    if args.users <= fixed:
        sys.exit(f"--users {args.users} leaves no room for staff and visitors ({fixed} focal "
                 "points and coordinators)")

    present = outbox_present(args, url)
    sink = start_smtp_sink(args, args.out)
    server = worker = None
    outage = None
    try:
        print(f"starting gunicorn --workers {args.workers} on 127.0.0.1:{args.port}")
        server = start_gunicorn(args, url, args.out)
        if present:
            worker = start_outbox_worker(args, url, args.out)
        else:
            print("outbox not present on this checkout: no worker started")
        seconds = args.minutes * 60
        command = [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name(
            "soak_locustfile.py")), "--headless", "--host", f"http://127.0.0.1:{args.port}",
            "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{seconds:.0f}s",
            "--csv", str(args.out / "locust"), "--only-summary", "--stop-timeout", "30",
            "--exit-code-on-error", "0"]
        env = {**os.environ, "M4EG_SOAK_WORLD": str(args.out / "world.json")}
        print(f"running {args.users} Locust users for {args.minutes:g} min…", flush=True)
        begin = time.monotonic()
        locust = subprocess.Popen(command, cwd=ROOT, env=env,  # noqa: S603
                                  stdout=(args.out / "locust.log").open("w"),
                                  stderr=subprocess.STDOUT)
        if args.smtp_outage_seconds:
            start = max(0.0, (seconds - args.smtp_outage_seconds) / 2)
            outage = (start, start + args.smtp_outage_seconds)
            time.sleep(start)
            print(f"  {time.strftime('%H:%M:%S')}: SMTP sink stopped", flush=True)
            stop_process(sink)
            time.sleep(args.smtp_outage_seconds)
            sink = start_smtp_sink(args, args.out)
            print(f"  {time.strftime('%H:%M:%S')}: SMTP sink back", flush=True)
        locust.wait(timeout=seconds + 300)
        print(f"  Locust finished after {time.monotonic() - begin:.0f} s "
              f"(exit {locust.returncode})", flush=True)
        stop_process(server)
        server = None
        print("checking the ledger against the database…")
        ledger = json.loads((args.out / "ledger.json").read_text()) \
            if (args.out / "ledger.json").exists() else []
        counts, lost = verify(app, ledger)
        print(f"waiting up to {args.mail_wait:.0f} s for the outbox…", flush=True)
        mail_lines, mail_problems = check_mail(app, args.out / "smtp-received.jsonl",
                                               args.mail_wait, present)
    finally:
        stop_process(server)
        stop_process(worker)
        stop_process(sink)
    client = json.loads((args.out / "client-stats.json").read_text()) \
        if (args.out / "client-stats.json").exists() else {}
    tracebacks, log_problems = scan_log(args.out / "gunicorn-error.log")
    text, failed = report(args, locust_rows(args.out / "locust"), client, counts, lost,
                          mail_lines, mail_problems, tracebacks, log_problems, world, outage)
    (args.out / "report.txt").write_text(text + "\n")
    print(text)
    print(f"(logs, ledger, Locust's CSVs and this report are in {args.out})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
