"""Fill a database at network scale for the benchmarks (run by hand, never by the tests).

    python bench/generate.py --database-url sqlite:////tmp/m4eg-bench.db
    python bench/generate.py --database-url postgresql+psycopg://postgres@127.0.0.1/m4eg_bench

The database is created from scratch (migrations, then `flask demo load`), then filled with
synthetic records, all flagged ``is_demo`` and named ``bench…``: at the default ``network``
scale 10,000 municipalities, 200,000 users, 2,000,000 lesson-progress records, 20,000 plans
with revisions and review comments, and 50,000 portfolio activities. The same ``--seed`` gives
the same data. Bench accounts share the demo password, so the runner can sign in as
``bench-focal-00001@example.org`` or any demo account.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCALES = {
    # municipalities (in all), users, lesson-progress rows, plans, activities, portfolios
    "network": dict(municipalities=10_000, users=200_000, progress=2_000_000, plans=20_000,
                    activities=50_000, portfolios=200),
    "small": dict(municipalities=1_000, users=20_000, progress=200_000, plans=2_000,
                  activities=5_000, portfolios=40),
}
BATCH = 5_000

# Parts of synthetic but plausible Azerbaijani place names (Latin script).
NAME_HEADS = ["Qara", "Ağ", "Yeni", "Köhnə", "Böyük", "Kiçik", "Şirin", "Gül", "Çay", "Daş",
              "Qız", "Bulaq", "Günəş", "Dağ", "Orta", "Aşağı", "Yuxarı", "Sarı", "Göy", "Əli",
              "İsmayıl", "Xan", "Nar", "Üzüm", "Çinar", "Şam", "Qoşa", "Təzə", "Ulu", "Çöl"]
NAME_TAILS = ["kənd", "bulaq", "dərə", "təpə", "oba", "yurd", "qala", "çəmən", "bağ", "düz",
              "su", "arx", "kənar", "yol", "lı", "li", "lar", "bəyli", "qışlaq", "çay"]
FIRST = ["Aysel", "Elvin", "Günel", "Rəşad", "Nigar", "Orxan", "Leyla", "Tural", "Sevinc",
         "Kamran", "Şəbnəm", "Elnur", "Fidan", "Ramil", "Könül", "İlkin", "Ülviyyə", "Murad"]
LAST = ["Əliyeva", "Məmmədov", "Həsənova", "Quliyev", "İsmayılova", "Hüseynov", "Cəfərova",
        "Abbasov", "Rəhimova", "Nəsibov", "Qasımova", "Bağırov", "Şükürova", "Vəliyev"]
TRANSLIT = str.maketrans({"ə": "a", "Ə": "A", "ş": "sh", "Ş": "Sh", "ç": "ch", "Ç": "Ch",
                          "ğ": "gh", "ı": "i", "İ": "I", "ö": "o", "Ö": "O", "ü": "u",
                          "Ü": "U", "x": "kh", "X": "Kh", "q": "g", "Q": "G"})
START = datetime(2024, 1, 1, tzinfo=UTC)
# A fixed "now", so that the same seed gives the same rows on any day (only the argon2 salt
# of the shared password hash differs between runs).
NOW = datetime(2026, 11, 1, tzinfo=UTC)


class Progress:
    """A progress bar on stderr: no dependency, and quiet when stderr is not a terminal."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.started = label, total, 0, time.monotonic()
        self.tty = sys.stderr.isatty()
        self._draw()

    def add(self, count: int) -> None:
        self.done += count
        self._draw()

    def _draw(self, final: bool = False) -> None:
        if not self.tty and not final:
            return
        share = self.done / self.total if self.total else 1
        bar = "#" * int(share * 30)
        elapsed = time.monotonic() - self.started
        sys.stderr.write(f"\r{self.label:<22} [{bar:<30}] {self.done:>9,}/{self.total:,} "
                         f"{elapsed:6.1f} s")
        sys.stderr.flush()

    def close(self) -> None:
        self._draw(final=True)
        sys.stderr.write("\n")


def prepare_database(url: str) -> None:
    """An empty database at ``url``: the SQLite file removed, or the PostgreSQL database
    dropped and created again."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def insert(table, rows: list[dict], bar: Progress) -> None:
    """Insert ``rows`` in batches, each batch its own transaction."""
    from m4eg.extensions import db

    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        with db.engine.begin() as conn:
            conn.execute(table.insert(), chunk)
        bar.add(len(chunk))


def stream(table, label: str, total: int, produce) -> int:
    """Insert what the generator ``produce`` yields without holding it all in memory."""
    bar, buffer, count = Progress(label, total), [], 0
    for row in produce:
        buffer.append(row)
        if len(buffer) >= BATCH:
            insert(table, buffer, bar)
            count += len(buffer)
            buffer = []
    if buffer:
        insert(table, buffer, bar)
        count += len(buffer)
    bar.close()
    return count


def next_id(model) -> int:
    from sqlalchemy import func, select

    from m4eg.extensions import db

    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def plan_content(template, rng: random.Random, name: str) -> dict:
    """A complete plan following ``template``: every field filled as the form would."""
    content = {}
    for block in template.blocks:
        values = {}
        for field in block["fields"]:
            kind = field["type"]
            if kind == "text":
                values[field["key"]] = (f"{name}: {field['label']['en']} (bench record). "
                                        "Synthetic text written by bench/generate.py.")
            elif kind == "number":
                values[field["key"]] = rng.randint(int(field.get("min", 0)),
                                                   int(min(field.get("max", 50_000), 50_000)))
            elif kind == "choice":
                values[field["key"]] = rng.choice(field["choices"])["key"]
            else:
                rows = []
                for index in range(rng.randint(1, 3)):
                    row = {}
                    for column in field["columns"]:
                        ctype = column.get("type", "text")
                        if column["key"] == "year":
                            row[column["key"]] = 2027 + index
                        elif ctype == "number":
                            row[column["key"]] = rng.randint(1, 900) * 1000
                        elif ctype == "date":
                            row[column["key"]] = date(2025 + index, 3, 1).isoformat()
                        elif ctype == "choice":
                            row[column["key"]] = rng.choice(column["choices"])["key"]
                        elif ctype == "sdgs":
                            row[column["key"]] = sorted(rng.sample(range(1, 18), 2))
                        else:
                            row[column["key"]] = f"{column['label']['en']} {index + 1}"
                    if "start" in row and "end" in row:
                        row["end"] = date(2026 + index, 12, 31).isoformat()
                    rows.append(row)
                values[field["key"]] = rows
        content[block["key"]] = values
    return content


def generate(scale: dict, seed: int) -> dict[str, int]:
    from sqlalchemy import select

    from m4eg.accounts import services as accounts
    from m4eg.accounts.models import User
    from m4eg.core.text import search_fold
    from m4eg.courses import services as courses
    from m4eg.courses.models import Enrolment, LessonProgress, QuizAttempt
    from m4eg.extensions import db
    from m4eg.municipalities.models import MemberStatus, Municipality, Rayon, az_order_key
    from m4eg.plans.models import (
        Comment,
        Cycle,
        Plan,
        PlanAction,
        PlanBlock,
        PlanEvent,
        PlanStatus,
        PlanTemplate,
        Revision,
    )
    from m4eg.portfolios.models import Activity, Milestone, Option, Portfolio

    rng = random.Random(seed)
    counts: dict[str, int] = {}
    now = NOW
    password_hash = accounts.hash_password(accounts.DEMO_PASSWORD)

    # --- Municipalities ------------------------------------------------------------------
    rayon_ids = list(db.session.scalars(select(Rayon.id).order_by(Rayon.id)))
    existing = db.session.scalar(select(db.func.count()).select_from(Municipality))
    first_member = next_id(Municipality)
    total_members = scale["municipalities"] - existing
    types = ["city"] * 20 + ["district"] * 36 + ["village"] * 44

    def members():
        for n in range(total_members):
            head, tail = rng.choice(NAME_HEADS), rng.choice(NAME_TAILS)
            name_az = f"{head}{tail} {n + 1}"
            name_en = name_az.translate(TRANSLIT)
            yield dict(
                id=first_member + n, code=f"BN{n + 1:05d}", slug=f"bench-{n + 1:05d}",
                name_az=name_az, name_en=name_en, type=rng.choice(types),
                rayon_id=rng.choice(rayon_ids),
                status=rng.choices(list(MemberStatus), [95, 3, 2])[0].value,
                joined_year=rng.randint(2017, 2026), demonstrator_track=None, is_demo=True,
                email=f"bench-{n + 1:05d}@example.org", phone="", website="",
                search_text=f"{search_fold(name_az)} | {search_fold(name_en)}",
                sort_key_az=az_order_key(name_az), sort_key_en=name_en.casefold(),
                version=1, created_at=now, updated_at=now)

    counts["municipalities"] = stream(Municipality.__table__, "municipalities",
                                      total_members, members())
    member_ids = list(range(first_member, first_member + total_members))

    # --- Users: one focal point per new member, the rest municipal staff -------------------
    first_user = next_id(User)
    total_users = scale["users"]

    def users():
        for n in range(total_users):
            focal = n < len(member_ids)
            municipality = member_ids[n] if focal else rng.choice(member_ids)
            kind = "focal" if focal else "staff"
            yield dict(
                id=first_user + n, email=f"bench-{kind}-{n + 1:06d}@example.org",
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", password_hash=password_hash,
                role="focal_point" if focal else "staff", municipality_id=municipality,
                position="", sex=rng.choice(["female", "male", "not_stated"]),
                preferred_language=rng.choice(["az", "az", "en"]), is_demo=True,
                created_at=START + timedelta(minutes=n), last_login_at=None, version=1)

    counts["users"] = stream(User.__table__, "users", total_users, users())

    # --- Enrolments, lesson progress, quiz attempts ----------------------------------------
    catalogue = courses.catalogue()
    course_list = [(c.slug, [lesson.slug for lesson in c.lessons]) for c in catalogue.courses]
    per_user = max(1, scale["progress"] // total_users)
    enrol_rows, progress_rows, attempt_rows = [], [], []
    for n in range(total_users):
        user_id = first_user + n
        chosen = rng.sample(course_list, min(len(course_list), rng.choice([2, 3, 4])))
        remaining = per_user
        for index, (course_slug, lessons) in enumerate(chosen):
            left = len(chosen) - index
            take = min(len(lessons), remaining if left == 1 else
                       rng.randint(max(0, remaining - len(lessons) * (left - 1)),
                                   min(len(lessons), remaining)))
            remaining -= take
            enrolled = START + timedelta(days=rng.randint(0, 690), minutes=n % 1440)
            done = take == len(lessons)
            enrol_rows.append(dict(user_id=user_id, course_slug=course_slug,
                                   enrolled_at=enrolled,
                                   completed_at=enrolled + timedelta(days=20) if done else None))
            for position, lesson in enumerate(lessons[:take]):
                progress_rows.append(dict(user_id=user_id, course_slug=course_slug,
                                          lesson_slug=lesson,
                                          completed_at=enrolled + timedelta(days=position)))
            if done:
                percent = rng.randint(60, 100)
                attempt_rows.append(dict(user_id=user_id, course_slug=course_slug,
                                         score=percent // 10, max_score=10, percent=percent,
                                         passed=percent >= 70, answers={},
                                         at=enrolled + timedelta(days=19)))
    bar = Progress("enrolments", len(enrol_rows))
    insert(Enrolment.__table__, enrol_rows, bar)
    bar.close()
    counts["enrolments"] = len(enrol_rows)
    del enrol_rows
    with db.engine.begin() as conn:  # what courses.services.enrol keeps (first enrolment)
        conn.execute(db.text(
            "UPDATE users SET ulc_registered_at = first.enrolled_at FROM (SELECT user_id, "
            "MIN(enrolled_at) AS enrolled_at FROM enrolments GROUP BY user_id) AS first "
            "WHERE users.id = first.user_id"))
    bar = Progress("lesson progress", len(progress_rows))
    insert(LessonProgress.__table__, progress_rows, bar)
    bar.close()
    counts["lesson_progress"] = len(progress_rows)
    del progress_rows
    bar = Progress("quiz attempts", len(attempt_rows))
    insert(QuizAttempt.__table__, attempt_rows, bar)
    bar.close()
    counts["quiz_attempts"] = len(attempt_rows)
    del attempt_rows

    # --- Plans with revisions, comments and events -------------------------------------
    template = db.session.scalar(select(PlanTemplate).order_by(PlanTemplate.version.desc()))
    current = db.session.scalar(select(Cycle).where(Cycle.name == "2025–2027 (demo)"))
    past = Cycle(name="2022–2024 (bench)", deadline=date(2024, 3, 31), reminder_days=14,
                 is_demo=True)
    older = Cycle(name="2019–2021 (bench)", deadline=date(2021, 3, 31), reminder_days=14,
                  is_demo=True)
    db.session.add_all([past, older])
    db.session.commit()
    reviewer = db.session.scalar(select(User.id).where(User.email == "coordinator@example.org"))
    S, A = PlanStatus, PlanAction
    statuses = {
        past.id: ([S.APPROVED, S.CHANGES_REQUESTED, S.IN_REVIEW, S.SUBMITTED, S.DRAFT],
                  [70, 10, 5, 5, 10]),
        older.id: ([S.APPROVED, S.CHANGES_REQUESTED, S.DRAFT], [90, 5, 5]),
        current.id: ([S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED],
                     [50, 20, 10, 10, 10]),
    }
    plan_rows, block_rows, revision_rows, comment_rows, event_rows = [], [], [], [], []
    plan_id, revision_id = next_id(Plan), next_id(Revision)
    blocks = [b["key"] for b in template.blocks]
    for n in range(scale["plans"]):
        member = member_ids[n // 3 % len(member_ids)]
        cycle_id = (older.id, past.id, current.id)[n % 3]
        focal = first_user + member - first_member
        names, weights = statuses[cycle_id]
        status = rng.choices(names, weights)[0]
        content = plan_content(template, rng, f"bench-{member - first_member + 1:05d}")
        if status == S.DRAFT:  # drafts are half written
            content = {key: content[key] for key in blocks[:rng.randint(0, len(blocks))]}
        created = START + timedelta(days=rng.randint(0, 400))
        submitted = created + timedelta(days=rng.randint(10, 60)) if status != S.DRAFT else None
        rounds = 0 if status == S.DRAFT else (rng.randint(1, 3) if status == S.APPROVED else 1)
        event_rows.append(dict(plan_id=plan_id, actor_id=focal, action=A.STARTED,
                               from_status=None, to_status=S.DRAFT, note="", at=created))
        for number in range(1, rounds + 1):
            at = submitted + timedelta(days=30 * (number - 1))
            revision_rows.append(dict(id=revision_id, plan_id=plan_id, number=number,
                                      content=content, submitted_by_id=focal, submitted_at=at))
            event_rows.append(dict(plan_id=plan_id, actor_id=focal, action=A.SUBMITTED,
                                   from_status=S.DRAFT, to_status=S.SUBMITTED, note="", at=at))
            reviewed = number < rounds or status == S.CHANGES_REQUESTED
            if reviewed:
                for _ in range(rng.randint(1, 3)):
                    comment_rows.append(dict(
                        plan_id=plan_id, revision_id=revision_id, block_key=rng.choice(blocks),
                        body="Please add the baseline year and the source (bench comment).",
                        author_id=reviewer, created_at=at + timedelta(days=5)))
            revision_id += 1
        block_rows.extend(dict(plan_id=plan_id, block_key=key, content=content.get(key, {}),
                               version=1, updated_at=submitted or created) for key in blocks)
        plan_rows.append(dict(
            id=plan_id, municipality_id=member, cycle_id=cycle_id, template_id=template.id,
            status=status.value, version=rounds + 1, created_at=created,
            updated_at=submitted or created, submitted_at=submitted,
            approved_at=submitted + timedelta(days=45) if status == S.APPROVED else None,
            is_demo=True))
        plan_id += 1
    for label, model, rows in (("plans", Plan, plan_rows), ("plan blocks", PlanBlock,
                               block_rows), ("plan revisions", Revision,
                               revision_rows), ("plan comments", Comment, comment_rows),
                               ("plan events", PlanEvent, event_rows)):
        bar = Progress(label, len(rows))
        insert(model.__table__, rows, bar)
        bar.close()
        counts[model.__tablename__] = len(rows)
    del plan_rows, block_rows, revision_rows, comment_rows, event_rows

    # --- Portfolios, options, milestones, activities --------------------------------------
    portfolio_rows, option_rows, milestone_rows = [], [], []
    portfolio_id, option_id = next_id(Portfolio), next_id(Option)
    first_portfolio = portfolio_id
    for n in range(scale["portfolios"]):
        member = member_ids[n * 7 % len(member_ids)]
        portfolio_rows.append(dict(
            id=portfolio_id, slug=f"bench-portfolio-{n + 1:04d}", municipality_id=member,
            track=rng.choice(["portfolio_journey", "urban_imaginaries"]),
            title_az=f"Sınaq portfeli {n + 1} (bench)", title_en=f"Bench portfolio {n + 1}",
            intent_az="", intent_en="", theme_az="", theme_en="",
            start_date=date(2024, 1, 1) + timedelta(days=n), sdgs=[8, 11], is_demo=True,
            last_update_at=now - timedelta(days=rng.randint(0, 120)), version=1))
        for k in range(3):
            option_rows.append(dict(
                id=option_id, portfolio_id=portfolio_id, title_az=f"Seçim {k + 1}",
                title_en=f"Option {k + 1}", description_az="", description_en="",
                status=rng.choice(["idea", "designed", "implementing", "completed"]),
                status_reason="", responsible="", budget_azn=None, grant_phase="",
                partners="", internal_notes="", version=1))
            for m in range(2):
                milestone_rows.append(dict(
                    option_id=option_id, title_az=f"Mərhələ {m + 1}",
                    title_en=f"Milestone {m + 1}",
                    due_date=date(2026, 1, 1) + timedelta(days=rng.randint(0, 500)),
                    done_on=None))
            option_id += 1
        portfolio_id += 1
    for label, model, rows in (("portfolios", Portfolio, portfolio_rows),
                               ("portfolio options", Option, option_rows),
                               ("milestones", Milestone, milestone_rows)):
        bar = Progress(label, len(rows))
        insert(model.__table__, rows, bar)
        bar.close()
        counts[model.__tablename__] = len(rows)

    kinds = ["study_tour", "workshop", "forum", "sensemaking", "fair", "meeting", "other"]

    def activities():
        for n in range(scale["activities"]):
            men, women = rng.randint(0, 40), rng.randint(0, 40)
            yield dict(
                portfolio_id=first_portfolio + n % scale["portfolios"], kind=rng.choice(kinds),
                title_az=f"Sınaq tədbiri {n + 1}", title_en=f"Bench activity {n + 1}",
                on_date=date(2023, 1, 1) + timedelta(days=rng.randint(0, 1400)),
                date_precision="day", place_az="", place_en="", description_az="",
                description_en="", men=men, women=women, not_stated=rng.randint(0, 5),
                people_reached=men + women + rng.randint(0, 200), is_demo=True)

    counts["portfolio_activities"] = stream(Activity.__table__, "activities",
                                            scale["activities"], activities())
    return counts


def finish(url: str) -> None:
    """Move PostgreSQL sequences past the explicit ids and refresh planner statistics."""
    from sqlalchemy import text

    from m4eg.extensions import db

    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            for table in db.metadata.sorted_tables:
                if "id" in table.c and table.c.id.autoincrement and len(table.primary_key) == 1:
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 1))"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True,
                        help="sqlite:////path/file.db or postgresql+psycopg://…")
    parser.add_argument("--scale", choices=sorted(SCALES), default="network")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("M4EG_ENV", "development")
    started = time.monotonic()
    prepare_database(args.database_url)

    from flask_migrate import upgrade

    from m4eg import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        if result.exit_code != 0:
            print(result.output, file=sys.stderr)
            return 1
        counts = generate(SCALES[args.scale], args.seed)
        finish(args.database_url)
    print(json.dumps({"scale": args.scale, "seed": args.seed, "rows": counts,
                      "seconds": round(time.monotonic() - started, 1)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
