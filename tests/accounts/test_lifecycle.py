"""Account administration (deactivate, reactivate, erase), one's own data, the audit log."""

import csv
import io
import json
import re
import zipfile
from datetime import timedelta

from sqlalchemy import JSON, LargeBinary, String, func, select, text

from m4eg.accounts.models import User, UserSession
from m4eg.core.audit import AuditEvent
from m4eg.core.outbox import OutboxMessage, queue_mail
from m4eg.core.time import utcnow
from m4eg.extensions import db
from tests.conftest import log_in

COURSE = "community-listening"


def _version(app, user_id) -> str:
    with app.app_context():
        return str(db.session.get(User, user_id).version)


def _user(app, user_id) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


# ---------------------------------------------------------------- deactivation


def test_deactivation_asks_first_then_signs_the_person_out_everywhere(app, client, make_user,
                                                                      login_as):
    person = make_user(preferred_language="en")
    theirs = app.test_client()
    assert log_in(theirs, person.email, lang="en").status_code == 302
    assert theirs.get("/en/accounts/profile").status_code == 200
    login_as("coordinator")
    ask = client.get(f"/en/accounts/users/{person.id}/deactivate")
    assert ask.status_code == 200
    assert "is signed out at once on every device" in ask.get_data(as_text=True)
    assert _user(app, person.id).deactivated_at is None  # asking changes nothing
    done = client.post(f"/en/accounts/users/{person.id}/deactivate",
                       data={"version": _version(app, person.id)}, follow_redirects=True)
    assert "is deactivated and signed out everywhere" in done.get_data(as_text=True)
    # The person's next request finds them signed out, and signing in is refused.
    again = theirs.get("/en/accounts/profile")
    assert again.status_code == 302 and "/accounts/login" in again.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession).where(
            UserSession.user_id == person.id)) == 0
    refused = log_in(theirs, person.email, lang="en")
    assert refused.status_code == 403
    assert "This account has been deactivated" in refused.get_data(as_text=True)
    # A wrong password says nothing of the deactivation.
    wrong = log_in(theirs, person.email, "not the password at all", lang="en")
    assert "deactivated" not in wrong.get_data(as_text=True)
    # Reactivated, the person signs in again.
    client.post(f"/en/accounts/users/{person.id}/reactivate",
                data={"version": _version(app, person.id)})
    assert log_in(theirs, person.email, lang="en").status_code == 302


def test_a_stale_confirmation_page_changes_nothing(app, client, make_user, login_as):
    person = make_user()
    login_as("admin")
    refused = client.post(f"/en/accounts/users/{person.id}/deactivate", data={"version": "0"})
    assert refused.status_code == 409
    assert "changed by someone else" in refused.get_data(as_text=True)
    assert _user(app, person.id).deactivated_at is None


def test_the_last_administrator_can_be_neither_deactivated_nor_erased(app, client, login_as):
    admin = login_as("admin")
    for action in ("deactivate", "erase"):
        refused = client.post(f"/en/accounts/users/{admin.id}/{action}",
                              data={"version": _version(app, admin.id)})
        assert refused.status_code == 400, action
        assert "This is the last active administrator" in refused.get_data(as_text=True)
    user = _user(app, admin.id)
    assert (user.deactivated_at, user.erased_at, user.email) == (None, None, admin.email)
    assert client.get("/en/accounts/profile").status_code == 200  # still signed in


def test_a_coordinator_manages_municipal_accounts_only(app, client, make_user, login_as):
    other = make_user("coordinator")
    admin = make_user("admin")
    login_as("coordinator")
    for target in (other, admin):
        assert client.get(f"/en/accounts/users/{target.id}").status_code == 403
        assert client.post(f"/en/accounts/users/{target.id}/deactivate",
                           data={"version": _version(app, target.id)}).status_code == 403
        assert _user(app, target.id).deactivated_at is None
    assert client.get("/en/accounts/users/999999").status_code == 404


# ---------------------------------------------------------------- erasure


def _rich_person(app, make_user, make_plan, make_workshop, member_id):
    """A focal point with a bit of everything: enrolment, lesson, certificate, workshop
    attendance, a plan edit and a comment, audit events and mail."""
    from m4eg.accounts.services import get_user, update_profile
    from m4eg.courses import services as courses
    from m4eg.plans import services as plans
    from m4eg.workshops import services as workshops

    person = make_user("focal_point", municipality_id=member_id("khirdalan"),
                       name="Səbinə Rəhimova", email="sabina.rahimova@example.org",
                       sex="female")
    plan_id = make_plan("khirdalan", by=person)
    workshop_id = make_workshop(COURSE, capacity=3, days=-1)
    with app.app_context():
        user = get_user(person.id)
        update_profile(user, version=user.version, position="Baş mütəxəssis Rəhimova")
        course = courses.get_course(COURSE)
        courses.enrol(user, course)
        courses.mark_done(user, course, course.lessons[0].slug)
        from m4eg.courses.models import Certificate

        db.session.add(Certificate(code="ERAS-ABCD-2345", user_id=user.id, course_slug=COURSE,
                                   learner_name=user.name, course_title_az="K",
                                   course_title_en="C", hours=4, language="az"))
        workshop = workshops.get_workshop(workshop_id)
        record = workshops.add_participant(workshop, user)
        record.attendance = "present"
        plan = plans.get_plan(plan_id)
        plans.add_comment(plan, "vision", "Fikrimcə vizyon aydındır.", user)
        queue_mail(user.email, "Test", f"Hello {user.name}")
        db.session.commit()
    return person, plan_id, workshop_id


def _counts(app):
    from m4eg.courses.models import Certificate, Enrolment, LessonProgress
    from m4eg.plans.models import Comment, PlanEvent
    from m4eg.workshops.models import WorkshopRegistration

    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Enrolment, LessonProgress, Certificate, WorkshopRegistration,
                              Comment, PlanEvent, User)}


def _rows_mentioning(app, *secrets) -> list[str]:
    """Every (table, column) of the whole schema holding one of ``secrets`` (any text or
    JSON column, case-insensitive)."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | JSON):
                    continue
                for secret in secrets:
                    hits = db.session.scalar(select(func.count()).select_from(table).where(
                        func.lower(column.cast(String)).like(f"%{secret.lower()}%")))
                    if hits:
                        found.append(f"{table.name}.{column.name}: {secret}")
            # Binary columns (the outbox's raw messages) are read as bytes.
            for column in table.columns:
                if isinstance(column.type, LargeBinary):
                    for (raw,) in db.session.execute(select(column)):
                        for secret in secrets:
                            if raw and secret.lower().encode() in raw.lower():
                                found.append(f"{table.name}.{column.name}: {secret}")
    return found


def test_erasure_removes_the_person_from_every_table_and_keeps_the_counts(
        app, client, make_user, make_plan, make_workshop, member_id, login_as):
    person, plan_id, workshop_id = _rich_person(app, make_user, make_plan, make_workshop,
                                                member_id)
    secrets = ("sabina.rahimova@example.org", "Rəhimova", "Səbinə", "Baş mütəxəssis")
    assert _rows_mentioning(app, *secrets)  # the check finds them before
    theirs = app.test_client()
    log_in(theirs, person.email)
    admin = login_as("admin")
    before = _counts(app)
    ask = client.get(f"/en/accounts/users/{person.id}/erase").get_data(as_text=True)
    assert "This cannot be undone" in ask
    done = client.post(f"/en/accounts/users/{person.id}/erase",
                       data={"version": _version(app, person.id)}, follow_redirects=True)
    page = done.get_data(as_text=True)
    pseudonym = re.search(r"it is now (ID-[0-9A-F]{8})", page).group(1)

    assert _rows_mentioning(app, *secrets) == []
    assert _counts(app) == before  # enrolments, attendance, comments… all still counted
    erased = _user(app, person.id)
    assert (erased.name, erased.position, erased.sex, erased.role) == (
        pseudonym, "", "not_stated", "staff")
    assert erased.email.endswith("@erased.invalid") and erased.erased_at is not None
    # Signed out at once.
    assert theirs.get("/en/accounts/profile").status_code == 302
    # Pages and exports show the pseudonym where the name was.
    certificate = client.get("/en/certificates/ERAS-ABCD-2345").get_data(as_text=True)
    assert pseudonym in certificate and "Rəhimova" not in certificate
    history = client.get(f"/en/plans/{plan_id}/history").get_data(as_text=True)
    assert pseudonym in history and "Rəhimova" not in history
    exports = [client.get(url).get_data() for url in (
        "/en/accounts/audit.csv", "/en/courses/reports.csv", "/en/courses/reports.xlsx",
        f"/en/workshops/{workshop_id}/sign-in-sheet.pdf", "/en/plans/queue.csv",
        f"/en/plans/{plan_id}.pdf", "/en/accounts/users/?q=rahimova")]
    for content in exports:
        assert b"sabina" not in content.lower() and "Rəhimova".encode() not in content
    sheet = _pdf_text(exports[3])
    assert "Rəhimova" not in sheet
    with app.app_context():  # nor the sex recorded with the old profile
        states = [event.before for event in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "profile.updated"))]
        assert [state["sex"] for state in states] == [pseudonym]
    # The audit log records the erasure, without what was erased.
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.erased"))
        assert (event.actor_id, event.target_id, event.after) == (
            admin.id, person.id, {"pseudonym": pseudonym})
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.to_address == person.email)) == 0
    # The old address and password open nothing.
    assert log_in(theirs, "sabina.rahimova@example.org").status_code == 200
    assert theirs.get("/en/accounts/profile").status_code == 302
    # Erased once; a second time, or a reactivation, is refused.
    for action in ("erase", "reactivate"):
        again = client.post(f"/en/accounts/users/{person.id}/{action}",
                            data={"version": _version(app, person.id)})
        assert again.status_code == 400 and "erased" in again.get_data(as_text=True)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_an_administrator_erases_their_own_account_when_another_remains(app, client,
                                                                        make_user, login_as):
    make_user("admin")
    me = login_as("admin")
    assert client.post(f"/en/accounts/users/{me.id}/erase",
                       data={"version": _version(app, me.id)}).status_code == 302
    assert _user(app, me.id).erased_at is not None
    assert client.get("/en/accounts/profile").status_code == 302  # signed out


# ---------------------------------------------------------------- one's own data


def test_a_person_downloads_their_data_as_json_and_csv(app, client, make_user, make_plan,
                                                       make_workshop, member_id):
    person, plan_id, workshop_id = _rich_person(app, make_user, make_plan, make_workshop,
                                                member_id)
    log_in(client, person.email)
    profile = client.get("/en/accounts/profile").get_data(as_text=True)
    assert f"/en/accounts/users/{person.id}/data.zip" in profile
    response = client.get(f"/en/accounts/users/{person.id}/data.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "no-store" in response.headers["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    for table in ("profile", "sessions", "security_log", "enrolments", "lesson_progress",
                  "quiz_attempts", "certificates", "workshop_registrations", "plan_edits",
                  "plan_comments"):
        assert {f"{table}.json", f"{table}.csv"} <= names, table
    [me] = json.loads(archive.read("profile.json"))
    assert (me["name"], me["email"], me["sex"]) == ("Səbinə Rəhimova",
                                                     "sabina.rahimova@example.org", "female")
    [enrolment] = json.loads(archive.read("enrolments.json"))
    assert enrolment["course_slug"] == COURSE
    [registration] = json.loads(archive.read("workshop_registrations.json"))
    assert (registration["workshop_id"], registration["attendance"]) == (workshop_id,
                                                                         "present")
    comments = list(csv.DictReader(io.StringIO(
        archive.read("plan_comments.csv").decode("utf-8-sig"))))
    assert [(c["plan_id"], c["body"]) for c in comments] == [
        (str(plan_id), "Fikrimcə vizyon aydındır.")]
    edits = json.loads(archive.read("plan_edits.json"))
    assert {edit["action"] for edit in edits} >= {"started"}
    log = json.loads(archive.read("security_log.json"))
    assert "profile.updated" in {entry["action"] for entry in log}
    assert json.loads(archive.read("all.json"))["certificates"][0]["code"] == "ERAS-ABCD-2345"


def test_another_persons_data_is_refused_even_to_an_administrator(app, client, make_user,
                                                                   login_as):
    other = make_user()
    for role in ("staff", "coordinator", "admin"):
        login_as(role)
        refused = client.get(f"/en/accounts/users/{other.id}/data.zip")
        assert refused.status_code == 403, role
        assert refused.mimetype == "text/html"
    assert client.get("/en/accounts/users/999999/data.zip").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "user.data_exported")) == 0


def test_a_registered_domain_appears_in_the_export_and_is_erased(app, client, make_user,
                                                                 login_as):
    """How notifications (or any later domain) join: register an exporter and an eraser."""
    from m4eg.core.personal_data import register_personal_data

    erased = []
    register_personal_data(app, "notifications",
                           export=lambda user_id: [{"kind": "comment", "user": user_id}],
                           erase=erased.append)
    person = make_user()
    log_in(client, person.email)
    archive = zipfile.ZipFile(io.BytesIO(
        client.get(f"/en/accounts/users/{person.id}/data.zip").data))
    assert json.loads(archive.read("notifications.json")) == [
        {"kind": "comment", "user": person.id}]
    make_user("admin")
    login_as("admin")
    client.post(f"/en/accounts/users/{person.id}/erase",
                data={"version": _version(app, person.id)})
    assert erased == [person.id]


# ---------------------------------------------------------------- the audit log


def _audit_fixture(app, make_user):
    people = [make_user(name=name, email=email) for name, email in (
        ("Aysel Məmmədova", "aysel@example.org"), ("Tural Qasımov", "tural@example.org"))]
    from m4eg.core import audit

    with app.app_context():
        aysel, tural = (db.session.get(User, p.id) for p in people)
        # Noon UTC: the same calendar day in UTC and in Baku (the filter's days are Baku
        # days), whatever the hour the suite runs at.
        old = (utcnow() - timedelta(days=40)).replace(hour=12, minute=0, second=0)
        for _n in range(60):  # more than a page
            audit.record("login", actor=aysel, target=aysel, ip="10.0.0.1")
        audit.record("profile.updated", actor=tural, target=tural,
                     before={"name": "Tural"}, after={"name": "Tural Qasımov"})
        db.session.flush()
        db.session.execute(text("UPDATE audit_events SET at = :at WHERE action = "
                                "'profile.updated'"), {"at": old})
        db.session.commit()
    return people, old


def _actions(page: str) -> set[str]:
    return set(re.findall(r'<td data-label="Action">([^<]+)</td>', page))


def test_the_audit_log_filters_by_person_action_object_and_days(app, client, make_user,
                                                                login_as):
    (aysel, tural), old = _audit_fixture(app, make_user)
    login_as("admin")
    everything = client.get("/en/accounts/audit").get_data(as_text=True)
    assert "Page 1 of 2" in everything and "Logged in" in _actions(everything)
    mine = client.get("/en/accounts/audit?person=tural").get_data(as_text=True)
    assert _actions(mine) == {"Profile saved"} and "Tural Qasımov" in mine
    assert "10.0.0.1" not in mine
    action = client.get("/en/accounts/audit?action=profile.updated").get_data(as_text=True)
    assert "1 entry" in action and _actions(action) == {"Profile saved"}
    obj = client.get(f"/en/accounts/audit?object=User&object_id={aysel.id}").get_data(
        as_text=True)
    assert _actions(obj) == {"Logged in"}
    day = old.date().isoformat()
    dated = client.get(f"/en/accounts/audit?start={day}&end={day}").get_data(as_text=True)
    assert "1 entry" in dated and _actions(dated) == {"Profile saved"}
    second = client.get("/en/accounts/audit?person=aysel&page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second


def test_the_audit_log_downloads_as_csv_with_the_same_filter(app, client, make_user,
                                                             login_as):
    _audit_fixture(app, make_user)
    login_as("admin")
    response = client.get("/en/accounts/audit.csv?person=tural")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["When (UTC)", "Who", "Action"]
    assert [row[1:3] for row in rows[1:]] == [["tural@example.org", "Profile saved"]]
    assert json.loads(rows[1][6]) == {"name": "Tural Qasımov"}


def test_a_bad_audit_filter_is_refused_with_a_message(client, login_as):
    login_as("admin")
    for query in ("start=yesterday", "object_id=abc", "start=2024-05-02&end=2024-05-01"):
        refused = client.get(f"/en/accounts/audit?{query}")
        assert refused.status_code == 400, query
        page = refused.get_data(as_text=True)
        assert "Not a valid" in page or "must not be before" in page, query
        assert client.get(f"/en/accounts/audit.csv?{query}").status_code == 400


def test_the_audit_log_stays_append_only(app_ctx):
    import pytest

    from m4eg.core.audit import AuditLogIsAppendOnly, record

    event = record("login")
    db.session.commit()
    event.action = "changed"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()


def test_the_privacy_page_names_the_controller_the_contact_and_the_rights(app, client):
    page = client.get("/en/privacy").get_data(as_text=True)
    assert "United Nations Development Programme (UNDP) Azerbaijan Office" in page
    assert "to the network's coordinators" in page and "mailto:" not in page
    assert "120 minutes without activity" in page and "72 hours" in page
    assert "Have it erased" in page and "See your data" in page
    app.config["PRIVACY_CONTACT"] = "privacy@example.org"
    page = client.get("/en/privacy").get_data(as_text=True)
    assert 'href="mailto:privacy@example.org"' in page
    assert client.get("/az/privacy").status_code == 200


def test_the_privacy_page_falls_back_to_the_platforms_address_and_says_who_sees(app, client):
    app.config["MAIL_DEFAULT_SENDER"] = "M4EG Azerbaijan <m4eg@example.org>"
    page = client.get("/en/privacy").get_data(as_text=True)
    assert "to the programme's coordinators" in page
    assert 'href="mailto:m4eg@example.org"' in page
    assert "your notifications on the platform: as long as your account exists" in page
    assert "The focal points of a municipality see" in page
    assert "A P4EG plan approved by the coordinators is public" in page
    app.config["MAIL_DEFAULT_SENDER"] = "M4EG <no-reply@example.org>"
    assert "mailto:" not in client.get("/en/privacy").get_data(as_text=True)


def test_the_data_archive_explains_itself_and_empty_tables_keep_their_header(
        app, client, make_user, make_plan, make_workshop, member_id):
    """A person opening the ZIP finds a README (Azerbaijani first, then English) saying what
    each file holds and how many records; a table they have no records in still opens in a
    spreadsheet with its column names; every table's rows carry exactly the columns the README
    lists (so the README cannot drift from the export)."""
    person, _plan_id, _workshop_id = _rich_person(app, make_user, make_plan, make_workshop,
                                                  member_id)
    log_in(client, person.email)
    archive = zipfile.ZipFile(io.BytesIO(
        client.get(f"/en/accounts/users/{person.id}/data.zip").data))
    readme = archive.read("README.txt").decode("utf-8")
    assert readme.index("M4EG Azərbaycan platformasındakı məlumatlarınız") < readme.index(
        "Your data on the M4EG Azerbaijan platform")
    assert "Yazıldığınız ULC kursları və onları nə vaxt başa vurduğunuz." in readme
    assert "The ULC courses you enrolled in and when you completed them." in readme
    assert "enrolments.csv, enrolments.json" in readme and "1 record" in readme
    # This person finalised no annual report: the CSV still has its header row.
    empty = archive.read("reports_finalised.csv").decode("utf-8-sig").splitlines()
    assert empty == ["period_from,period_to,finalised_at,name_printed"]
    assert "You have no records of this kind." in readme
    everything = json.loads(archive.read("all.json"))
    for name, rows in everything.items():
        header = archive.read(f"{name}.csv").decode("utf-8-sig").splitlines()[0].split(",")
        assert f"Columns: {', '.join(header)}" in readme, name
        for row in rows:
            assert list(row) == header, name
