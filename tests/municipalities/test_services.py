"""The register's rules without HTTP: roster, import, edits, history, search keys."""

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from m4eg.core.imports import RowStatus
from m4eg.extensions import db
from m4eg.municipalities import services
from m4eg.municipalities.models import Municipality, MunicipalityChange

HEADER = "code,name_az,name_en,type,rayon,status,joined,track,demo\n"

pytestmark = pytest.mark.usefixtures("english")


def _plan(text):
    return services.plan_import(services.read_table("roster.csv", text.encode()))


def test_shipped_roster_matches_the_published_totals(app_ctx):
    services.load_roster()
    assert services.count_by_type() == {"city": 11, "district": 20, "village": 24}
    assert services.count_by_track() == {"portfolio_journey": 2, "urban_imaginaries": 4}
    real = db.session.scalars(select(Municipality.slug).where(Municipality.is_demo.is_(False)))
    assert set(real) == {"icherisheher", "khirdalan", "mingachevir", "naftalan", "sabail", "urva"}


def test_importing_the_same_roster_twice_changes_nothing(app_ctx):
    services.load_roster()
    db.session.commit()
    changes = db.session.scalar(select(func.count()).select_from(MunicipalityChange))
    plan = services.load_roster()
    assert plan.counts == {RowStatus.NEW: 0, RowStatus.CHANGED: 0, RowStatus.UNCHANGED: 55,
                           RowStatus.ERROR: 0}
    assert db.session.scalar(select(func.count()).select_from(MunicipalityChange)) == changes


def test_rejected_rows_say_why_and_block_the_whole_import(app_ctx):
    services.load_reference_data()
    plan = _plan(HEADER
                 + "X-1,Yeni,New,town,guba,,,,no\n"
                 + "X-2,,Empty,village,guba,,,,no\n"
                 + "X-3,Üç,Three,village,atlantis,,,,no\n"
                 + "X-4,Dörd,Four,village,Quba rayonu,,,,no\n"
                 + "X-4,Dörd,Four again,village,guba,,,,no\n")
    reasons = {row.line: " ".join(str(r) for r in row.messages) for row in plan.rows}
    assert "unknown type town" in reasons[2]
    assert "empty name (name_az)" in reasons[3]
    assert "unknown rayon atlantis" in reasons[4]
    assert reasons[5] == ""  # a rayon may be given by its name
    assert [row.line for row in plan.errors] == [2, 3, 4, 6]
    assert "duplicate code X-4 (also on line 5)" in reasons[6]
    assert not plan.ok
    with pytest.raises(services.ImportFileError):
        services.apply_import(plan, actor=None)
    assert db.session.scalar(select(func.count()).select_from(Municipality)) == 0


def test_import_updates_changed_rows_and_records_history(app_ctx):
    services.load_reference_data()
    services.apply_import(_plan(HEADER + "X-1,Bir,One,village,guba,,2020,,no\n"), actor=None)
    plan = _plan(HEADER + "X-1,Bir,One,village,guba,suspended,2021,,no\n")
    [row] = plan.rows
    assert row.status is RowStatus.CHANGED
    assert row.changes == {"status": ["active", "suspended"], "joined_year": [2020, 2021]}
    services.apply_import(plan, actor=None)
    member = services.get_by_slug("one")
    assert (member.status, member.joined_year) == ("suspended", 2021)
    assert [c.action for c in services.history(member)] == ["imported", "imported"]


@pytest.mark.parametrize("filename, content, message", [
    ("roster.pdf", b"%PDF-1.4", "Upload a CSV or XLSX file"),
    ("roster.csv", b"", "The file is empty"),
    ("roster.csv", b"code,name\nX,Y\n", "The columns are not the expected ones"),
    ("roster.csv", HEADER.encode(), "header but no rows"),
    ("roster.csv", b"x" * (services.MAX_IMPORT_BYTES + 1), "larger than 2 MB"),
    ("roster.xlsx", b"not really a spreadsheet", "cannot be read"),
    ("roster.csv", "code,name_az\n".encode("utf-16"), "not UTF-8"),
    ("roster.csv", ("code,name_az,name_en,type,rayon\n" + "X,A,B,city,guba\n" * 20001).encode(),
     "more than 20000 rows"),
])
def test_unusable_files_are_refused_with_a_reason(app_ctx, filename, content, message):
    with pytest.raises(services.ImportFileError) as error:
        services.read_table(filename, content)
    assert message in str(error.value.message)


def test_xlsx_rosters_are_read(app_ctx):
    services.load_reference_data()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "name_az", "name_en", "type", "rayon", "joined"])
    sheet.append(["X-9", "Doqquz", "Nine", "district", "sabail", 2019])
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = services.plan_import(services.read_table("r.xlsx", buffer.getvalue()))
    assert [(r.status, r.data["joined_year"]) for r in plan.rows] == [(RowStatus.NEW, 2019)]


def test_edit_conflict_and_history(app_ctx, make_user):
    from m4eg.accounts.services import get_user

    coordinator = get_user(make_user(role="coordinator").id)
    services.load_roster()
    member = services.get_by_slug("urva")
    data = {key: getattr(member, key) for key in services.EDITABLE}
    seen = member.version
    services.update_member(member, {**data, "phone": "+994 12 000 00 00"}, coordinator,
                           version=seen)
    with pytest.raises(services.EditConflict):
        services.update_member(member, {**data, "phone": "overwrite"}, coordinator,
                               version=seen)
    services.set_status(member, "suspended", coordinator, version=member.version)
    latest = services.history(member)[:2]
    assert [c.action for c in latest] == ["suspended", "updated"]
    assert latest[1].changes == {"phone": ["", "+994 12 000 00 00"]}
    assert latest[0].actor_id == coordinator.id


def test_codes_and_web_addresses_stay_unique(app_ctx):
    services.load_roster()
    member = services.get_by_slug("urva")
    data = {key: getattr(member, key) for key in services.EDITABLE}
    with pytest.raises(services.MunicipalityError) as error:
        services.create_member({**data, "slug": "new-one"}, None)
    assert error.value.field == "code"
    with pytest.raises(services.MunicipalityError) as error:
        services.create_member({**data, "code": "AZ-999"}, None)
    assert error.value.field == "slug"


def test_members_are_never_deleted_only_suspended_or_left(app_ctx):
    services.load_roster()
    member = services.get_by_slug("urva")
    services.set_status(member, "left", None, version=member.version)
    assert services.count_by_type()["village"] == 23
    assert services.get_by_slug("urva") is not None
