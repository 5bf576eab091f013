"""The glossary of integration terms: the four languages side by side, the reader's first,
searchable with LIKE wildcards taken literally, with and without htmx."""

import re

import pytest

from workspace import db
from workspace.models import GlossaryTerm
from workspace.plans.glossary import escape_like, find_concepts

HX = {"HX-Request": "true"}

TERMS = [
    ("newcomer", "en", "newcomer", "A person who has recently arrived."),
    ("newcomer", "fr", "primo-arrivant", "Personne arrivée récemment."),
    ("newcomer", "nl", "nieuwkomer", "Iemand die pas is aangekomen."),
    ("newcomer", "it", "nuovo arrivato", "Persona arrivata di recente."),
    ("share", "en", "share of 100%", "A part of the whole."),
    ("share", "fr", "part", "Une partie du tout."),
    ("snake", "en", "civic_integration", "A term with an underscore."),
    ("housing", "en", "affordable housing", "Homes people can pay for."),
    ("housing", "fr", "logement abordable", "Un logement que l'on peut payer."),
]


@pytest.fixture
def glossary(app):
    db.session.add_all(
        GlossaryTerm(concept=c, language=lang, term=t, definition=d) for c, lang, t, d in TERMS
    )
    db.session.commit()


def terms_in(html: str) -> list[str]:
    return re.findall(r'<strong class="glossary-term">(.*?)</strong>', html)


def test_escape_like():
    assert escape_like("100%_a\\b") == "100\\%\\_a\\\\b"


def test_find_concepts_searches_terms_and_definitions_literally(app, glossary):
    everything = find_concepts("", ["en", "fr"])
    assert [c.key for c in everything] == ["housing", "snake", "newcomer", "share"]
    assert [c.key for c in find_concepts("ARRIV", ["en", "fr"])] == ["newcomer"]
    assert [c.key for c in find_concepts("tout", ["en", "fr"])] == ["share"]  # a definition
    assert [c.key for c in find_concepts("%", ["en", "fr"])] == ["share"]
    assert [c.key for c in find_concepts("_", ["en", "fr"])] == ["snake"]
    assert find_concepts("nieuwkomer", ["en", "fr"]) == []  # only the languages asked for
    found = find_concepts("nieuwkomer", ["nl", "en"])
    assert [c.key for c in found] == ["newcomer"]
    assert {c: t.term for c, t in found[0].terms.items()} == {
        "nl": "nieuwkomer",
        "en": "newcomer",
    }


def test_the_glossary_shows_four_languages_with_the_readers_first(client, auth, world, glossary):
    world.mentee.locale = "fr"
    auth.as_user(world.mentee)
    page = client.get("/glossary")
    assert page.status_code == 200
    headers = re.findall(r'<th scope="col" lang="(\w+)">', page.text)
    assert headers == ["fr", "en", "nl", "it"]
    # sorted by the reader's terms; a concept without a French term still shows
    assert terms_in(page.text)[:3] == ["logement abordable", "affordable housing", "part"]
    assert "civic_integration" in page.text
    row = page.text.split("primo-arrivant")[1].split("</tr>")[0]
    assert "newcomer" in row and "nieuwkomer" in row and "nuovo arrivato" in row
    assert 'lang="it"' in row


def test_the_glossary_search_with_and_without_htmx(client, auth, world, glossary):
    auth.as_user(world.network_mentee)  # any signed-in user
    page = client.get("/glossary?q=arriv")
    assert "<html" in page.text and 'value="arriv"' in page.text
    assert terms_in(page.text) == ["newcomer", "primo-arrivant", "nieuwkomer", "nuovo arrivato"]
    assert "1 term matches “arriv”." in page.text
    fragment = client.get("/glossary?q=%25", headers=HX)
    assert "<html" not in fragment.text and "HX-Request" in fragment.headers["Vary"]
    assert terms_in(fragment.text) == ["share of 100%", "part"]
    nothing = client.get("/glossary?q=zzz", headers=HX)
    assert "No term matches your search." in nothing.text
    # the query is shown escaped
    page = client.get("/glossary?q=<b>x</b>")
    assert "<b>x</b>" not in page.text and "&lt;b&gt;x&lt;/b&gt;" in page.text


def test_the_glossary_needs_a_signed_in_user(client, auth, world):
    auth.as_user(None)
    assert client.get("/glossary").status_code == 302
    auth.as_user(world.nobody)
    page = client.get("/glossary")
    assert page.status_code == 200 and "0 terms." in page.text
