"""Languages: URL prefixes, the redirect from /, the switch, catalogues and az formats."""

import datetime
import os
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from flask_babel import force_locale, pgettext

from m4eg.core.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]


def test_root_defaults_to_azerbaijani(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/az/"


def test_root_follows_the_browser_language(client):
    response = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert response.headers["Location"] == "/en/"


def test_root_prefers_the_saved_choice_over_the_browser(client):
    client.get("/en/privacy")  # visiting a page in a language saves that choice
    response = client.get("/", headers={"Accept-Language": "az"})
    assert response.headers["Location"] == "/en/"


def test_unknown_language_prefix_is_404(client):
    assert client.get("/fr/").status_code == 404
    assert client.get("/ru/accounts/login").status_code == 404


@pytest.mark.parametrize("path", ["/az/", "/az/privacy", "/az/accounts/login",
                                  "/az/accounts/register", "/az/accounts/password/forgot"])
def test_pages_are_translated_and_link_to_themselves_in_the_other_language(client, path):
    az = client.get(path).get_data(as_text=True)
    en_path = "/en/" + path[len("/az/"):]
    en = client.get(en_path).get_data(as_text=True)
    assert '<html lang="az">' in az and '<html lang="en">' in en
    assert f'href="{en_path}" hreflang="en"' in az
    assert f'href="{path}" hreflang="az"' in en
    assert "Funded by the European Union" in en
    assert "Avropa İttifaqı tərəfindən maliyyələşdirilir" in az


def test_language_switch_keeps_the_query_string(client):
    page = client.get("/az/accounts/login?next=/az/privacy").get_data(as_text=True)
    assert 'href="/en/accounts/login?next=/az/privacy"' in page


def test_error_pages_are_translated(client):
    az = client.get("/az/no-such-page")
    en = client.get("/en/no-such-page")
    assert az.status_code == en.status_code == 404
    assert "Page not found" in en.get_data(as_text=True)
    assert "Səhifə tapılmadı" in az.get_data(as_text=True)


def _catalogue(lang):
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def test_az_catalogue_is_complete_and_no_catalogue_has_fuzzy_entries():
    for lang in LANGUAGES:
        catalogue = _catalogue(lang)
        fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
        assert fuzzy == [], f"{lang}: fuzzy entries {fuzzy}"
    untranslated = [
        m.id for m in _catalogue("az") if m.id and (
            not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert untranslated == [], f"az: untranslated entries {untranslated}"


def _extract_like_make(tmp_path) -> Path:
    """Run `make translations-extract`'s pybabel command (its -k keywords read from the
    Makefile, so that the two cannot drift apart) into a temporary template."""
    recipe = (ROOT / "Makefile").read_text().split("translations-extract:")[1].split("\n\n")[0]
    keywords = re.findall(r"-k\s+(\S+)", recipe)
    assert "lazy_pgettext:1c,2" in keywords  # pgettext itself is one of pybabel's defaults
    pot = tmp_path / "messages.pot"
    argv = ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"),
            "--ignore-dirs", ".* __pycache__ instance", "--no-location", "-o", str(pot)]
    for keyword in keywords:
        argv += ["-k", keyword]
    cwd = os.getcwd()
    os.chdir(ROOT)  # babel.cfg's patterns are relative to the repository
    try:
        CommandLineInterface().run([*argv, "."])
    finally:
        os.chdir(cwd)
    return pot


def _keys(catalogue) -> set[tuple[str | None, str]]:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalogue if m.id}


def test_the_az_catalogue_holds_every_string_a_fresh_extraction_finds(tmp_path):
    """Fails when a string was added to code or templates without `make translations-update`."""
    with _extract_like_make(tmp_path).open("rb") as handle:
        in_code = _keys(read_po(handle))
    assert (None, "Please correct the errors below.") in in_code  # m4eg/templates/_macros
    assert ("workshop", "Register") in in_code and ("account", "Register") in in_code
    for lang in LANGUAGES:
        missing = sorted(in_code - _keys(_catalogue(lang)), key=str)
        assert missing == [], f"{lang} catalogue lacks {missing[:5]}… run make translations-update"
    az = {(m.context, m.id): m.string for m in _catalogue("az") if isinstance(m.id, str)}
    assert az[(None, "Please correct the errors below.")] == (
        "Zəhmət olmasa, aşağıdakı xətaları düzəldin.")


@pytest.mark.parametrize(("context", "english", "azerbaijani"), [
    ("account", "Register", "Qeydiyyat"),
    ("workshop", "Register", "Seminara yazılın"),
    ("membership", "Status", "Üzvlük statusu"),
    ("workshop registration", "Status", "Yazılma statusu"),
    ("noun: the review of a plan", "Review", "Baxış"),
    ("membership", "Suspend", "Üzvlüyü dayandırın"),
    ("membership", "Restore", "Üzvlüyü bərpa edin"),
])
def test_ambiguous_words_are_translated_by_their_context(app, context, english, azerbaijani):
    with app.test_request_context("/az/"), force_locale("az"):
        assert pgettext(context, english) == azerbaijani
    with app.test_request_context("/en/"), force_locale("en"):
        assert pgettext(context, english) == english


def test_autosave_shows_only_messages_the_page_translated():
    """static/js/autosave.js reads every text from data-msg-* attributes rendered by gettext."""
    script = (ROOT / "static" / "js" / "autosave.js").read_text()
    code = re.sub(r"//[^\n]*", "", script)  # comments may be English prose
    assert not re.findall(r"[\"'][A-Z][a-z]+ [a-z]+[^\"']*[\"']", code), "a hard-coded message"
    used = set(re.findall(r"msg\(\"([a-z-]+)\"\)", code))
    assert used >= {"saving", "saved", "offline", "copy", "restore"}
    template = (ROOT / "m4eg" / "plans" / "templates" / "plans" / "block.html").read_text()
    given = dict(re.findall(r"data-msg-([a-z-]+)=\"\{\{ _\('([^']+)'\) \}\}\"", template))
    assert sorted(used - set(given)) == []
    az = {m.id: m.string for m in _catalogue("az") if isinstance(m.id, str)}
    assert all(az.get(english) for english in given.values())


def test_wtforms_messages_are_translated_into_azerbaijani(client):
    az = client.post("/az/accounts/login", data={"email": "", "password": ""})
    en = client.post("/en/accounts/login", data={"email": "", "password": ""})
    assert "This field is required." in en.get_data(as_text=True)
    assert "Bu sahənin doldurulması məcburidir." in az.get_data(as_text=True)


def test_dates_numbers_and_manat_follow_azerbaijani_conventions(app):
    env = app.jinja_env
    with app.test_request_context("/az/"), force_locale("az"):
        assert env.from_string("{{ d|date('long') }}").render(
            d=datetime.date(2024, 3, 6)) == "6 mart 2024"
        assert env.from_string("{{ 1234.5|number }}").render() == "1.234,5"
        assert env.from_string("{{ 1234.5|money }}").render() == "1.234,50\xa0₼"
        assert env.from_string("{{ 'istifadəçi'|az_upper }}").render() == "İSTİFADƏÇİ"


def test_language_preference_of_a_logged_in_user_is_used_at_root(client, login_as):
    login_as("staff", preferred_language="en")
    client.delete_cookie("m4eg_lang")
    assert client.get("/").headers["Location"] == "/en/"


def test_the_form_error_summary_is_in_azerbaijani_on_az_pages(client):
    page = client.post("/az/accounts/password/forgot", data={"email": "not an address"})
    assert page.status_code == 200
    assert "Zəhmət olmasa, aşağıdakı xətaları düzəldin." in page.get_data(as_text=True)
    english = client.post("/en/accounts/password/forgot", data={"email": "not an address"})
    assert "Please correct the errors below." in english.get_data(as_text=True)


def test_the_menu_uses_the_glossary_terms_on_az_pages(client):
    az = client.get("/az/").get_data(as_text=True)
    en = client.get("/en/").get_data(as_text=True)
    assert "Ağıllı kənd indeksi" in az and ">Hazırlıq<" not in az
    assert ">Qeydiyyat<" in az  # account sign-up keeps "Qeydiyyat"
    assert ">Readiness<" in en and ">Register<" in en
