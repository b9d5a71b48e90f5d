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
