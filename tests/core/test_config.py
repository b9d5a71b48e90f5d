import pytest

from m4eg import create_app
from m4eg.config import ConfigError, load_config
from m4eg.extensions import db


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config({"M4EG_ENV": "production"}, instance_path=tmp_path)


def test_production_refuses_to_start_without_a_public_base_url(tmp_path):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_config({"M4EG_ENV": "production", "SECRET_KEY": "x" * 40}, instance_path=tmp_path)


@pytest.mark.parametrize("url", ["m4eg.example", "ftp://m4eg.example", "https://m4eg.example/az",
                                 "https://user:pw@m4eg.example", "https://"])
def test_a_malformed_public_base_url_is_refused(tmp_path, url):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL must look like"):
        load_config({"PUBLIC_BASE_URL": url}, instance_path=tmp_path)


def test_production_links_and_hosts_follow_the_public_base_url(tmp_path):
    config = load_config({"M4EG_ENV": "production", "SECRET_KEY": "x" * 40,
                          "PUBLIC_BASE_URL": "https://M4EG.example/",
                          "MAIL_SERVER": "smtp.example"},
                         instance_path=tmp_path)
    assert config["SERVER_NAME"] == "m4eg.example"
    assert config["PREFERRED_URL_SCHEME"] == "https"
    assert config["PUBLIC_BASE_URL"] == "https://m4eg.example"
    assert config["TRUSTED_HOSTS"] == ["m4eg.example", "localhost", "127.0.0.1"]
    assert config["RATELIMIT_HEADERS_ENABLED"] is False
    assert config["TRUSTED_PROXIES"] == 0
    chosen = load_config({"TRUSTED_HOSTS": "a.example, .b.example", "M4EG_TRUSTED_PROXIES": "1"},
                         instance_path=tmp_path)
    assert chosen["TRUSTED_HOSTS"] == ["a.example", ".b.example"]
    assert chosen["TRUSTED_PROXIES"] == 1
    assert load_config({}, instance_path=tmp_path)["TRUSTED_HOSTS"] is None
    with pytest.raises(ConfigError, match="M4EG_TRUSTED_PROXIES"):
        load_config({"M4EG_TRUSTED_PROXIES": "one"}, instance_path=tmp_path)


def test_production_cookies_are_secure_and_hsts_is_sent(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("M4EG_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://m4eg.example")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example")
    monkeypatch.setenv("DATABASE_URL", database_url)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get("/healthz")
    assert "max-age" in response.headers["Strict-Transport-Security"]
    with app.app_context():
        db.engine.dispose()


def test_defaults_use_a_sqlite_file_under_instance_and_memory_rate_limits(tmp_path):
    config = load_config({}, instance_path=tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'm4eg.db'}"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["MAIL_SERVER"] == ""


def test_postgres_urls_get_the_psycopg_driver(tmp_path):
    config = load_config({"DATABASE_URL": "postgres://u:p@db/m4eg"}, instance_path=tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/m4eg"


def test_unknown_environment_and_bad_mail_port_are_refused(tmp_path):
    with pytest.raises(ConfigError):
        load_config({"M4EG_ENV": "staging"}, instance_path=tmp_path)
    with pytest.raises(ConfigError):
        load_config({"MAIL_PORT": "twenty-five"}, instance_path=tmp_path)


@pytest.mark.parametrize("environment", ["production", "development"])
def test_passwords_are_hashed_at_full_cost_outside_the_test_suite(tmp_path, environment):
    config = load_config({"M4EG_ENV": environment, "SECRET_KEY": "x" * 40,
                          "PUBLIC_BASE_URL": "https://m4eg.example", "MAIL_SERVER": "mail"},
                         instance_path=tmp_path)
    # Argon2id, RFC 9106's second recommended option: 3 passes over 64 MiB, 4 lanes.
    assert (config["PASSWORD_HASH_TIME_COST"], config["PASSWORD_HASH_MEMORY_KIB"],
            config["PASSWORD_HASH_PARALLELISM"]) == (3, 65536, 4)


def test_the_password_hash_cost_can_be_raised_but_not_lowered(tmp_path):
    config = load_config({"M4EG_PASSWORD_HASH_TIME_COST": "4",
                          "M4EG_PASSWORD_HASH_MEMORY_KIB": "131072"}, instance_path=tmp_path)
    assert (config["PASSWORD_HASH_TIME_COST"], config["PASSWORD_HASH_MEMORY_KIB"]) == (4, 131072)
    for name, value in [("M4EG_PASSWORD_HASH_TIME_COST", "1"),
                        ("M4EG_PASSWORD_HASH_MEMORY_KIB", "1024")]:
        with pytest.raises(ConfigError, match=name):
            load_config({name: value}, instance_path=tmp_path)


@pytest.mark.parametrize("name, value", [
    ("M4EG_SMALL_CELL_THRESHOLD", "five"), ("M4EG_SESSION_IDLE_MINUTES", "0"),
    ("M4EG_SESSION_MAX_HOURS", "-3"), ("M4EG_PAGE_CACHE_SECONDS", "²")])
def test_a_number_setting_that_is_not_a_whole_number_stops_the_start_with_its_name(
        tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_config({name: value}, instance_path=tmp_path)


def test_the_time_zone_is_baku_unless_set_and_babel_shows_times_in_the_same_zone(tmp_path):
    config = load_config({}, instance_path=tmp_path)
    assert config["M4EG_TIMEZONE"] == config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Baku"
    config = load_config({"M4EG_TIMEZONE": " Europe/London "}, instance_path=tmp_path)
    assert config["M4EG_TIMEZONE"] == config["BABEL_DEFAULT_TIMEZONE"] == "Europe/London"


def test_babel_follows_a_time_zone_given_to_the_app(make_app):
    assert make_app(M4EG_TIMEZONE="Asia/Tbilisi").config["BABEL_DEFAULT_TIMEZONE"] == \
        "Asia/Tbilisi"


@pytest.mark.parametrize("value", ["Baku", "Asia", "Asia/Bakuu", "../../etc/passwd", "+04:00"])
def test_a_bad_time_zone_stops_the_start_with_the_setting_name(tmp_path, value):
    with pytest.raises(ConfigError, match="M4EG_TIMEZONE must be a time zone name"):
        load_config({"M4EG_TIMEZONE": value}, instance_path=tmp_path)
