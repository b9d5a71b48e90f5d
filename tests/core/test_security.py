import pytest

from m4eg.core.markdown import render_markdown
from m4eg.core.security import is_safe_next


def test_every_response_carries_the_security_headers(client):
    for url in ("/az/", "/az/accounts/login", "/nope", "/healthz"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in headers  # only in production


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)", "", None, "evil", "/\r\nx"])
def test_unsafe_next_targets_are_refused(target):
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", ["/az/", "/en/accounts/profile?tab=1"])
def test_own_paths_are_safe_next_targets(target):
    assert is_safe_next(target)


def test_markdown_is_sanitised():
    html = render_markdown("**bold** <script>alert(1)</script> [x](javascript:alert(1)) "
                           '<img src=x onerror="alert(1)">')
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


@pytest.fixture
def csrf_client(make_app, app):
    return make_app(WTF_CSRF_ENABLED=True).test_client()


def test_post_without_csrf_token_is_refused_with_a_translated_page(csrf_client, make_user):
    user = make_user()
    response = csrf_client.post("/en/accounts/login",
                                data={"email": user.email, "password": user.password})
    assert response.status_code == 400
    assert b"This form has expired" in response.data
    assert csrf_client.get("/en/accounts/profile").status_code == 302  # not signed in


def test_post_with_a_forged_csrf_token_is_refused(csrf_client, make_user):
    user = make_user()
    csrf_client.get("/en/accounts/login")
    response = csrf_client.post("/en/accounts/login", data={
        "email": user.email, "password": user.password, "csrf_token": "forged.token.value"})
    assert response.status_code == 400
    assert csrf_client.get("/en/accounts/profile").status_code == 302  # still logged out


def test_logout_needs_a_csrf_token_too(csrf_client, make_user):
    user = make_user()
    page = csrf_client.get("/en/accounts/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = csrf_client.post("/en/accounts/login", data={
        "email": user.email, "password": user.password, "csrf_token": token})
    assert response.status_code == 302
    assert csrf_client.post("/en/accounts/logout").status_code == 400
    assert csrf_client.get("/en/accounts/profile").status_code == 200


@pytest.mark.parametrize("url, status", [
    ("/en/plans/99999999999999999999999", 404),
    ("/en/workshops/999999999999999999999", 404),
    ("/en/municipalities/?page=99999999999999999999999", 200),
    ("/api/v1/municipalities?page=%C2%B2&per_page=99999999999999999999", 200),
    ("/en/readiness/?weights=99999999999999999999&compare=%C2%B2", 200)])
def test_huge_or_odd_numbers_in_urls_never_cause_a_500(client, login_as, url, status):
    login_as("coordinator")
    assert client.get(url).status_code == status
