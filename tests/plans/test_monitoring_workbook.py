"""The offline workbook of a monitoring report, both ways: download it, fill it in with
openpyxl as a person would in Excel, upload it for a dry run, apply it (a new draft version
through the report's own save, in its history); the conflict case; and every refusal (a
plan's workbook on a report and a report's on a plan, another report's, an edited checksum,
formulas, macros, a file too large, cells of the wrong type, a report no longer editable,
another municipality)."""

import io
import json
import re
import zipfile
from datetime import date

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from m4eg.accounts.services import get_user
from m4eg.core.audit import AuditEvent
from m4eg.extensions import db
from m4eg.plans import services, workbook
from m4eg.plans.models import Plan, PlanEvent
from m4eg.plans.monitoring_models import ActionProgress, MonitoringReport
from tests.conftest import log_in as _log_in
from tests.plans.monitoring_support import approve_plan, make_round, report_form


def log_in(client, user):
    client.post("/en/accounts/logout")
    assert _log_in(client, user.email).status_code == 302


@pytest.fixture
def report(app, make_plan, make_user, member_id):
    """Khirdalan's approved plan (two actions, two targets) with a 2025 monitoring report
    saved once online (action 1 ongoing at 40 %), its focal point, Urva's focal point with a
    draft plan of Urva, and a coordinator."""
    focal = make_user(role="focal_point", municipality_id=member_id("khirdalan"))
    other = make_user(role="focal_point", municipality_id=member_id("urva"))
    coordinator = make_user(role="coordinator")
    plan_id = make_plan("khirdalan", by=focal)
    urva_plan = make_plan("urva", by=other)
    with app.app_context(), force_locale("en"):
        plan = db.session.get(Plan, plan_id)
        approve_plan(plan, get_user(focal.id), get_user(coordinator.id))
        started = services.start_report(plan, make_round(), get_user(focal.id))
        services.save_report(started, report_form(started.version), get_user(focal.id),
                             version=started.version, lang="en")
        db.session.commit()
        report_id = started.id
    return {"id": report_id, "plan": plan_id, "focal": focal, "other": other,
            "coordinator": coordinator, "urva_plan": urva_plan}


def _download(client, report_id, lang="en", page_lang="en"):
    response = client.get(f"/{page_lang}/plans/monitoring/{report_id}/workbook/{lang}.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return response.data


def _book(client, report_id, lang="en"):
    return load_workbook(io.BytesIO(_download(client, report_id, lang)))


def _sheet(book, part):
    return next(s for s in book.worksheets if s["A1"].value == f"s:{part}")


def _marked(sheet, marker):
    return next(cell.row for cell in sheet["A"] if cell.value == marker)


def _cell(book, part, row, header):
    """The cell of a grid part's ``row`` (the action's or target's row in the plan) under the
    column whose prompt starts with ``header``."""
    sheet = _sheet(book, part)
    headers = sheet[_marked(sheet, "h:grid")]
    column = next(c.column for c in headers if str(c.value or "").startswith(header))
    return sheet.cell(row=_marked(sheet, f"g:{row}"), column=column)


def _field(book, key):
    """The value cell of a narrative field (``changed``, ``learnt``, ``help``)."""
    sheet = _sheet(book, "narrative")
    return sheet.cell(row=_marked(sheet, f"f:n-{key}"), column=3)


def _save(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client, report_id, data, filename="report.xlsx", lang="en"):
    boundary, body = encode_multipart(MultiDict({"file": FileStorage(io.BytesIO(data),
                                                                     filename)}))
    return client.post(f"/{lang}/plans/monitoring/{report_id}/workbook/check", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _token(page):
    match = re.search(r'name="token" type="hidden" value="([0-9a-f]{64})"', page)
    return match.group(1) if match else None


def _apply(client, report_id, page, lang="en"):
    return client.post(f"/{lang}/plans/monitoring/{report_id}/workbook/apply",
                       data={"token": _token(page)})


def _state(app, report_id):
    with app.app_context():
        report = db.session.get(MonitoringReport, report_id)
        saves = db.session.scalar(select(func.count()).select_from(PlanEvent).where(
            PlanEvent.report_id == report_id, PlanEvent.action == "report_saved"))
        return report.content, report.version, saves


def _errors(page):
    """The dry run's error table as (sheet, cell, message) rows."""
    return re.findall(r"<tr><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>",
                      page)


# ---------------------------------------------------------------- the workbook


def test_the_workbook_mirrors_the_report_form(app, client, report):
    log_in(client, report["focal"])
    book = _book(client, report["id"], "az")
    with app.app_context(), force_locale("az"):
        statuses = [str(s.label) for s in ActionProgress]
        titles = [f"{n}. {services.SECTIONS[k]}"
                  for n, k in enumerate(("actions", "targets", "narrative"), start=1)]
    assert book.sheetnames == ["Oxuyun", *titles, "_lists", "_m4eg"]
    actions = _sheet(book, "actions")
    header = actions[_marked(actions, "h:grid")]
    prompts = [c.value for c in header[1:]]
    assert prompts[:3] == ["Fəaliyyət", "Planlaşdırılmış büdcə (AZN)", "Status *"]  # in az
    assert "Xərclənib, mənbə: Donor (AZN)" in prompts
    # Status: a drop-down of the translated choices, from the hidden list sheet.
    status = _cell(book, "actions", 0, prompts[2])
    rule = next(v for v in actions.data_validations.dataValidation
                if status.coordinate in v.sqref)
    assert rule.type == "list" and "_lists" in rule.formula1
    letter = re.search(r"\$([A-Z]+)\$1", rule.formula1).group(1)
    assert [c.value for c in book["_lists"][letter] if c.value] == statuses
    assert book["_lists"].sheet_state == "hidden"
    assert status.value == statuses[2]  # action 1 saved online as completed
    # The prompts and the action's name are protected, the cells to fill in are not; a
    # source the action is not funded by is locked.
    assert actions.protection.sheet
    assert header[1].protection.locked and _cell(book, "actions", 0, prompts[0]).protection.locked
    assert not status.protection.locked
    assert _cell(book, "actions", 0, prompts[0]).value == "1. Guesthouse grants"
    # The planned budget, by funding source, beside the money spent (as the form says it).
    assert _cell(book, "actions", 1, prompts[1]).value == \
        "250.000\nBələdiyyə büdcəsi: 50.000\nMərkəzi hökumət: 200.000"
    assert _cell(book, "actions", 1, prompts[1]).protection.locked
    central = next(p for p in prompts if p and p.startswith("Xərclənib, mənbə: Mərkəzi"))
    assert _cell(book, "actions", 0, central).protection.locked
    assert not _cell(book, "actions", 1, central).protection.locked
    assert _cell(book, "actions", 1, central).value == 60000  # numbers stay numbers
    share = _cell(book, "actions", 1, prompts[4])
    assert share.value == 40 and any(v.type == "decimal" and share.coordinate in v.sqref
                                     for v in actions.data_validations.dataValidation)
    targets = _sheet(book, "targets")
    actual = _cell(book, "targets", 0, "Faktiki")
    day = targets.cell(row=actual.row, column=actual.column + 1)
    assert actual.value == 75 and day.value.date() == date(2025, 11, 30)
    assert any(v.type == "date" and day.coordinate in v.sqref
               for v in targets.data_validations.dataValidation)
    assert _field(book, "changed").value == "Guesthouses opened in the old town."
    meta = book["_m4eg"]
    assert meta.sheet_state == "veryHidden" and meta.protection.sheet
    pairs = {row[0]: row[1] for row in meta.iter_rows(values_only=True)}
    with app.app_context():
        version = db.session.get(MonitoringReport, report["id"]).version
    assert pairs["kind"] == "report" and pairs["id"] == report["id"]
    assert json.loads(pairs["versions"]) == {"report": version}
    assert re.fullmatch(r"[0-9a-f]{64}", pairs["checksum"])


def test_the_report_pages_link_the_workbook(client, report):
    log_in(client, report["focal"])
    workbook_url = f"/en/plans/monitoring/{report['id']}/workbook"
    for page in (f"/en/plans/monitoring/{report['id']}",
                 f"/en/plans/monitoring/{report['id']}/edit"):
        assert f'href="{workbook_url}"' in client.get(page).get_data(as_text=True)
    page = client.get(workbook_url).get_data(as_text=True)
    assert "Download in Azerbaijani (XLSX)" in page and "Upload the filled-in workbook" in page
    assert f'href="{workbook_url}/az.xlsx"' in page


# ---------------------------------------------------------------- round trip


def test_round_trip_dry_run_then_apply_writes_a_new_draft_version(app, client, report):
    log_in(client, report["focal"])
    book = _book(client, report["id"])
    _cell(book, "actions", 1, "Status").value = "Completed"
    _cell(book, "actions", 1, "Share done").value = 100
    _cell(book, "actions", 1, "Spent from: Central government").value = "65,000.5"  # en text
    _cell(book, "actions", 0, "Note").value = "Twelve grants paid."
    _cell(book, "targets", 0, "Actual value").value = 80
    _cell(book, "targets", 0, "Date of the actual value").value = "15.11.2025"  # as typed
    _field(book, "learnt").value = "Start the grants before the season."
    before = _state(app, report["id"])

    response = _upload(client, report["id"], _save(book))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Dry run: nothing is written yet" in page and "What would change" in page
    changes = page.split('<ul class="workbook-changes">')[1].split("</ul>\n")[0]
    assert "Actions: 2. Drain the lower streets — Status" in changes
    status_change = changes[changes.index("Drain the lower streets — Status"):]
    assert status_change.index("Ongoing") < status_change.index("Completed")  # old → new
    assert "Actions: 2. Drain the lower streets — Spent from: Central government" in changes
    assert "60,000" in changes and "65,000.5" in changes
    assert "Targets: 1. Beds in registered guesthouses — Date of the actual value" in changes
    assert "2025-11-15" in changes and "Twelve grants paid." in changes
    assert "What was learnt" in changes and "Start the grants before the season." in changes
    assert "<strong>7</strong> fields to change" in page
    assert _state(app, report["id"]) == before  # the dry run wrote nothing

    applied = _apply(client, report["id"], page)
    assert applied.status_code == 302
    assert applied.headers["Location"].endswith(f"/en/plans/monitoring/{report['id']}")
    content, version, saves = _state(app, report["id"])
    assert version == before[1] + 1 and saves == before[2] + 1
    second = content["actions"][1]
    assert second["status"] == "completed" and second["done_pct"] == 100
    assert second["spent"] == {"municipal_budget": 10000, "central_government": 65000.5}
    assert content["actions"][0]["note"] == "Twelve grants paid."
    assert content["actions"][0]["status"] == "completed"  # untouched values stay
    assert content["targets"][0] == {"row": 0, "actual": 80, "date": "2025-11-15"}
    assert content["targets"][1] == {"row": 1, "actual": 220, "date": "2025-10-15"}
    assert content["narrative"]["learnt"] == "Start the grants before the season."
    assert content["narrative"]["changed"] == "Guesthouses opened in the old town."
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "plans.report_workbook_applied"))
        assert event.target_type == "MonitoringReport" and event.target_id == report["id"]
    history = client.get(f"/en/plans/monitoring/{report['id']}/history").get_data(
        as_text=True)
    assert history.count("saved the monitoring report") == 2
    shown = client.get(f"/en/plans/monitoring/{report['id']}").get_data(as_text=True)
    assert "Twelve grants paid." in shown
    # The same file again: nothing more to write.
    again = _upload(client, report["id"], _save(book)).get_data(as_text=True)
    assert "The workbook holds no change to the monitoring report." in again
    assert _token(again) is None


def test_numbers_typed_in_azerbaijani_are_read_as_az_writes_them(app, client, report):
    log_in(client, report["focal"])
    book = _book(client, report["id"], "az")
    _cell(book, "actions", 1, "Xərclənib, mənbə: Mərkəzi").value = "1 234,5"
    _cell(book, "actions", 1, "Xərclənib, mənbə: Bələdiyyə").value = "65.000"
    _cell(book, "actions", 0, "Xərclənib, mənbə: Donor").value = "390.000,25"
    _cell(book, "targets", 1, "Faktiki").value = "2,5"
    _cell(book, "targets", 1, "Faktiki dəyərin").value = "1 oktyabr 2025"
    # Uploaded on an English page: the workbook's language decides how its text reads.
    page = _upload(client, report["id"], _save(book), lang="en").get_data(as_text=True)
    assert not _errors(page)
    assert _apply(client, report["id"], page).status_code == 302
    content = _state(app, report["id"])[0]
    assert content["actions"][1]["spent"] == {"municipal_budget": 65000,
                                              "central_government": 1234.5}
    assert content["actions"][0]["spent"] == {"donor": 390000.25}
    assert content["targets"][1] == {"row": 1, "actual": 2.5, "date": "2025-10-01"}


def test_a_field_changed_online_meanwhile_is_shown_side_by_side_and_kept(app, client,
                                                                        report):
    log_in(client, report["focal"])
    book = _book(client, report["id"])
    with app.app_context(), force_locale("en"):
        online = db.session.get(MonitoringReport, report["id"])
        data = report_form(online.version, narrative="Changed online by a colleague")
        data["a-0-note"] = "Note written online"
        services.save_report(online, data, get_user(report["focal"].id),
                             version=online.version, lang="en")
        db.session.commit()
    _field(book, "changed").value = "Changed offline in the workbook"
    _cell(book, "targets", 1, "Actual value").value = 210

    page = _upload(client, report["id"], _save(book)).get_data(as_text=True)
    assert "Changed online since your download" in page
    conflict = page[page.index("Changed online since your download"):]
    assert "Narrative: What changed" in conflict
    assert conflict.index("Changed online by a colleague") < conflict.index(
        "Changed offline in the workbook")
    assert "<strong>1</strong> changed online meanwhile" in page
    assert _apply(client, report["id"], page).status_code == 302
    content = _state(app, report["id"])[0]
    assert content["narrative"]["changed"] == "Changed online by a colleague"  # kept
    assert content["actions"][0]["note"] == "Note written online"  # not in the workbook
    assert content["targets"][1]["actual"] == 210
    # The same file again: only the conflict is left, and nothing to write.
    again = _upload(client, report["id"], _save(book)).get_data(as_text=True)
    assert "Apart from the fields changed online meanwhile, the workbook holds no change" \
        in again and _token(again) is None


# ---------------------------------------------------------------- refusals


def _refused(client, report_id, data, filename="report.xlsx", lang="en"):
    response = _upload(client, report_id, data, filename, lang)
    assert response.status_code == 400
    assert _token(response.get_data(as_text=True)) is None
    return response.get_data(as_text=True)


def test_a_plans_workbook_on_a_report_and_a_reports_on_a_plan_are_refused(app, client,
                                                                           report):
    log_in(client, report["focal"])
    before = _state(app, report["id"])
    plan_book = client.get(f"/en/plans/{report['plan']}/workbook/en.xlsx").data
    page = _refused(client, report["id"], plan_book)
    assert f"This workbook belongs to another document (plan no. {report['plan']})" in page
    assert _state(app, report["id"]) == before
    report_book = _download(client, report["id"])
    log_in(client, report["other"])
    with app.app_context():
        urva_before = db.session.get(Plan, report["urva_plan"]).content
    boundary, body = encode_multipart(MultiDict({"file": FileStorage(
        io.BytesIO(report_book), "report.xlsx")}))
    response = client.post(f"/en/plans/{report['urva_plan']}/workbook/check", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    assert (f"This workbook belongs to another document (monitoring report no. "
            f"{report['id']})") in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Plan, report["urva_plan"]).content == urva_before


def test_another_reports_workbook_is_refused(app, client, report):
    with app.app_context(), force_locale("en"):
        plan = db.session.get(Plan, report["plan"])
        later = services.start_report(plan, make_round(
            "2026", date(2026, 1, 1), date(2026, 12, 31), date(2027, 2, 28)),
            get_user(report["focal"].id))
        db.session.commit()
        later_id = later.id
    log_in(client, report["focal"])
    before = _state(app, report["id"])
    page = _refused(client, report["id"], _download(client, later_id))
    assert f"(monitoring report no. {later_id})" in page
    assert _state(app, report["id"]) == before


def test_an_edited_checksum_is_refused_in_the_pages_language(app, client, report):
    log_in(client, report["focal"])
    book = _book(client, report["id"])
    checksum = next(row for row in book["_m4eg"].iter_rows() if row[0].value == "checksum")
    checksum[1].value = "0" * 64
    assert "its checksum does not match" in _refused(client, report["id"], _save(book))
    # The version pushed forward by hand (to dodge the conflict check) breaks it too.
    book = _book(client, report["id"])
    versions = next(row for row in book["_m4eg"].iter_rows() if row[0].value == "versions")
    versions[1].value = json.dumps({"report": 99})
    page = _refused(client, report["id"], _save(book), lang="az")
    with app.test_request_context("/az/"), force_locale("az"):
        expected = str(workbook._tampered().message)
    assert expected in page.replace("&#39;", "'").replace("&quot;", '"')
    assert "its checksum does not match" not in page
    assert _state(app, report["id"])[1] == 2


def test_macros_and_a_file_too_large_are_refused_and_formulas_listed(app, client, report):
    log_in(client, report["focal"])
    data = _download(client, report["id"])
    before = _state(app, report["id"])
    assert "Workbooks with macros are not accepted" in _refused(client, report["id"], data,
                                                                "report.xlsm")
    with_macro = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(with_macro, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/vbaProject.bin", b"\x00" * 64)
    assert "Workbooks with macros are not accepted" in _refused(
        client, report["id"], with_macro.getvalue())
    assert "larger than 5 MB" in _refused(client, report["id"], data + b"\x00" * (6 << 20))
    book = load_workbook(io.BytesIO(data))
    formula = _cell(book, "actions", 0, "Spent from: Donor")
    formula.value = "=380000+1000"
    _field(book, "help").value = "Would be written without the formula"
    page = _upload(client, report["id"], _save(book)).get_data(as_text=True)
    assert (_sheet(book, "actions").title, formula.coordinate,
            "Formulas are not accepted: type the value itself.") in _errors(page)
    assert _token(page) is None and _state(app, report["id"]) == before


def test_cells_of_the_wrong_type_are_listed_with_sheet_and_cell_and_nothing_is_written(
        app, client, report):
    log_in(client, report["focal"])
    book = _book(client, report["id"])
    spent = _cell(book, "actions", 0, "Spent from: Donor")
    spent.value = "a lot"
    share = _cell(book, "actions", 1, "Share done")
    share.value = 150
    status = _cell(book, "actions", 1, "Status")
    status.value = "Finished"
    day = _cell(book, "targets", 0, "Date of the actual value")
    day.value = "next spring"
    actual = _cell(book, "targets", 1, "Actual value")
    actual.value = True
    _field(book, "help").value = "Would be written without the errors"
    before = _state(app, report["id"])

    page = _upload(client, report["id"], _save(book)).get_data(as_text=True)
    assert "Nothing can be written while the workbook has errors" in page
    errors = {(sheet, cell): message for sheet, cell, message in _errors(page)}
    actions, targets = _sheet(book, "actions").title, _sheet(book, "targets").title
    assert "is not a number" in errors[(actions, spent.coordinate)]
    assert "must be between 0 and 100" in errors[(actions, share.coordinate)]
    assert "choose one of the statuses" in errors[(actions, status.coordinate)]
    assert "“next spring” is not a date" in errors[(targets, day.coordinate)]
    assert "“TRUE” is not a number" in errors[(targets, actual.coordinate)]
    assert _token(page) is None and _state(app, report["id"]) == before
    forged = client.post(f"/en/plans/monitoring/{report['id']}/workbook/apply",
                         data={"token": "0" * 64}, follow_redirects=True)
    assert "no longer available" in forged.get_data(as_text=True)
    assert _state(app, report["id"]) == before


def test_a_postponed_action_without_a_reason_is_an_error_on_its_reason_cell(app, client,
                                                                          report):
    log_in(client, report["focal"])
    book = _book(client, report["id"])
    _cell(book, "actions", 0, "Status").value = "Postponed"
    reason = _cell(book, "actions", 0, "Reason")
    page = _upload(client, report["id"], _save(book)).get_data(as_text=True)
    errors = {cell: message for _sheet_title, cell, message in _errors(page)}
    assert "say why it is Postponed" in errors[reason.coordinate]


def test_a_report_no_longer_editable_takes_no_workbook(app, client, report):
    log_in(client, report["focal"])
    data = _download(client, report["id"])
    with app.app_context():
        services.submit_report(db.session.get(MonitoringReport, report["id"]),
                               get_user(report["focal"].id))
        db.session.commit()
    before = _state(app, report["id"])
    page = _refused(client, report["id"], data)
    assert "This monitoring report is Submitted and cannot be edited now." in page
    page = client.get(f"/en/plans/monitoring/{report['id']}/workbook").get_data(as_text=True)
    assert "Upload the filled-in workbook" not in page
    assert "a workbook can be uploaded again when the report is a draft" in page
    assert _state(app, report["id"]) == before


def test_only_the_municipalitys_focal_point_uploads(app, client, report, login_as):
    log_in(client, report["focal"])
    book = _book(client, report["id"])
    _field(book, "help").value = "Written by someone else"
    data = _save(book)
    before = _state(app, report["id"])
    for who in (report["other"], report["coordinator"]):
        log_in(client, who)
        assert _upload(client, report["id"], data).status_code in (403, 404)
    login_as("staff", municipality_id=db_municipality(app, report))
    assert _upload(client, report["id"], data).status_code in (403, 404)
    assert _state(app, report["id"]) == before


def db_municipality(app, report):
    with app.app_context():
        return db.session.get(Plan, report["plan"]).municipality_id


@pytest.mark.parametrize(("typed", "lang", "read"), [
    ("2025-11-15", "en", "2025-11-15"), ("15.11.2025", "az", "2025-11-15"),
    ("5.3.2026", "en", "2026-03-05"), ("15 noyabr 2025", "az", "2025-11-15"),
    ("15 November 2025", "az", "2025-11-15"), ("15 Nov 2025", "en", "2025-11-15"),
    ("31.02.2026", "az", "31.02.2026"), ("next spring", "en", "next spring"),
    ("11/15/2025", "en", "11/15/2025"), ("5/3/2026", "en", "5/3/2026")])
def test_dates_are_read_as_people_type_them(typed, lang, read):
    """Day first with dots, or the month's name; an impossible date or a US-style one (month
    first, ambiguous) stays as typed, for the form's own message."""
    assert workbook._typed_date(typed, lang) == read


def test_a_number_typed_as_text_reads_in_the_workbooks_language_on_any_page(app):
    number = {"type": "number"}
    with app.test_request_context("/en/"):
        assert workbook._cell_text("1 234,5", number, "az", "en") == "1234.5"
        assert workbook._cell_text("1,234.5", number, "en", "az") == "1234,5"
        assert workbook._cell_text(1234.5, number, "en", "az") == "1234,5"
        assert workbook._cell_text("400.000", number, "en", "en") == "400.000"  # ambiguous
