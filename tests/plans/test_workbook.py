"""The offline workbook, both ways: download a plan as XLSX, fill it in with openpyxl as a
person would in Excel, upload it for a dry run, apply it; the conflict case and every bad
input (another plan, another template version, an edited checksum, formulas, macros, a file
too large, cells of the wrong type)."""

import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from m4eg.core.audit import AuditEvent
from m4eg.extensions import db
from m4eg.plans import services, workbook
from m4eg.plans.models import Plan, PlanEvent, PlanTemplate
from tests.conftest import log_in as _log_in
from tests.plans.conftest import block_form


def log_in(client, email):
    client.post("/en/accounts/logout")
    assert _log_in(client, email).status_code == 302


@pytest.fixture
def plan(app, make_plan, member_id, make_user):
    """A draft of Khirdalan with its vision section saved once online (one target)."""
    khirdalan = member_id("khirdalan")
    focal = make_user(role="focal_point", municipality_id=khirdalan, name="Leyla Hacıyeva")
    plan_id = make_plan("khirdalan", by=focal)
    with app.app_context():
        from m4eg.accounts.services import get_user

        plan = db.session.get(Plan, plan_id)
        form = block_form(plan.template, "vision", version=1, text="Online vision")
        services.save_block(plan, "vision", form, get_user(focal.id), version=1, lang="en")
        db.session.commit()
    return {"id": plan_id, "focal": focal, "municipality_id": khirdalan}


def _download(client, plan_id, lang="en"):
    response = client.get(f"/{lang}/plans/{plan_id}/workbook/{lang}.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return response.data


def _sheet(book, section):
    return next(s for s in book.worksheets if s["A1"].value == f"s:{section}")


def _row(sheet, marker, nth=0):
    rows = [cell.row for cell in sheet["A"] if cell.value == marker]
    return rows[nth]


def _field(book, section, key):
    """The value cell of a plain field."""
    sheet = _sheet(book, section)
    return sheet.cell(row=_row(sheet, f"f:{key}"), column=3)


def _table(book, template, section, key, row, column):
    """The cell of a table's ``row`` (from 0) and ``column`` key."""
    sheet = _sheet(book, section)
    columns = [c["key"] for c in next(f for f in template.block(section)["fields"]
                                      if f["key"] == key)["columns"]]
    return sheet.cell(row=_row(sheet, f"r:{key}", row), column=2 + columns.index(column))


def _save(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client, plan_id, data, filename="plan.xlsx", lang="en"):
    # The body is encoded in memory: the test client spools a large one to a temporary file
    # that it never closes (an unclosed file warns, and warnings fail).
    boundary, body = encode_multipart(MultiDict({"file": FileStorage(io.BytesIO(data),
                                                                     filename)}))
    return client.post(f"/{lang}/plans/{plan_id}/workbook/check", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _token(page):
    match = re.search(r'name="token" type="hidden" value="([0-9a-f]{64})"', page)
    return match.group(1) if match else None


def _template(app):
    with app.app_context():
        return db.session.scalar(select(PlanTemplate))


def _content(app, plan_id):
    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        return plan.content, {key: plan.block_version(key) for key in plan.blocks}


def test_the_workbook_mirrors_the_template(app, client, plan):
    log_in(client, plan["focal"].email)
    book = load_workbook(io.BytesIO(_download(client, plan["id"], "az")))
    template = _template(app)
    sections = [s for s in book.worksheets if str(s["A1"].value).startswith("s:")]
    assert [s["A1"].value for s in sections] == [f"s:{b['key']}" for b in template.blocks]
    vision = _sheet(book, "vision")
    assert vision["B1"].value == "Vizyon və hədəflər"  # the prompts in the chosen language
    assert vision.protection.sheet and vision["B1"].protection.locked
    assert not _field(book, "vision", "vision").protection.locked
    assert _field(book, "vision", "vision").value == "Online vision"
    baseline = _table(book, template, "vision", "targets", 0, "baseline")
    assert isinstance(baseline.value, int | float)  # numbers stay numbers
    actions = _sheet(book, "actions")
    lists = [v for v in actions.data_validations.dataValidation if v.type == "list"]
    assert lists and all("_lists" in v.formula1 for v in lists)
    assert book["_lists"].sheet_state == "hidden"
    meta = book["_m4eg"]
    assert meta.sheet_state == "veryHidden"
    pairs = {row[0]: row[1] for row in meta.iter_rows(values_only=True)}
    assert pairs["id"] == plan["id"] and pairs["template_version"] == template.version
    assert re.fullmatch(r"[0-9a-f]{64}", pairs["checksum"])


def test_round_trip_dry_run_then_apply(app, client, plan):
    log_in(client, plan["focal"].email)
    template = _template(app)
    book = load_workbook(io.BytesIO(_download(client, plan["id"])))
    _field(book, "vision", "vision").value = "Vision written offline"
    _table(book, template, "vision", "targets", 0, "baseline").value = 55
    _table(book, template, "vision", "targets", 1, "indicator").value = "Guesthouse beds"
    _table(book, template, "vision", "targets", 1, "baseline").value = "1,234.5"  # text, en
    _table(book, template, "vision", "targets", 1, "target_value").value = 2000
    _table(book, template, "vision", "targets", 1, "year").value = 2030
    _field(book, "diagnostic", "population").value = "12,500"
    before, versions = _content(app, plan["id"])

    response = _upload(client, plan["id"], _save(book))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Dry run: nothing is written yet" in page and "What would change" in page
    assert "Vision written offline" in page and "Row 2 added" in page
    assert "Row 1:" in page and "Baseline: 55" in page
    assert _content(app, plan["id"]) == (before, versions)  # the dry run wrote nothing

    applied = client.post(f"/en/plans/{plan['id']}/workbook/apply",
                          data={"token": _token(page)})
    assert applied.status_code == 302 and applied.headers["Location"].endswith(
        f"/en/plans/{plan['id']}")
    after, new_versions = _content(app, plan["id"])
    assert after["vision"]["vision"] == "Vision written offline"
    targets = after["vision"]["targets"]
    assert [t["baseline"] for t in targets] == [55, 1234.5]
    assert targets[1]["year"] == 2030 and targets[1]["indicator"] == "Guesthouse beds"
    assert after["diagnostic"]["population"] == 12500
    assert new_versions["vision"] == versions["vision"] + 1
    assert new_versions["diagnostic"] == versions["diagnostic"] + 1
    assert new_versions["drivers"] == versions["drivers"]  # untouched sections stay
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "plans.workbook_applied")) is not None
        assert db.session.scalar(select(PlanEvent).where(
            PlanEvent.plan_id == plan["id"], PlanEvent.action == "saved")) is not None
    # The same file again: nothing more to write.
    again = _upload(client, plan["id"], _save(book)).get_data(as_text=True)
    assert "The workbook holds no change to the plan." in again and _token(again) is None


def test_numbers_typed_as_text_follow_the_workbooks_language(app, client, plan):
    log_in(client, plan["focal"].email)
    template = _template(app)
    book = load_workbook(io.BytesIO(_download(client, plan["id"], "az")))
    _table(book, template, "vision", "targets", 0, "baseline").value = "1.234,5"
    _table(book, template, "vision", "targets", 0, "target_value").value = 0.125
    page = _upload(client, plan["id"], _save(book), lang="az").get_data(as_text=True)
    client.post(f"/az/plans/{plan['id']}/workbook/apply", data={"token": _token(page)})
    target = _content(app, plan["id"])[0]["vision"]["targets"][0]
    assert target["baseline"] == 1234.5 and target["target_value"] == 0.125


def test_a_field_changed_online_meanwhile_is_shown_side_by_side_and_kept(app, client, plan):
    log_in(client, plan["focal"].email)
    book = load_workbook(io.BytesIO(_download(client, plan["id"])))
    with app.app_context():
        from m4eg.accounts.services import get_user

        online = db.session.get(Plan, plan["id"])
        form = block_form(online.template, "vision", version=online.block_version("vision"),
                          text="Changed online by a colleague")
        services.save_block(online, "vision", form, get_user(plan["focal"].id),
                            version=online.block_version("vision"), lang="en")
        db.session.commit()
    _field(book, "vision", "vision").value = "Changed offline in the workbook"
    _field(book, "diagnostic", "summary").value = "A summary written offline"

    page = _upload(client, plan["id"], _save(book)).get_data(as_text=True)
    assert "Changed online since your download" in page
    conflict = page[page.index("Changed online since your download"):]
    assert conflict.index("Changed online by a colleague") < conflict.index(
        "Changed offline in the workbook")
    client.post(f"/en/plans/{plan['id']}/workbook/apply", data={"token": _token(page)})
    content = _content(app, plan["id"])[0]
    assert content["vision"]["vision"] == "Changed online by a colleague"  # not overwritten
    assert content["diagnostic"]["summary"] == "A summary written offline"


def test_cells_of_the_wrong_type_are_listed_with_sheet_and_cell_and_nothing_is_written(
        app, client, plan):
    log_in(client, plan["focal"].email)
    template = _template(app)
    book = load_workbook(io.BytesIO(_download(client, plan["id"])))
    baseline = _table(book, template, "vision", "targets", 0, "baseline")
    baseline.value = "a lot"
    start = _table(book, template, "actions", "action_plan", 0, "start")
    _table(book, template, "actions", "action_plan", 0, "action").value = "Market hall"
    start.value = "next spring"  # text where a date belongs
    budget = _table(book, template, "actions", "action_plan", 0, "budget_azn")
    budget.value = True  # a yes/no cell where a number belongs
    formula = _field(book, "diagnostic", "population")
    formula.value = "=1000+234"
    _field(book, "vision", "vision").value = "Would be written without the errors"
    before = _content(app, plan["id"])

    page = _upload(client, plan["id"], _save(book)).get_data(as_text=True)
    assert "Nothing can be written while the workbook has errors" in page
    vision_sheet = _sheet(book, "vision").title
    text = re.sub(r"<td[^>]*>", "<td>", page)  # the cells carry their column's data-label
    assert re.search(rf"<td>{re.escape(vision_sheet)}</td><td>{baseline.coordinate}</td>"
                     r"<td>[^<]*is not a number", text)
    assert f"<td>{start.coordinate}</td><td>Action plan, 1: Start: “next spring” is not a " \
        "date" in text
    assert f"<td>{budget.coordinate}</td><td>Action plan, 1: Budget (AZN): “TRUE” is not a " \
        "number" in text
    assert f"<td>{formula.coordinate}</td><td>Formulas are not accepted" in text
    assert _token(page) is None
    assert _content(app, plan["id"]) == before
    # A forged apply of that file is refused too.
    response = client.post(f"/en/plans/{plan['id']}/workbook/apply",
                           data={"token": "0" * 64}, follow_redirects=True)
    assert "no longer available" in response.get_data(as_text=True)
    assert _content(app, plan["id"]) == before


@pytest.fixture
def urva_plan(app, make_plan, member_id, make_user):
    urva = member_id("urva")
    focal = make_user(role="focal_point", municipality_id=urva)
    return {"id": make_plan("urva", by=focal), "focal": focal}


def _refused(client, plan_id, data, filename="plan.xlsx"):
    response = _upload(client, plan_id, data, filename)
    assert response.status_code == 400
    return response.get_data(as_text=True)


def test_a_workbook_of_another_plan_is_refused(app, client, plan, urva_plan):
    log_in(client, plan["focal"].email)
    data = _download(client, plan["id"])
    log_in(client, urva_plan["focal"].email)
    before = _content(app, urva_plan["id"])
    page = _refused(client, urva_plan["id"], data)
    assert f"This workbook belongs to another document (plan no. {plan['id']})" in page
    assert _content(app, urva_plan["id"]) == before


def test_an_edited_hidden_sheet_is_refused(app, client, plan, urva_plan):
    log_in(client, plan["focal"].email)
    book = load_workbook(io.BytesIO(_download(client, plan["id"])))
    checksum = next(row for row in book["_m4eg"].iter_rows() if row[0].value == "checksum")
    checksum[1].value = "0" * 64
    assert "its checksum does not match" in _refused(client, plan["id"], _save(book))
    # Pointing the workbook at another plan without the secret cannot make a valid one.
    book = load_workbook(io.BytesIO(_download(client, plan["id"])))
    plan_row = next(row for row in book["_m4eg"].iter_rows() if row[0].value == "id")
    plan_row[1].value = urva_plan["id"]
    assert "its checksum does not match" in _refused(client, plan["id"], _save(book))


def test_a_workbook_of_an_older_template_version_is_refused(app, client, plan):
    log_in(client, plan["focal"].email)
    with app.test_request_context("/en/"):
        subject = workbook.plan_subject(db.session.get(Plan, plan["id"]), "en")
        subject.template_version -= 1
        data = workbook.build(subject, "en")
    page = _refused(client, plan["id"], data)
    assert f"made for version {subject.template_version} of the template" in page


def test_macros_a_foreign_file_and_a_file_too_large_are_refused(app, client, plan):
    log_in(client, plan["focal"].email)
    data = _download(client, plan["id"])
    assert "Workbooks with macros are not accepted" in _refused(client, plan["id"], data,
                                                                "plan.xlsm")
    with_macro = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(with_macro, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/vbaProject.bin", b"\x00" * 64)
    assert "Workbooks with macros are not accepted" in _refused(
        client, plan["id"], with_macro.getvalue())
    foreign = Workbook()
    foreign.active["A1"] = "A sheet of my own"
    assert "was not downloaded from this platform" in _refused(client, plan["id"],
                                                               _save(foreign))
    assert "Upload an XLSX file" in _refused(client, plan["id"], b"a,b\n1,2\n", "plan.csv")
    assert "larger than 5 MB" in _refused(client, plan["id"], data + b"\x00" * (6 << 20))
    fifty = _upload(client, plan["id"], b"\x00" * (50 << 20))
    assert fifty.status_code == 413 and "File too large" in fifty.get_data(as_text=True)
    assert "Choose the workbook to upload" in _refused(client, plan["id"], b"", "")


def test_a_submitted_plan_takes_no_workbook(app, client, plan):
    log_in(client, plan["focal"].email)
    data = _download(client, plan["id"])
    with app.app_context():
        db.session.get(Plan, plan["id"]).status = "submitted"
        db.session.commit()
    page = _refused(client, plan["id"], data)
    assert "cannot be edited now" in page
    page = client.get(f"/en/plans/{plan['id']}/workbook").get_data(as_text=True)
    assert "Upload the filled-in workbook" not in page


def test_a_cell_with_an_error_is_not_shown_as_a_deletion(app, client, plan):
    log_in(client, plan["focal"].email)
    template = _template(app)
    book = load_workbook(io.BytesIO(_download(client, plan["id"])))
    _table(book, template, "vision", "targets", 0, "baseline").value = "a lot"
    _field(book, "vision", "vision").value = "A changed vision"
    page = _upload(client, plan["id"], _save(book)).get_data(as_text=True)
    assert "is not a number" in page
    changes = page.split('<ul class="workbook-changes">')[1].split("</ul>")[0]
    targets = next(f for f in template.block("vision")["fields"] if f["key"] == "targets")
    assert "A changed vision" in changes and targets["label"]["en"] not in changes


def test_errors_of_an_english_workbook_are_in_the_pages_language(app, client, plan):
    log_in(client, plan["focal"].email)
    template = _template(app)
    book = load_workbook(io.BytesIO(_download(client, plan["id"], "en")))
    _table(book, template, "vision", "targets", 0, "baseline").value = "a lot"
    page = _upload(client, plan["id"], _save(book), lang="az").get_data(as_text=True)
    assert "«a lot» ədəd deyil" in page and "is not a number" not in page
