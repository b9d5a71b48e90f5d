def test_healthz_reports_app_and_database_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "app": "up", "database": "up"}


def test_healthz_answers_503_when_the_database_is_down(make_app, tmp_path):
    missing = tmp_path / "no-such-dir" / "db.sqlite"
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "down"


def test_an_unexpected_error_shows_a_translated_500_page(make_app):
    from m4eg.core.permissions import PUBLIC, allow

    app = make_app(TESTING=False)

    @app.route("/<lang:lang_code>/boom")
    @allow(PUBLIC)
    def boom():
        raise RuntimeError("unexpected")

    app.logger.disabled = True
    az = app.test_client().get("/az/boom")
    en = app.test_client().get("/en/boom")
    assert az.status_code == en.status_code == 500
    assert "Something went wrong" in en.get_data(as_text=True)
    assert "Xəta baş verdi" in az.get_data(as_text=True)
