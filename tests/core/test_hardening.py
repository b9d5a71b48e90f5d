"""Issue 22 (security audit): hosts and absolute links, proxies, caching of private
responses, NUL bytes, reserved query names and CSP reports."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from m4eg.extensions import db
from tests.conftest import BACKENDS, log_in

ROOT = Path(__file__).resolve().parents[2]
RESERVED = ["_anchor=x", "_scheme=x", "_method=GET", "endpoint=x", "_external=1"]


def _link(message) -> str:
    return re.search(r"https?://\S+/reset/\S+", message.get_content()).group(0)


# --- M3: the Host header never chooses where links point ----------------------------------

def test_a_forged_host_does_not_change_the_reset_link(app, client, make_user, outbox):
    app.config["PUBLIC_BASE_URL"] = "https://m4eg.example"
    user = make_user(preferred_language="en")
    response = client.post("/en/accounts/password/forgot", data={"email": user.email},
                           headers={"Host": "evil.example"})
    assert response.status_code == 302
    [message] = outbox.wait_for(1)
    link = _link(message)
    assert link.startswith("https://m4eg.example/en/accounts/password/reset/")
    assert "evil.example" not in message.get_content()


def test_an_untrusted_host_is_refused_when_trusted_hosts_is_set(make_app, app):
    client = make_app(TRUSTED_HOSTS=["m4eg.example"]).test_client()
    refused = client.get("/en/", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert b"does not answer for this host" in refused.data
    assert client.get("/en/", headers={"Host": "m4eg.example"}).status_code == 200


# --- M7: the client's address behind the reverse proxy ------------------------------------

def _post_until_limited(client, forwarded_for, tries=60) -> int:
    """POST the reset form (a fresh address each time, so only the per-IP limit counts)
    until the site answers 429; the number of accepted requests."""
    for accepted in range(tries):
        response = client.post("/en/accounts/password/forgot",
                               data={"email": f"{uuid.uuid4().hex}@nobody.example"},
                               headers={"X-Forwarded-For": forwarded_for})
        if response.status_code == 429:
            return accepted
        assert response.status_code == 302
    raise AssertionError("never limited")


@BACKENDS
def test_behind_one_trusted_proxy_each_client_has_its_own_limit(make_app, app, make_user):
    proxied = make_app(TRUSTED_PROXIES=1)
    client = proxied.test_client()
    _post_until_limited(client, "203.0.113.7")
    other = client.post("/en/accounts/password/forgot", data={"email": "x@nobody.example"},
                        headers={"X-Forwarded-For": "198.51.100.9"})
    assert other.status_code == 302  # another person behind the same proxy is not blocked

    from m4eg.core.audit import AuditEvent

    user = make_user()
    assert log_in(client, user.email).status_code == 302
    client.post("/az/accounts/logout")
    client.post("/az/accounts/login", data={"email": user.email, "password": user.password},
                headers={"X-Forwarded-For": "198.51.100.23"})
    with proxied.app_context():
        ips = set(db.session.scalars(select(AuditEvent.ip).where(
            AuditEvent.target_id == user.id, AuditEvent.ip.is_not(None))))
    assert "198.51.100.23" in ips


@BACKENDS
def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client):
    _post_until_limited(client, "203.0.113.7")
    other = client.post("/en/accounts/password/forgot", data={"email": "x@nobody.example"},
                        headers={"X-Forwarded-For": "198.51.100.9"})
    assert other.status_code == 429  # a made-up header does not buy a new allowance


# --- Caching of private responses and revealing headers -----------------------------------

def test_pages_for_signed_in_people_and_exports_are_not_stored(client, login_as):
    assert "no-store" not in client.get("/en/").headers.get("Cache-Control", "")
    login_as("coordinator")
    for url in ("/en/", "/en/accounts/profile", "/en/municipalities/export.csv",
                "/en/municipalities/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_a_plan_pdf_is_not_stored(client, make_plan, member_id, login_as):
    focal = login_as("focal_point", municipality_id=member_id("khirdalan"))
    plan_id = make_plan("khirdalan", by=focal)
    response = client.get(f"/en/plans/{plan_id}.pdf")
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"


def test_production_sends_no_page_cache_header(make_app, app, roster):
    development = make_app().test_client()
    development.get("/en/municipalities/")
    assert development.get("/en/municipalities/").headers["X-Page-Cache"] == "hit"
    production = make_app(M4EG_ENV="production").test_client()
    for _ in range(3):
        assert "X-Page-Cache" not in production.get("/en/municipalities/").headers


PRODUCTION_POST = """
from m4eg import create_app
app = create_app({"WTF_CSRF_ENABLED": False})
response = app.test_client().post("/en/accounts/password/forgot",
                                  data={"email": "x@nobody.example"})
print(response.status_code, sorted(name for name, _ in response.headers))
"""


def test_production_sends_no_rate_limit_headers(app, database_url):
    # The limiter is one object per process that keeps the first app's header setting, so
    # the production app is built in a process of its own, as gunicorn would (both
    # processes run at once: each spends seconds importing the app).
    def start(**env):
        return subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", PRODUCTION_POST], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env={**os.environ, "DATABASE_URL": database_url,
                                                   **env}, cwd=ROOT)

    def answer(process):
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        return stdout

    development = start(M4EG_ENV="development")
    production = start(M4EG_ENV="production", SECRET_KEY="x" * 40,
                       PUBLIC_BASE_URL="https://m4eg.example", MAIL_SERVER="127.0.0.1")
    assert "X-RateLimit-Limit" in answer(development)
    production_answer = answer(production)
    assert production_answer.startswith("302") and "X-RateLimit" not in production_answer


# --- L1: NUL bytes --------------------------------------------------------------------------

@pytest.mark.parametrize("method, url, data", [
    ("get", "/en/municipalities/?q=a%00b", None),
    ("get", "/en/municipalities/a%00b", None),
    ("post", "/en/accounts/login", {"email": "a\x00b@test.example", "password": "x"}),
    ("post", "/en/accounts/register", {"name": "A\x00B", "email": "ab@test.example",
                                       "password": "correct horse battery",
                                       "confirm": "correct horse battery"}),
])
def test_a_nul_byte_gets_a_clear_400(client, roster, method, url, data):
    response = getattr(client, method)(url, data=data)
    assert response.status_code == 400
    assert b"a NUL byte" in response.data


# --- L2: url_for's own names in a query string ----------------------------------------------

@pytest.mark.parametrize("query", RESERVED)
def test_reserved_query_names_do_not_break_pages(client, make_municipality, query):
    municipality = make_municipality()
    for path in ("/en/", "/en/municipalities/", f"/en/municipalities/{municipality.slug}"):
        response = client.get(f"{path}?{query}&lang_code=az&slug=x")
        assert response.status_code == 200, (path, query)
        assert b"_anchor" not in response.data and b"endpoint=" not in response.data
        assert b'href="http://localhost' not in response.data  # links stay relative


def test_reserved_query_names_on_the_review_queue(client, login_as):
    login_as("coordinator")
    response = client.get("/en/plans/queue?fmt=x&_external=1&_anchor=y&status=submitted")
    assert response.status_code == 200
    # The export links keep the filter and drop the rest.
    assert b'href="/en/plans/queue.csv?status=submitted"' in response.data
    assert b'href="/en/plans/queue.xlsx?status=submitted"' in response.data


def test_a_forged_host_does_not_poison_the_page_cache(client, roster):
    forged = client.get("/en/?_external=1", headers={"Host": "evil.example"})
    assert forged.status_code == 200
    for url in ("/en/?_external=1", "/en/"):
        client.get(url, headers={"Host": "evil.example"})
        normal = client.get(url)
        assert normal.status_code == 200
        assert b"evil.example" not in normal.data


# --- CSP reports ----------------------------------------------------------------------------

def test_the_csp_names_its_report_endpoint(client):
    headers = client.get("/en/").headers
    assert "report-uri /csp-report" in headers["Content-Security-Policy"]
    assert "report-to csp" in headers["Content-Security-Policy"]
    assert headers["Reporting-Endpoints"] == 'csp="/csp-report"'


def test_a_csp_report_is_logged(client, caplog):
    report = {"csp-report": {"document-uri": "https://m4eg.example/en/",
                             "violated-directive": "script-src-elem",
                             "blocked-uri": "https://evil.example/x.js"}}
    with caplog.at_level(logging.WARNING):
        response = client.post("/csp-report", data=json.dumps(report),
                               content_type="application/csp-report")
    assert response.status_code == 204
    [record] = [r for r in caplog.records if "CSP violation" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert "script-src-elem" in record.getMessage()
    assert "https://evil.example/x.js" in record.getMessage()


def test_a_reporting_api_report_is_logged(client, caplog):
    reports = [{"type": "csp-violation", "url": "https://m4eg.example/en/",
                "body": {"documentURL": "https://m4eg.example/en/",
                         "effectiveDirective": "img-src",
                         "blockedURL": "https://tracker.example/p.gif"}}]
    with caplog.at_level(logging.WARNING):
        response = client.post("/csp-report", data=json.dumps(reports),
                               content_type="application/reports+json")
    assert response.status_code == 204
    assert any("img-src" in r.getMessage() and "tracker.example" in r.getMessage()
               for r in caplog.records)


def test_the_csp_report_endpoint_needs_no_csrf_token(csrf_app):
    response = csrf_app.test_client().post(
        "/csp-report", data=json.dumps({"csp-report": {"blocked-uri": "inline"}}),
        content_type="application/csp-report")
    assert response.status_code == 204


@pytest.fixture
def csrf_app(make_app, app):
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.mark.parametrize("body, content_type", [
    ("not json", "application/csp-report"),
    ("[1, 2]", "application/csp-report"),
    ('{"csp-report": "x"}', "application/csp-report"),
    ('{"a": 1}', "application/reports+json"),
    ('[{"type": "csp-violation"}]', "application/reports+json"),
    ("[" * 5000 + "]" * 5000, "application/csp-report"),
    (b"\xff\xfe", "application/csp-report"),
    ('{"csp-report": {}}', "text/plain"),
])
def test_a_bad_csp_report_is_refused_with_400(client, body, content_type):
    response = client.post("/csp-report", data=body, content_type=content_type)
    assert response.status_code == 400


def test_an_oversized_csp_report_is_refused_with_413(client):
    body = json.dumps({"csp-report": {"blocked-uri": "x" * 20_000}})
    response = client.post("/csp-report", data=body, content_type="application/csp-report")
    assert response.status_code == 413


@BACKENDS
def test_csp_reports_are_rate_limited(client):
    body = json.dumps({"csp-report": {"blocked-uri": "inline"}})
    codes = [client.post("/csp-report", data=body, content_type="application/csp-report")
             .status_code for _ in range(40)]
    assert codes[0] == 204 and codes[-1] == 429
