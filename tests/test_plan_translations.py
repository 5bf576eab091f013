"""Translations of plan sections: outdated as soon as the source moves on, the editor with the
source's changes since the translated revision, safe saves, the plan read in a language, and
the overview of a plan's translation state."""

import re

import pytest
from sqlalchemy import func, select

from conftest import count_queries
from workspace import db
from workspace.models import (
    Activity,
    ActivityKind,
    GlossaryTerm,
    PlanStatus,
    RevisionOrigin,
    SectionKind,
)
from workspace.plans import services

HX = {"HX-Request": "true"}


@pytest.fixture
def plan(app, world):
    """A draft in English in pair A (working languages en, fr) with a written first section."""
    plan = services.create_plan(world.pair, "Welcome plan", "en", world.mentor)
    section = plan.sections[0]
    text = services.text_for(section, "en")
    services.save_text(
        text,
        base_revision_id=text.current_revision_id,
        title="Context and needs",
        body="Newcomers wait months for a first language course.",
        author=world.mentor,
    )
    db.session.commit()
    return plan


def url(plan, section, lang="fr"):
    return f"/pairs/{plan.pair_id}/plans/{plan.id}/sections/{section.id}/translations/{lang}"


def source_of(section, plan):
    return services.text_for(section, plan.language)


def edit_source(plan, section, body, author, title=None):
    text = source_of(section, plan)
    head = text.current_revision
    result = services.save_text(
        text,
        base_revision_id=head.id,
        title=title or head.title,
        body=body,
        author=author,
    )
    db.session.commit()
    return result.revision


def translate(client, plan, section, title, body, *, base="", source=None, lang="fr", **extra):
    source = source or source_of(section, plan).current_revision_id
    data = {
        "title": title,
        "body": body,
        "base_revision_id": base,
        "source_revision_id": source,
        "lang": lang,
        **extra,
    }
    return client.post(url(plan, section, lang), data=data)


def state(plan, section, language="fr"):
    return next(rs.state for rs in services.read_plan(plan, language) if rs.section == section)


# Outdated and current -------------------------------------------------------------------


def test_a_translation_is_outdated_after_a_source_edit_and_current_after_an_update(
    client, auth, world, plan
):
    section = plan.sections[0]
    assert state(plan, section) == "missing"
    auth.as_user(world.mentee)
    response = translate(
        client, plan, section, "Contexte et besoins", "Les nouveaux arrivants attendent."
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/plans/{plan.id}?lang=fr#section-{section.id}")
    assert state(plan, section) == "current"
    translated = services.text_for(section, "fr").current_revision
    assert translated.source_revision_id == source_of(section, plan).current_revision_id

    edit_source(plan, section, "Newcomers wait six months for a first course.", world.mentor)
    assert state(plan, section) == "outdated"

    page = client.get(url(plan, section))
    assert "Outdated: the source changed since this translation was made" in page.text
    new_source = source_of(section, plan).current_revision_id
    response = translate(
        client,
        plan,
        section,
        "Contexte et besoins",
        "Les nouveaux arrivants attendent six mois.",
        base=translated.id,
        source=new_source,
    )
    assert response.status_code == 303
    assert state(plan, section) == "current"
    head = services.text_for(section, "fr").current_revision
    assert (head.parent_id, head.source_revision_id) == (translated.id, new_source)
    # the save is on the pair's timeline
    assert db.session.scalar(
        select(func.count(Activity.id)).where(Activity.kind == ActivityKind.PLAN_REVISED)
    )


def test_confirming_an_unchanged_translation_against_the_new_source_makes_it_current(
    client, auth, world, plan
):
    """A source edit that needs no change in the translation: saving it as it is records the
    new source revision, so the translation is up to date again."""
    section = plan.sections[0]
    auth.as_user(world.mentor)
    translate(client, plan, section, "Contexte", "Texte.")
    first = services.text_for(section, "fr").current_revision
    edit_source(plan, section, "Newcomers wait months for a first language course!", world.mentor)
    assert state(plan, section) == "outdated"
    translate(client, plan, section, "Contexte", "Texte.", base=first.id)
    assert state(plan, section) == "current"
    head = services.text_for(section, "fr").current_revision
    assert head.id != first.id and (head.title, head.body) == ("Contexte", "Texte.")


def test_the_editor_shows_what_changed_in_the_source_since_the_translated_revision(
    client, auth, world, plan
):
    section = plan.sections[0]
    auth.as_user(world.partner)
    translate(client, plan, section, "Contexte", "Les nouveaux arrivants attendent.")
    # two source edits since: the diff runs from the translated revision to the head
    edit_source(plan, section, "Newcomers wait months for a free language course.", world.mentor)
    edit_source(
        plan,
        section,
        "Newcomers wait weeks for a free language course.",
        world.mentee,
        title="Context and local needs",
    )
    page = client.get(url(plan, section))
    assert page.status_code == 200
    changes = page.text.split("What changed in the source since the translated version")[1]
    changes = changes.split("</section>")[0]
    inserted = [
        piece.strip()
        for piece in re.findall(r"<ins><span[^>]*>[^<]*</span>(.*?)<span", changes, re.S)
    ]
    deleted = re.findall(r"<del><span[^>]*>[^<]*</span>(.*?)<span", changes, re.S)
    assert "weeks" in inserted and "free" in inserted and "local" in inserted
    assert "months" in deleted and "first" in deleted
    # beside it the current source, and the translation to update
    assert "Newcomers wait weeks for a free language course." in page.text
    assert "Les nouveaux arrivants attendent." in page.text
    # an up-to-date translation shows no changes
    head = services.text_for(section, "fr").current_revision
    translate(client, plan, section, "Contexte", "Mis à jour.", base=head.id)
    assert "What changed in the source" not in client.get(url(plan, section)).text


def test_a_first_translation_starts_empty_beside_the_source(client, auth, world, plan):
    section = plan.sections[0]
    auth.as_user(world.consultant)
    page = client.get(url(plan, section))
    assert page.status_code == 200
    assert "Not yet translated into French" in page.text
    assert re.search(r'<textarea[^>]*lang="fr"[^>]*>\s*</textarea>', page.text)
    source_id = source_of(section, plan).current_revision_id
    assert f'name="source_revision_id" type="hidden" value="{source_id}"' in page.text
    assert services.text_for(section, "fr") is None  # opening the editor creates nothing


def test_a_source_edit_while_translating_leaves_the_translation_outdated(client, auth, world, plan):
    section = plan.sections[0]
    auth.as_user(world.mentee)
    seen = source_of(section, plan).current_revision_id
    edit_source(plan, section, "Someone changed the source meanwhile.", world.mentor)
    response = translate(client, plan, section, "Contexte", "Traduit.", source=seen)
    assert response.status_code == 303
    assert state(plan, section) == "outdated"  # it translates what the translator saw
    page = client.get(response.headers["Location"])
    assert "The source changed while you were translating" in page.text


def test_a_forged_source_revision_is_refused(client, auth, world, plan):
    first, second = plan.sections[:2]
    auth.as_user(world.mentor)
    other = source_of(second, plan).current_revision_id
    assert translate(client, plan, first, "T", "B", source=other).status_code == 400
    assert translate(client, plan, first, "T", "B", source="x").status_code == 400
    assert services.text_for(first, "fr") is None or (
        services.text_for(first, "fr").current_revision_id is None
    )


# Saves that meet other saves ------------------------------------------------------------


def test_non_overlapping_translation_edits_merge(client, auth, world, plan):
    section = plan.sections[0]
    auth.as_user(world.mentor)
    translate(client, plan, section, "Contexte", "Premier paragraphe.\n\nDeuxième paragraphe.")
    base = services.text_for(section, "fr").current_revision_id
    translate(
        client,
        plan,
        section,
        "Contexte",
        "Premier paragraphe, revu.\n\nDeuxième paragraphe.",
        base=base,
    )
    auth.as_user(world.mentee)  # started from the same revision, edited the other paragraph
    response = translate(
        client,
        plan,
        section,
        "Contexte",
        "Premier paragraphe.\n\nDeuxième paragraphe, revu.",
        base=base,
    )
    assert response.status_code == 303
    head = services.text_for(section, "fr").current_revision
    assert head.body.rstrip("\n") == "Premier paragraphe, revu.\n\nDeuxième paragraphe, revu."
    assert head.origin is RevisionOrigin.MERGE
    page = client.get(response.headers["Location"])
    assert "your changes were merged" in page.text.lower() or "were merged" in page.text


def test_overlapping_translation_edits_conflict_and_are_resolved(client, auth, world, plan):
    section = plan.sections[0]
    auth.as_user(world.mentor)
    translate(client, plan, section, "Contexte", "Une phrase.")
    base = services.text_for(section, "fr").current_revision_id
    translate(client, plan, section, "Contexte", "Une phrase de la mentore.", base=base)
    theirs = services.text_for(section, "fr").current_revision
    auth.as_user(world.mentee)
    response = translate(client, plan, section, "Contexte", "Une phrase du mentee.", base=base)
    assert response.status_code == 409
    page = response.text
    # both versions: theirs shown, mine still in the editor; nothing written
    assert "Une phrase de la mentore." in page and "Une phrase du mentee." in page
    assert "Someone else saved this translation while you were editing" in page
    assert f'name="base_revision_id" type="hidden" value="{theirs.id}"' in page
    assert 'name="resolving" type="hidden" value="1"' in page
    assert services.text_for(section, "fr").current_revision_id == theirs.id
    # the translator resolves on top of theirs
    response = translate(
        client,
        plan,
        section,
        "Contexte",
        "Une phrase de la mentore et du mentee.",
        base=theirs.id,
        resolving="1",
    )
    assert response.status_code == 303
    head = services.text_for(section, "fr").current_revision
    assert head.body == "Une phrase de la mentore et du mentee."
    assert (head.origin, head.parent_id) == (RevisionOrigin.RESOLVE, theirs.id)


def test_an_expired_csrf_token_gives_the_text_back(app, client, auth, world, plan):
    section = plan.sections[0]
    auth.as_user(world.mentor)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        data = {"csrf_token": "expired", "title": "Contexte", "body": "Un long texte, gardé."}
        data |= {"source_revision_id": source_of(section, plan).current_revision_id}
        response = client.post(url(plan, section), data=data)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200
    assert "security token had expired" in response.text
    assert "Un long texte, gardé." in response.text
    assert 'name="csrf_token"' in response.text  # a fresh token to save again with
    assert services.text_for(section, "fr") is None


def test_a_signed_out_translator_gets_the_text_back(client, auth, world, plan):
    section = plan.sections[0]
    auth.as_user(None)
    response = translate(client, plan, section, "Contexte", "Texte à ne pas perdre.")
    assert response.status_code == 401
    assert "Texte à ne pas perdre." in response.text
    assert services.text_for(section, "fr") is None


def test_an_invalid_form_is_shown_again_with_its_text(client, auth, world, plan):
    section = plan.sections[0]
    auth.as_user(world.mentor)
    response = translate(client, plan, section, "", "Sans titre, mais gardé.")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert "Sans titre, mais gardé." in response.text


# Which languages, and who ---------------------------------------------------------------


def test_only_the_plans_other_working_languages_can_be_translated(client, auth, world, plan):
    section = plan.sections[0]
    auth.as_user(world.mentor)
    assert client.get(url(plan, section, "fr")).status_code == 200
    assert client.get(url(plan, section, "en")).status_code == 404  # the plan's own
    assert client.get(url(plan, section, "nl")).status_code == 404  # not a working language
    assert translate(client, plan, section, "T", "B", lang="nl").status_code == 404
    other = services.create_plan(world.pair, "Another plan", "en", world.mentor)
    db.session.commit()
    assert client.get(url(plan, other.sections[0])).status_code == 404


@pytest.mark.parametrize("role", ["network_mentor", "network_mentee", "admin"])
def test_network_members_and_the_admin_may_not_translate(client, auth, world, plan, role):
    section = plan.sections[0]
    auth.as_user(getattr(world, role))
    assert client.get(url(plan, section)).status_code == 403
    assert translate(client, plan, section, "Contexte", "Forgé.").status_code == 403
    assert services.text_for(section, "fr") is None
    # they read the overview, without links to the editor
    page = client.get(f"/pairs/{plan.pair_id}/plans/{plan.id}/translations")
    assert page.status_code == 200 and "/translations/fr" not in page.text


def test_a_plan_out_of_draft_is_not_translated(client, auth, world, plan):
    section = plan.sections[0]
    plan.status = PlanStatus.IN_REVIEW
    db.session.commit()
    auth.as_user(world.mentor)
    assert client.get(url(plan, section)).status_code == 403


# The plan read in a language ------------------------------------------------------------


def test_the_plan_read_in_a_language_uses_translations_and_marks_the_fallback(
    client, auth, world, plan
):
    first, second = plan.sections[:2]
    auth.as_user(world.mentor)
    translate(client, plan, first, "Contexte et besoins", "Les nouveaux arrivants attendent.")
    read = services.read_plan(plan, "fr")
    assert [rs.state for rs in read[:2]] == ["current", "missing"]
    assert read[0].language == "fr" and read[1].language == "en"

    page = client.get(f"/pairs/{plan.pair_id}/plans/{plan.id}?lang=fr").text
    assert "Les nouveaux arrivants attendent." in page
    first_html = page.split(f'id="section-{first.id}"')[1].split("</section>")[0]
    second_html = page.split(f'id="section-{second.id}"')[1].split("</section>")[0]
    assert (
        "Translated" in first_html and "Not yet translated, showing the original" not in first_html
    )
    assert "Not yet translated, showing the original in English." in second_html
    assert 'lang="en"' in second_html  # the fallback is marked as English text
    assert url(plan, second) in second_html  # the editor links to translating it

    edit_source(plan, first, "Newcomers wait.", world.mentor)
    page = client.get(f"/pairs/{plan.pair_id}/plans/{plan.id}?lang=fr").text
    first_html = page.split(f'id="section-{first.id}"')[1].split("</section>")[0]
    assert "Outdated: the source changed since this translation." in first_html
    assert "Update the translation" in first_html

    # the source language shows no translation marker; readers without the right no link
    auth.as_user(world.network_mentee)
    page = client.get(f"/pairs/{plan.pair_id}/plans/{plan.id}?lang=fr").text
    assert "Outdated: the source changed since this translation." in page
    assert "/translations/fr" not in page
    page = client.get(f"/pairs/{plan.pair_id}/plans/{plan.id}?lang=en").text
    assert "Not yet translated, showing the original" not in page


# The overview ---------------------------------------------------------------------------


def test_the_overview_shows_each_sections_state_per_language(client, auth, world, plan):
    world.pair.working_languages = ["en", "fr", "it"]
    first, second = plan.sections[:2]
    db.session.commit()
    auth.as_user(world.mentor)
    translate(client, plan, first, "Contexte", "Texte.")
    translate(client, plan, second, "Valutazione", "Testo.", lang="it")
    edit_source(plan, second, "A changed assessment.", world.mentor)
    page = client.get(f"/pairs/{plan.pair_id}/plans/{plan.id}/translations").text
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) == len(plan.sections)
    cells = [re.findall(r'translation-cell--(\w+)"', row) for row in rows]
    assert cells[0] == ["current", "missing"]  # French, Italian
    assert cells[1] == ["missing", "outdated"]
    assert all(c == ["missing", "missing"] for c in cells[2:])
    assert "1 up to date, 0 outdated, 7 not translated" in page
    assert "0 up to date, 1 outdated, 7 not translated" in page
    assert url(plan, second, "it") in rows[1]


def test_the_overview_runs_the_same_queries_for_10_and_60_sections(client, auth, world, app):
    plan = services.create_plan(world.pair, "Long plan", "en", world.mentor)
    db.session.commit()
    auth.as_user(world.mentor)

    def fill(count):
        while len(plan.sections) < count:
            section = services.add_section(plan, SectionKind.CUSTOM, "Extra", world.mentor)
            db.session.flush()
            text = services.text_or_new(section, "fr")
            services.save_text(
                text,
                base_revision_id=None,
                title="Supplément",
                body="Texte.",
                author=world.mentor,
                source_revision_id=source_of(section, plan).current_revision_id,
            )
        db.session.commit()

    def queries():
        with count_queries(app) as statements:
            response = client.get(f"/pairs/{plan.pair_id}/plans/{plan.id}/translations")
        assert response.status_code == 200
        return len(statements)

    fill(10)
    small = queries()
    fill(60)
    assert len(plan.sections) == 60
    assert queries() == small


# The glossary beside the editor ---------------------------------------------------------


@pytest.fixture
def glossary(app):
    rows = [
        ("newcomer", "en", "newcomer", "A person who has recently arrived."),
        ("newcomer", "fr", "primo-arrivant", "Personne arrivée récemment."),
        ("newcomer", "nl", "nieuwkomer", "Iemand die pas is aangekomen."),
        ("integration", "en", "integration", "A two-way process."),
        ("integration", "fr", "intégration", "Un processus à double sens."),
        ("housing", "en", "housing", "Where people live."),
    ]
    db.session.add_all(
        GlossaryTerm(concept=c, language=lang, term=t, definition=d) for c, lang, t, d in rows
    )
    db.session.commit()


def test_the_editor_shows_the_glossary_for_the_plans_languages(client, auth, world, plan, glossary):
    section = plan.sections[0]
    auth.as_user(world.mentor)
    page = client.get(url(plan, section)).text
    aside = page.split('id="glossary-terms"')[1].split("</aside>")[0]
    assert re.search(r'lang="en">newcomer</span>.*?lang="fr">primo-arrivant</strong>', aside, re.S)
    assert "Personne arrivée récemment." in aside  # the target language's definition
    assert "nieuwkomer" not in aside  # Dutch is not a language of this plan
    assert "no term in French" in aside  # housing has no French term yet
    # the search box filters (htmx: the block alone)
    response = client.get(url(plan, section) + "?q=arriv", headers=HX)
    assert "<html" not in response.text
    assert "primo-arrivant" in response.text and "intégration" not in response.text
    assert "1 term" in response.text
    # LIKE wildcards are literal
    response = client.get(url(plan, section) + "?q=%25", headers=HX)
    assert "No term matches your search." in response.text


def test_a_translation_of_an_unknown_source_revision_says_so(client, auth, world, plan):
    """A translation copied without its source revision (an outdated one carried into a new
    plan version) is outdated, and the editor says it cannot show the changes."""
    section = plan.sections[0]
    services.save_text(
        services.text_or_new(section, "fr"),
        base_revision_id=None,
        title="Contexte",
        body="Ancien texte.",
        author=world.mentor,
    )
    db.session.commit()
    assert state(plan, section) == "outdated"
    auth.as_user(world.mentor)
    page = client.get(url(plan, section)).text
    assert "The source version this translation was made from is not known" in page
    assert "Newcomers wait months for a first language course." in page
