"""A translator in a real Chromium: a mentor edits a source section, another core member
reads the plan in Spanish, sees the translation is outdated, sees what changed in the
source, updates the translation, and the marker goes away."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from workspace import db
from workspace.models import Membership, Pair, User
from workspace.plans import services

pytestmark = pytest.mark.browser


@pytest.fixture
def translated_plan(live_server):
    """A plan in English in pair 3 (en, es, el), its first section translated into Spanish."""
    with live_server.app.app_context():
        mentor = db.session.scalar(
            select(User).where(User.email == "mentor-fuenlabrada@demo.example.org")
        )
        pair = db.session.scalar(
            select(Pair).join(Membership).where(Membership.user_id == mentor.id)
        )
        plan = services.create_plan(pair, "Decent work for all", "en", mentor)
        section = plan.sections[0]
        source = services.text_for(section, "en")
        services.save_text(
            source,
            base_revision_id=source.current_revision_id,
            title="Context and needs",
            body="Migrant residents wait months for a work permit.",
            author=mentor,
        )
        services.save_text(
            services.text_or_new(section, "es"),
            base_revision_id=None,
            title="Contexto y necesidades",
            body="Los residentes migrantes esperan meses un permiso de trabajo.",
            author=mentor,
            source_revision_id=source.current_revision_id,
        )
        db.session.commit()
        return pair.id, plan.id, section.id


def test_a_translator_sees_outdated_and_the_source_diff_and_updates(page, sign_in, translated_plan):
    pair_id, plan_id, section_id = translated_plan
    plan_url = f"/pairs/{pair_id}/plans/{plan_id}"
    problems = []  # CSP violations and script errors on the way
    page.on("console", lambda m: "Content Security Policy" in m.text and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))

    # The mentor edits the source section in the section editor.
    sign_in("mentor-fuenlabrada")
    page.goto(f"{plan_url}/sections/{section_id}/edit")
    page.get_by_label("Text", exact=True).fill(
        "Migrant residents wait many months for a work permit and a bank account."
    )
    page.get_by_role("button", name="Save the section").click()
    expect(page).to_have_url(re.compile(rf"{plan_url}\?lang=en#section-{section_id}$"))

    # Another core member, on the other side, reads the plan in Spanish.
    page.context.clear_cookies()
    sign_in("mentee-livadia")
    page.goto(plan_url)
    page.get_by_role("link", name="Español").click()
    expect(page).to_have_url(re.compile(r"lang=es"))
    section = page.locator(f"#section-{section_id}")
    expect(section).to_contain_text("Outdated: the source changed since this translation.")
    expect(section).to_contain_text("Los residentes migrantes esperan meses")

    # The translation editor shows what changed in the source since the translated revision.
    section.get_by_role("link", name="Update the translation").click()
    changes = page.locator(".source-changes")
    expect(changes).to_contain_text("What changed in the source since the translated version")
    expect(changes.locator("ins").filter(has_text="many")).to_have_count(1)
    expect(changes.locator("ins").filter(has_text="bank account")).to_have_count(1)
    # The glossary beside it narrows as the translator types (htmx active search).
    glossary = page.locator("#glossary-terms")
    assert glossary.locator(".glossary-pair").count() > 10  # the demo glossary, server-side
    page.get_by_label("Find a term").fill("residence perm")
    expect(glossary.locator(".glossary-pair")).to_have_count(1)
    expect(glossary).to_contain_text("residence permit")
    body = page.get_by_label("Text (Markdown)")
    expect(body).to_have_value("Los residentes migrantes esperan meses un permiso de trabajo.")
    body.fill(
        "Los residentes migrantes esperan muchos meses un permiso de trabajo y una cuenta bancaria."
    )
    page.get_by_role("button", name="Save the translation").click()

    # Back on the plan in Spanish: translated, no longer outdated.
    expect(page).to_have_url(re.compile(rf"{plan_url}\?lang=es#section-{section_id}$"))
    expect(page.locator(".flashes")).to_contain_text("Translation into Spanish saved.")
    section = page.locator(f"#section-{section_id}")
    expect(section).to_contain_text("y una cuenta bancaria")
    expect(section.locator(".translation-state")).to_have_text(re.compile(r"^\s*Translated"))
    expect(section).not_to_contain_text("Outdated")
    assert problems == []
