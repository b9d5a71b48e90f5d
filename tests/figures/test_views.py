"""Key figures: computed from records, period filter, chart and table, CSV."""

from datetime import UTC, datetime

STAFF = "Municipal staff registered at the ULC"  # the figure's label in the CSV


def test_figures_come_from_the_records(client, roster):
    page = client.get("/en/figures/").get_data(as_text=True)
    assert '<p class="figure-value">55</p>' in page
    assert "<th scope=\"row\">City municipality</th><td>11</td>" in page
    assert "<th scope=\"row\">Portfolio Journey</th><td>2</td>" in page
    assert "<th scope=\"row\">Urban Imaginaries</th><td>4</td>" in page
    assert '<svg class="chart"' in page


def _learners(make_user, make_course_progress, *sexes_and_days):
    for sex, day in sexes_and_days:
        user = make_user(sex=sex)
        make_course_progress(user.id, "community-listening", enrolled_at=day)


def test_period_filter_counts_ulc_learners_by_sex_in_the_period(app, client, roster,
                                                                make_user, make_course_progress):
    app.config["SMALL_CELL_THRESHOLD"] = 0  # counts this small are suppressed by default
    for sex, day in (("female", datetime(2023, 6, 1, tzinfo=UTC)),
                     ("male", datetime(2024, 2, 1, tzinfo=UTC)),
                     ("female", datetime(2024, 7, 1, tzinfo=UTC))):
        user = make_user(sex=sex)
        make_course_progress(user.id, "community-listening", enrolled_at=day)
        make_course_progress(user.id, "designing-a-p4eg-plan", enrolled_at=day)
    make_user()  # registered on the platform but never enrolled: not a ULC learner
    csv = client.get("/en/figures/export.csv?from=2023-05&to=2024-05").get_data(as_text=True)
    assert STAFF + ",Total,2" in csv
    assert STAFF + ",Female,1" in csv and STAFF + ",Male,1" in csv
    assert "P4EG plans submitted,Total,0" in csv
    # The keys of the API lead each row (issue 15: keys in the API and the CSV).
    assert csv.lstrip("\ufeff").startswith("Key,Figure,Breakdown,Value")
    assert "\nulc_staff," + STAFF + ",Total,2" in csv
    everything = client.get("/en/figures/export.csv").get_data(as_text=True)
    assert STAFF + ",Total,3" in everything


def test_a_bad_period_is_refused_with_a_message_and_400(client, roster):
    for query, message in (
            ("from=2024-13", "“2024-13” is not a month"),
            ("from=yesterday", "“yesterday” is not a month"),
            ("to=2024-5", "“2024-5” is not a month"),
            ("from=2024-05&to=2023-05", "The period starts after it ends")):
        response = client.get(f"/en/figures/?{query}")
        assert response.status_code == 400, query
        assert message in response.get_data(as_text=True)
        assert '<p class="figure-value">55</p>' not in response.get_data(as_text=True)
        csv = client.get(f"/en/figures/export.csv?{query}")
        assert csv.status_code == 400 and message in csv.get_data(as_text=True)


def test_members_who_joined_after_the_period_are_not_counted(client, roster):
    page = client.get("/en/figures/?to=2017-12").get_data(as_text=True)
    # The shipped demo records joined 2017–2023; the six real members have no year recorded.
    assert '<p class="figure-value">55</p>' not in page


def test_a_small_cell_of_women_in_a_month_is_suppressed_on_the_page_and_in_the_csv(
        app, client, roster, make_user, make_course_progress):
    may = datetime(2024, 5, 10, tzinfo=UTC)
    _learners(make_user, make_course_progress, *[("female", may)] * 3, *[("male", may)] * 6)
    page = client.get("/en/figures/?from=2024-05&to=2024-05").get_data(as_text=True)
    assert '<th scope="row">Female</th><td>fewer than 5</td>' in page
    # With the total (9) and the men shown, 9 − 6 would give the 3 women back.
    assert '<th scope="row">Male</th><td>not shown, to protect a small count</td>' in page
    assert '<p class="figure-value">9</p>' in page
    assert '<th scope="row">Sex not stated</th><td>0</td>' in page
    csv = client.get("/en/figures/export.csv?from=2024-05&to=2024-05").get_data(as_text=True)
    assert STAFF + ",Female,<5" in csv and STAFF + ",Male,withheld" in csv
    assert STAFF + ",Total,9" in csv and STAFF + ",Sex not stated,0" in csv
    api = client.get("/api/v1/figures?from=2024-05&to=2024-05").get_json()
    staff = next(f for f in api["figures"] if f["key"] == "ulc_staff")
    assert staff["breakdown"] == {"female": "<5", "male": "withheld", "not_stated": 0}


def test_counts_at_the_threshold_and_small_totals(app, client, roster, make_user,
                                                  make_course_progress):
    june, july = datetime(2024, 6, 3, tzinfo=UTC), datetime(2024, 7, 3, tzinfo=UTC)
    _learners(make_user, make_course_progress, *[("female", june)] * 5, *[("male", june)] * 7,
              ("female", july), ("male", july))
    june_csv = client.get("/en/figures/export.csv?from=2024-06&to=2024-06").get_data(
        as_text=True)
    assert STAFF + ",Female,5" in june_csv and STAFF + ",Male,7" in june_csv
    july_csv = client.get("/en/figures/export.csv?from=2024-07&to=2024-07").get_data(
        as_text=True)
    assert STAFF + ",Total,<5" in july_csv
    assert STAFF + ",Female,<5" in july_csv and STAFF + ",Male,<5" in july_csv


def test_the_threshold_comes_from_the_environment():
    from m4eg.config import load_config

    assert load_config({})["SMALL_CELL_THRESHOLD"] == 5
    assert load_config({"M4EG_SMALL_CELL_THRESHOLD": "10"})["SMALL_CELL_THRESHOLD"] == 10
