"""The annual report's rules without HTTP: the period, the snapshot of a final report in
both languages, small counts of people never shown exactly."""

from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from m4eg.accounts.services import get_user
from m4eg.core.numbers import format_number
from m4eg.extensions import db
from m4eg.reports import services
from m4eg.workshops.models import RegistrationStatus, Workshop, WorkshopRegistration


@pytest.mark.parametrize("args", [{"from": "2024-05", "to": "2023-05"},
                                  {"from": "2024-00", "to": "2024-05"},
                                  {"from": "2023-5", "to": "2024-05"},
                                  {"to": "2024-05"}])
def test_a_period_that_is_not_two_ordered_months_is_refused(english, args):
    with pytest.raises(services.ReportError):
        services.parse_period(MultiDict(args))


def test_a_period_of_one_month_is_that_month(english):
    period = services.parse_period(MultiDict({"from": "2024-02", "to": "2024-02"}))
    assert period.as_args() == {"from": "2024-02", "to": "2024-02"}


def test_a_final_report_keeps_what_it_showed_in_both_languages(app_ctx, make_user, roster):
    coordinator = get_user(make_user(role="coordinator", name="Rəna Quliyeva").id)
    period = services.parse_period(MultiDict({"from": "2023-05", "to": "2024-05"}))
    report = services.finalise(period, coordinator, version=0)
    db.session.commit()
    members = report.snapshot["figures"][0]
    assert members["value"] == 55
    assert members["label"]["en"] == "Members of the network"
    assert members["label"]["az"] and members["label"]["az"] != members["label"]["en"]
    assert report.finalised_by_name == "Rəna Quliyeva" and report.finalised_at is not None
    with pytest.raises(services.ReportFinal):
        services.save_texts(period, {"intro_en": "Too late."}, version=report.version)


def test_attendance_by_sex_of_a_few_people_is_not_shown_exactly(english, make_user):
    women = [make_user(sex="female").id for _ in range(2)]
    starts = datetime(2023, 11, 9, 6, tzinfo=UTC)
    workshop = Workshop(course_slug="community-listening", city_az="Mingəçevir",
                        city_en="Mingachevir", venue="ULC", starts_at=starts,
                        ends_at=starts + timedelta(hours=7), capacity=30,
                        registration_deadline=starts - timedelta(days=3))
    db.session.add(workshop)
    db.session.flush()
    db.session.add_all(WorkshopRegistration(workshop_id=workshop.id, user_id=user_id,
                                            status=RegistrationStatus.CONFIRMED,
                                            attendance="present") for user_id in women)
    db.session.commit()
    period = services.parse_period(MultiDict({"from": "2023-11", "to": "2023-11"}))
    data = services.gather(period)
    assert data["ulc"]["sessions"] == 1
    shown = services.count_text(data["ulc"]["attendance"]["female"], format_number)
    assert shown == "fewer than 5"
    session = next(event for event in data["events"] if event["place"]["en"] == "Mingachevir")
    assert services.count_text(session["by_sex"]["female"], format_number) == "fewer than 5"


@pytest.mark.parametrize(("text", "shown"), [
    ("Bu layihə bizə kömək etdi.", "«Bu layihə bizə kömək etdi.»"),
    ("«Bu layihə bizə kömək etdi.»", "«Bu layihə bizə kömək etdi.»"),
    ("«Şəhər təsəvvürləri»ni həyata keçirmək", "«“Şəhər təsəvvürləri”ni həyata keçirmək»")])
def test_a_quote_is_in_one_pair_of_guillemets(text, shown):
    assert services.quoted(text) == shown


def test_the_ulc_courses_read_in_azerbaijani_alphabetical_order():
    titles = ["Əməkdaşlıq", "Çevik idarəetmə", "Dinləmə", "Ciddi oyunlar", "Elm"]
    data = {"ulc": {"courses": [{"title": {"az": title, "en": title}} for title in titles]}}
    assert [course["title"]["az"] for course in services.sorted_courses(data, "az")] == [
        "Ciddi oyunlar", "Çevik idarəetmə", "Dinləmə", "Elm", "Əməkdaşlıq"]
