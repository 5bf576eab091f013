"""Four languages: every string translated, the locale chosen as DESIGN §4 says."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from conftest import make_user

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = ("fr", "nl", "it")


def _catalog(language: str):
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """What the code and templates ask to translate, extracted afresh."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as f:
        return read_po(f)


def test_the_configured_languages_have_catalogs(app):
    assert set(app.config["LANGUAGES"]) == {"en", *TRANSLATED}
    for language in TRANSLATED:
        assert (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").exists()


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_extracted_string_is_in_the_catalog(extracted, language):
    catalog = _catalog(language)
    missing = [m.id for m in extracted if m.id and m.id not in catalog]
    assert missing == [], f"run `make i18n` and translate these in {language}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated_and_none_is_fuzzy(language):
    catalog = _catalog(language)
    untranslated = [
        m.id for m in catalog if m.id and not all(m.string if m.pluralizable else [m.string])
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_survive_translation(language):
    problems = [(m.id, [str(e) for e in errors]) for m, errors in _catalog(language).check()]
    assert problems == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_are_not_english_copies(language):
    catalog = _catalog(language)
    # Short names ("Cluster", "E-mail") may be the same word; sentences may not.
    copies = [
        m.id
        for m in catalog
        if isinstance(m.id, str) and len(m.id.split()) > 3 and m.string == m.id
    ]
    assert copies == []


def test_accept_language_chooses_the_locale(client):
    page = client.get("/signin", headers={"Accept-Language": "nl-BE,nl;q=0.9,en;q=0.5"})
    assert '<html lang="nl">' in page.text
    assert "Aanmelden" in page.text


def test_unsupported_language_falls_back_to_english(client):
    page = client.get("/signin", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert '<html lang="en">' in page.text


def test_explicit_switch_beats_accept_language(client):
    response = client.post("/language", data={"language": "it", "next": "/signin"})
    assert response.location == "/signin"
    page = client.get("/signin", headers={"Accept-Language": "fr"})
    assert '<html lang="it">' in page.text
    assert "Accedi" in page.text


def test_saved_preference_beats_the_switch(client, auth, session):
    auth.as_user(make_user("ana@example.org", locale="fr"))
    with client.session_transaction() as s:
        s["locale"] = "nl"
    page = client.get("/profile", headers={"Accept-Language": "it"})
    assert '<html lang="fr">' in page.text


def test_switching_language_when_signed_in_saves_it(client, auth, session):
    user = auth.as_user(make_user("ana@example.org", locale="en"))
    client.post("/language", data={"language": "nl"})
    assert session.get(type(user), user.id).locale == "nl"


def test_switch_refuses_an_unknown_language(client):
    assert client.post("/language", data={"language": "xx"}).status_code == 400


def test_switch_does_not_redirect_off_site(client):
    response = client.post("/language", data={"language": "fr", "next": "https://evil.example/"})
    assert response.location == "/"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "My pairs"), ("fr", "Mes binômes"), ("nl", "Mijn duo's"), ("it", "Le mie coppie")],
)
def test_navigation_in_each_language(client, auth, session, language, expected):
    auth.as_user(make_user("ana@example.org", locale=language))
    page = client.get("/")
    assert f'<html lang="{language}">' in page.text
    assert expected in page.text


def test_dates_follow_the_locale_and_time_zone(app, session):
    from datetime import UTC, datetime

    from flask_babel import force_locale, format_datetime

    moment = datetime(2022, 12, 7, 23, 30, tzinfo=UTC)
    user = make_user("ana@example.org", locale="fr", timezone="Europe/Brussels")
    session.commit()
    with app.test_request_context():
        from flask_login import login_user

        login_user(user)
        with force_locale("fr"):
            text = format_datetime(moment, "long")
    assert "8 décembre 2022" in text  # 23:30 UTC is already the 8th in Brussels
