"""The plan exported as PDF and DOCX: the files open (PDF text extracted with pypdf, DOCX
read back with python-docx) and hold the sections in the chosen language with outdated and
missing translations marked, the actions, the self-assessment, and open comments on request."""

from datetime import timedelta
from io import BytesIO

import pytest
from docx import Document
from flask_babel import force_locale, gettext
from pypdf import PdfReader

from conftest import count_queries
from workspace import db
from workspace.i18n import language_name
from workspace.models import (
    AssessmentRating,
    KeyFactor,
    KeyFactorText,
    Priority,
    Rating,
    SectionComment,
    utcnow,
)
from workspace.plans import actions as plan_actions
from workspace.plans import export, services
from workspace.threads.markdown import render

SOURCE_BODY = """Newcomers wait **months** for a *first* language course.

- Waiting lists in every district
- No evening classes

## Housing pressure

Rents rose sharply."""


def edit(text, title, body, author, source_revision_id=None):
    result = services.save_text(
        text,
        base_revision_id=text.current_revision_id,
        title=title,
        body=body,
        author=author,
        source_revision_id=source_revision_id,
    )
    assert result.status in ("saved", "merged"), result
    return result.revision


@pytest.fixture
def plan(app, world):
    """A plan in English (pair languages en, fr): section 1 translated and current, section 2
    translated then outdated, the others not translated; an action, a rating, comments."""
    plan = services.create_plan(world.pair, "Welcome plan", "en", world.mentor)
    first, second = plan.sections[0], plan.sections[1]
    source1 = edit(services.text_for(first, "en"), "Context and needs", SOURCE_BODY, world.mentor)
    edit(
        services.text_or_new(first, "fr"),
        "Contexte et besoins",
        "Les nouveaux arrivants attendent **des mois** un cours.\n\n- Listes d'attente",
        world.mentee,
        source_revision_id=source1.id,
    )
    source2 = edit(
        services.text_for(second, "en"), "Self-assessment", "We rated ten factors.", world.mentor
    )
    edit(
        services.text_or_new(second, "fr"),
        "Autoévaluation",
        "Nous avons évalué dix facteurs.",
        world.mentee,
        source_revision_id=source2.id,
    )
    edit(services.text_for(second, "en"), "Self-assessment", "We rated twelve.", world.mentor)

    factor = KeyFactor(theme=world.pair.mentoring_theme, code="city.housing", position=1)
    factor.texts += [
        KeyFactorText(language="en", title="Fair access to housing", why_how="Because."),
        KeyFactorText(language="fr", title="Accès équitable au logement", why_how="Car."),
    ]
    db.session.add(factor)
    db.session.add(
        AssessmentRating(
            pair=world.pair,
            key_factor=factor,
            rating=Rating.EMERGING,
            target=Rating.FULLY,
            priority=Priority.HIGH,
        )
    )
    plan_actions.add_action(
        plan,
        title="Open a housing desk",
        key_factors=[factor],
        lead_organisation=world.pair.mentee_city,
        partners="Tenants union",
    )
    comment(first, "Which districts exactly?", world.network_mentor, reply="North and east.")
    resolved = comment(first, "Typo in the title", world.partner, reply="Fixed it.")
    resolved.resolved_at = utcnow()
    db.session.commit()
    return plan


def comment(section, body, author, reply=None):
    top = SectionComment(
        section=section,
        author=author,
        body=body,
        body_html=render(body),
        created_at=utcnow() - timedelta(hours=1),
    )
    db.session.add(top)
    db.session.flush()
    if reply:
        db.session.add(
            SectionComment(
                section=section,
                parent_id=top.id,
                author=author,
                body=reply,
                body_html=render(reply),
            )
        )
    return top


def url(plan, extension, **query):
    args = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/pairs/{plan.pair_id}/plans/{plan.id}/export.{extension}" + (
        f"?{args}" if args else ""
    )


def words(locale, message, **values):
    with force_locale(locale):
        return gettext(message, **values)


def flat(text):
    return " ".join(text.split())


def pdf_text(response):
    assert response.data.startswith(b"%PDF")
    reader = PdfReader(BytesIO(response.data))
    return flat(" ".join(page.extract_text() for page in reader.pages))


def docx_of(response):
    document = Document(BytesIO(response.data))
    paragraphs = [p for p in document.paragraphs]
    cells = [flat(c.text) for t in document.tables for row in t.rows for c in row.cells]
    return document, paragraphs, cells


OUTDATED = "Translation outdated: the original text has changed since."
MISSING = "Not translated — original text in %(language)s."


# PDF ------------------------------------------------------------------------------------


def test_pdf_in_french_marks_outdated_and_missing_translations(client, auth, world, plan):
    auth.as_user(world.mentee)
    response = client.get(url(plan, "pdf", lang="fr"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "Welcome_plan-v1-fr.pdf" in disposition
    assert "no-store" in response.headers["Cache-Control"]  # private data

    catalogue = PdfReader(BytesIO(response.data)).trailer["/Root"]
    assert "/StructTreeRoot" in catalogue  # tagged for screen readers
    assert catalogue["/Lang"] == "fr"
    text = pdf_text(response)
    assert "Welcome plan" in text
    assert "Contexte et besoins" in text and "Les nouveaux arrivants attendent des mois" in text
    assert "Autoévaluation" in text and "Nous avons évalué dix facteurs." in text
    assert flat(words("fr", OUTDATED)) in text
    # Sections not translated fall back to the English title, marked.
    assert flat(words("fr", MISSING, language=language_name("en"))) in text
    assert "Vision and objectives" in text
    # The actions and the self-assessment.
    assert "Open a housing desk" in text and "Tenants union" in text
    assert "Accès équitable au logement" in text
    # The actions follow the outline's actions section, the assessment its own section.
    assert text.index("4. Actions") < text.index("Open a housing desk") < text.index("5. Local")
    emerging = words("fr", "Emerging")  # the assessment's words in French too
    assert text.index("2. Autoévaluation") < text.index(emerging) < text.index("3. Vision")
    # Comments only on request.
    assert "Which districts exactly?" not in text


def test_pdf_with_open_comments_only(client, auth, world, plan):
    auth.as_user(world.network_mentee)  # network members see the plan, so they export it
    text = pdf_text(client.get(url(plan, "pdf", lang="en", comments=1)))
    assert "Which districts exactly?" in text and "North and east." in text
    assert "Typo in the title" not in text and "Fixed it." not in text
    assert "Newcomers wait months for a first language course." in text
    assert "Waiting lists in every district" in text and "Housing pressure" in text
    assert flat(words("en", OUTDATED)) not in text  # the source is never outdated


def test_static_fetcher_serves_our_css_and_refuses_everything_else(app):
    with app.test_request_context("/"):
        fetcher = export.static_fetcher()
        prefix = fetcher.prefix
        assert prefix == "http://workspace.test/static/"
        css = fetcher(prefix + "css/print.css")
        assert b"@page" in css.read() and css.content_type == "text/css"
        css.close()
        for refused in (
            "http://example.org/static/css/print.css",
            "https://workspace.test.evil.example/static/css/print.css",
            "file:///etc/passwd",
            prefix + "../workspace/config.py",
            prefix + "%2e%2e/workspace/config.py",
            prefix + "css/nothing-here.css",
        ):
            with pytest.raises(ValueError):
                fetcher(refused)


# DOCX -----------------------------------------------------------------------------------


def test_docx_reads_back_with_sections_markers_actions_and_assessment(client, auth, world, plan):
    auth.as_user(world.consultant)
    response = client.get(url(plan, "docx", lang="fr"))
    assert response.status_code == 200
    assert response.mimetype == export.DOCX
    assert "Welcome_plan-v1-fr.docx" in response.headers["Content-Disposition"]
    document, paragraphs, cells = docx_of(response)
    texts = [flat(p.text) for p in paragraphs]
    assert document.core_properties.title == "Welcome plan"
    assert texts[0] == "Welcome plan"
    headings = [flat(p.text) for p in paragraphs if p.style.name.startswith("Heading")]
    assert "1. Contexte et besoins" in headings and "2. Autoévaluation" in headings
    assert "3. Vision and objectives" in headings
    assert "Les nouveaux arrivants attendent des mois un cours." in texts
    assert words("fr", OUTDATED) in texts
    assert words("fr", MISSING, language=language_name("en")) in texts
    assert texts.count(words("fr", MISSING, language=language_name("en"))) == 6
    assert "Open a housing desk" in cells and "Accès équitable au logement" in cells
    assert "Tenants union" in cells and "Menteeburg" in cells
    assert "Which districts exactly?" not in " ".join(texts)


def test_docx_keeps_the_markdown_structure_and_open_comments(client, auth, world, plan):
    auth.as_user(world.network_mentor)
    response = client.get(url(plan, "docx", comments=1))  # the plan's own language
    assert response.status_code == 200
    assert "Welcome_plan-v1-en.docx" in response.headers["Content-Disposition"]
    _, paragraphs, cells = docx_of(response)
    by_text = {flat(p.text): p for p in paragraphs}
    body = by_text["Newcomers wait months for a first language course."]
    assert [r.text for r in body.runs if r.bold] == ["months"]
    assert [r.text for r in body.runs if r.italic] == ["first"]
    assert by_text["Waiting lists in every district"].style.name == "List Bullet"
    assert by_text["No evening classes"].style.name == "List Bullet"
    assert by_text["Housing pressure"].style.name == "Heading 3"
    assert "Which districts exactly?" in by_text and "North and east." in by_text
    assert "Typo in the title" not in by_text and "Fixed it." not in by_text
    assert words("en", OUTDATED) not in by_text


def test_docx_export_runs_a_fixed_number_of_queries(client, auth, world, plan):
    auth.as_user(world.mentor)
    with count_queries(client.application) as few:
        assert client.get(url(plan, "docx", lang="fr", comments=1)).status_code == 200
    first = plan.sections[0]
    for i in range(8):
        comment(first, f"More {i}", world.mentee, reply="A reply")
        lead = world.pair.mentee_city  # as in the fixture: the same organisations to load
        plan_actions.add_action(plan, title=f"Action {i}", lead_organisation=lead)
    db.session.commit()
    with count_queries(client.application) as many:
        assert client.get(url(plan, "docx", lang="fr", comments=1)).status_code == 200
    assert len(few) == len(many)


# Languages and access -------------------------------------------------------------------


@pytest.mark.parametrize("extension", ["pdf", "docx"])
def test_only_the_plans_languages(client, auth, world, plan, extension):
    auth.as_user(world.mentor)
    assert client.get(url(plan, extension, lang="nl")).status_code == 404
    assert client.get(url(plan, extension, lang="../x")).status_code == 404
    auth.as_user(world.other_pair_member)
    assert client.get(url(plan, extension, lang="en")).status_code == 404


def test_the_plan_page_links_the_actions_coverage_and_export(client, auth, world, plan):
    auth.as_user(world.network_mentee)
    page = client.get(f"/pairs/{world.pair.id}/plans/{plan.id}?lang=fr").text
    assert f'href="/pairs/{world.pair.id}/plans/{plan.id}/actions"' in page
    assert f'href="/pairs/{world.pair.id}/plans/{plan.id}/coverage"' in page
    assert f'action="/pairs/{world.pair.id}/plans/{plan.id}/export.pdf"' in page
    assert f'formaction="/pairs/{world.pair.id}/plans/{plan.id}/export.docx"' in page
    assert '<option value="fr" lang="fr" selected>' in page
    assert 'media="print" href="/static/css/print.css"' in page


def body_order(document):
    """The document's paragraphs (their text) and tables ("<table>") in order."""
    order = []
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            order.append(flat("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t"))))
        elif child.tag.endswith("}tbl"):
            order.append("<table>")
    return order


def test_docx_tables_follow_their_sections(client, auth, world, plan):
    auth.as_user(world.mentor)
    order = body_order(Document(BytesIO(client.get(url(plan, "docx")).data)))
    actions, assessment = order.index("4. Actions"), order.index("2. Self-assessment")
    assert order.index("<table>", assessment) < order.index("3. Vision and objectives")
    local = order.index("5. Local support network and governance")
    assert actions < order.index("<table>", actions) < local

    # A plan without those sections gets them at the end.
    for section in list(plan.sections[:4]):
        if section.kind.value in ("actions", "assessment"):
            db.session.delete(section)
    db.session.commit()
    document = Document(BytesIO(client.get(url(plan, "docx")).data))
    order = body_order(document)
    tail = order[order.index("6. Risks") :]
    assert tail[tail.index("Actions") + 1] == "<table>"
    assert "<table>" in tail[tail.index("Benchmark self-assessment") :]


# The self-assessment chart in the DOCX -----------------------------------------------------

SCALE = ["Not in place", "Emerging", "Partly in place", "Fully in place"]


def shading(cell):
    return cell._tc.xpath("./w:tcPr/w:shd/@w:fill")


def outlined(cell):
    return bool(cell._tc.xpath("./w:tcPr/w:tcBorders/w:top[@w:val='dashed']"))


def test_docx_draws_the_assessment_as_a_chart_in_shading_and_words(client, auth, world, plan):
    ratings = {  # beside the fixture's housing factor, emerging towards fully in place
        "city.language": (Rating.NOT_IN_PLACE, Rating.PARTLY),
        "city.jobs": (Rating.FULLY, Rating.FULLY),
        "city.transport": (Rating.NOT_APPLICABLE, Rating.NOT_APPLICABLE),
        "city.sport": None,
    }
    for position, (code, rated) in enumerate(ratings.items(), start=2):
        factor = KeyFactor(theme=world.pair.mentoring_theme, code=code, position=position)
        factor.texts.append(KeyFactorText(language="en", title=f"About {code}", why_how="Why."))
        db.session.add(factor)
        if rated:
            rating, target = rated
            db.session.add(
                AssessmentRating(pair=world.pair, key_factor=factor, rating=rating, target=target)
            )
    db.session.commit()

    auth.as_user(world.mentee)
    response = client.get(url(plan, "docx", lang="fr"))
    document, paragraphs, _ = docx_of(response)
    scale = [words("fr", name) for name in SCALE]
    assert scale[0] != SCALE[0]  # really in French
    charts = [t for t in document.tables if [c.text for c in t.rows[0].cells][1:] == scale]
    assert len(charts) == 1
    chart = charts[0]
    assert chart.rows[0].cells[0].text == words("fr", "Key factor")
    assert chart.rows[0]._tr.xpath("./w:trPr/w:tblHeader")  # a header row for screen readers

    current, target = words("fr", "Current rating"), f"◎ {words('fr', 'Target')}"
    rows = {row.cells[0].text: row.cells[1:] for row in chart.rows[1:]}
    assert list(rows) == ["Accès équitable au logement", *(f"About {c}" for c in ratings)]

    def bar(title):
        cells = rows[title]
        shaded = [bool(shading(c)) for c in cells]
        return (
            shaded.count(True),
            shaded,
            [outlined(c) for c in cells],
            [flat(c.text) for c in cells],
        )

    # Emerging (1) towards fully in place (3): two shaded cells, the target outlined and named.
    count, shaded, outline, texts = bar("Accès équitable au logement")
    assert count == 2 and shaded == [True, True, False, False]
    assert outline == [False, False, False, True]
    assert texts == ["", current, "", target]
    assert shading(rows["Accès équitable au logement"][0]) == ["1D4F91"]
    # Not in place (0) towards partly in place (2): one shaded cell.
    count, shaded, outline, texts = bar("About city.language")
    assert count == 1 and shaded[0] and outline == [False, False, True, False]
    assert texts == [current, "", target, ""]
    # Fully in place, its target reached: the whole bar, the last cell both marks.
    count, _, outline, texts = bar("About city.jobs")
    assert count == 4 and outline == [False, False, False, True]
    assert texts == ["", "", "", f"{current} {target}"]
    # Not applicable and not rated: no bar, the words across the scale.
    for title, said in (
        ("About city.transport", words("fr", "Not applicable")),
        ("About city.sport", words("fr", "Not rated yet")),
    ):
        count, _, outline, texts = bar(title)
        assert count == 0 and not any(outline)
        assert set(texts) == {said}  # one cell merged over the four steps

    # Introduced and followed by a legend, then the same values as a table.
    order = body_order(document)
    table = order.index("<table>", order.index("2. Autoévaluation"))
    legend = paragraphs[[flat(p.text) for p in paragraphs].index(f"{current} {target}")]
    assert order[table + 1] == flat(legend.text)
    assert legend.runs[0]._r.xpath("./w:rPr/w:shd/@w:fill") == ["1D4F91"]
    assert legend.runs[-1]._r.xpath("./w:rPr/w:bdr[@w:val='dashed']")
    assert order[table - 2] == words("fr", "Current rating against target per key factor")
    assert "◎" in order[table - 1]
    assert order[table + 2] == words("fr", "Current rating and target per key factor")
    assert order[table + 3] == "<table>" and table + 3 < order.index("3. Vision and objectives")
