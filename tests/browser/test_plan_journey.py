"""Issue 4 done: the demo plan of Mechelen and Capaci (Dutch, Italian, English) taken from the
self-assessment to an adopted plan exported as PDF and DOCX, in a real Chromium, by four people
each in their own language: the mentee official Giulia Russo (Italian), the mentor Pieter
Janssens (Dutch), the network member Samira Haddou (Dutch) and the consultant Sofia Lindqvist
(English). Their saved language preference picks the UI language; the words the test looks for
come from the translation catalogues, so the test also fails if a step is not translated."""

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from docx import Document
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from workspace import db
from workspace.models import KeyFactor, Plan, PlanReviewStep, SectionKind
from workspace.plans import services

from .accounts import signed_in

pytestmark = pytest.mark.browser

CATALOGUES = Path(__file__).resolve().parents[2] / "translations"
MENTOR, MENTEE, NETWORK = "Pieter Janssens", "Giulia Russo", "Samira Haddou"
FACTOR = "city_for_all.encounters"  # not rated in the demo self-assessment of this pair


@cache
def _catalogue(language: str) -> dict[str, str]:
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id and m.string and not m.fuzzy}


def t(lang: str, message: str, /, **values) -> str:
    """``message`` as the UI shows it in ``lang``; fails if it has no translation."""
    if lang != "en":
        assert message in _catalogue(lang), f"not translated into {lang}: {message}"
        message = _catalogue(lang)[message]
    return message % values if values else message


@pytest.fixture
def journey(live_server):
    """The ids the journey needs, from the demo data."""
    with live_server.app.app_context():
        plan = db.session.scalar(select(Plan).where(Plan.title.like("Actieplan: Capaci%")))
        sections = {s.kind: s for s in plan.sections}
        factor = db.session.scalar(select(KeyFactor).where(KeyFactor.code == FACTOR))
        vision = sections[SectionKind.VISION]
        return {
            "pair": plan.pair_id,
            "plan": plan.id,
            "url": f"/pairs/{plan.pair_id}/plans/{plan.id}",
            "vision": vision.id,
            "vision_nl": services.text_for(vision, "nl").current_revision.title,
            "vision_it": services.text_for(vision, "it").current_revision.title,
            "risks": sections[SectionKind.RISKS].id,
            "factor": factor.id,
            "factor_it": factor.text("it").title,
        }


@pytest.fixture
def people(browser, live_server):
    """Each person in their own browser context, watched for CSP violations, console errors
    and script errors on every page they open."""
    problems, pages = [], []

    def person(account: str, language: str):
        page = signed_in(browser, live_server, account)
        page.on("console", lambda m: m.type == "error" and problems.append((account, m.text)))
        page.on("pageerror", lambda e: problems.append((account, str(e))))
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        pages.append(page)
        return page

    yield person, problems
    for page in pages:
        page.context.close()


def _replace(textarea, old: str, new: str):
    value = textarea.input_value()
    assert old in value
    textarea.fill(value.replace(old, new))


def _status(page):
    return page.locator("#plan-review-heading .plan-status")


def test_a_demo_plan_from_self_assessment_to_pdf_and_docx(people, live_server, journey):
    person, problems = people
    j = journey
    url = j["url"]
    vision_editor = f"{url}/sections/{j['vision']}/edit"
    mentee = person("mentee-capaci", "it")
    mentor = person("mentor-mechelen", "nl")

    # 1. Self-assessment: the mentee rates a key factor with the keyboard.
    mentee.goto(f"/pairs/{j['pair']}")
    mentee.get_by_role("navigation", name=t("it", "This pair")).get_by_role(
        "link", name=t("it", "Self-assessment")
    ).click()
    factor = j["factor"]
    mentee.locator(f"#factor-{factor}-rate").focus()
    mentee.keyboard.press("Enter")  # opens the form
    mentee.keyboard.press("Tab")
    rating = mentee.locator(f"#f{factor}-rating")
    expect(rating).to_be_focused()
    mentee.keyboard.press("ArrowDown")  # emerging
    mentee.keyboard.press("Tab")
    mentee.keyboard.press("ArrowDown")
    mentee.keyboard.press("ArrowDown")  # partly in place
    expect(mentee.locator(f"#f{factor}-target")).to_have_value("partly")
    mentee.locator(f"#f{factor}-evidence").focus()
    mentee.keyboard.type("Una festa di quartiere all'anno, ancora senza i nuovi arrivati.")
    mentee.locator(f"#factor-{factor}-save").press("Enter")
    expect(mentee.locator("#assessment-status")).to_contain_text(
        t("it", "“%(title)s” rated.", title=j["factor_it"])
    )
    row = mentee.locator(f'#assessment-chart-svg g[data-key-factor="{FACTOR}"]')
    expect(row).to_have_attribute("data-current", "emerging")
    expect(row).to_have_attribute("data-target", "partly")

    # 2. Concurrent edits: the mentor opens the vision (in Dutch, the plan's language), then
    # the mentee opens it too and sees him there.
    mentor.goto(vision_editor)
    mentee.goto(vision_editor)
    expect(mentee.locator("#section-presence")).to_contain_text(MENTOR, timeout=15_000)
    mentee_text = mentee.get_by_label(t("it", "Text"), exact=True)
    _replace(mentee_text, "ongeacht afkomst", "ongeacht afkomst of leeftijd")
    mentee.get_by_role("button", name=t("it", "Save the section")).click()
    expect(mentee.locator(".flashes")).to_contain_text(
        t("it", "“%(title)s” saved.", title=j["vision_nl"])
    )
    # The mentor, still on the revision he opened, changes the last objective: merged, told.
    _replace(
        mentor.get_by_label(t("nl", "Text"), exact=True),
        "zelf wordt georganiseerd.",
        "zelf wordt georganiseerd, met steun van de verenigingen.",
    )
    mentor.get_by_role("button", name=t("nl", "Save the section")).click()
    merged = t(
        "nl",
        "%(name)s saved “%(title)s” while you were editing. Your changes did not overlap with "
        "theirs, so both were merged: check the result.",
        name=MENTEE,
        title=j["vision_nl"],
    )
    expect(mentor.locator(".flashes")).to_contain_text(merged)
    vision = mentor.locator(f"#section-{j['vision']}")
    expect(vision).to_contain_text("ongeacht afkomst of leeftijd")
    expect(vision).to_contain_text("met steun van de verenigingen.")

    # 3. Translation: the mentee reads the plan in Italian; the vision's translation is
    # outdated, and the translation editor shows the two edits as the source's changes.
    mentee.goto(url)
    expect(mentee.locator('.plan-languages a[aria-current="true"]')).to_have_attribute("lang", "it")
    vision = mentee.locator(f"#section-{j['vision']}")
    expect(vision.locator(".translation-state")).to_contain_text(
        t("it", "Outdated: the source changed since this translation.")
    )
    vision.get_by_role("link", name=t("it", "Update the translation")).click()
    changes = mentee.locator(".source-changes")
    expect(changes).to_contain_text(
        t("it", "What changed in the source since the translated version")
    )
    expect(changes.locator("ins").filter(has_text="leeftijd")).to_have_count(1)
    expect(changes.locator("ins").filter(has_text="verenigingen")).to_have_count(1)
    body = mentee.get_by_label(t("it", "Text (Markdown)"))
    _replace(body, "qualunque sia la sua origine", "qualunque sia la sua origine o età")
    _replace(
        body, "dagli stessi abitanti.", "dagli stessi abitanti, con il sostegno delle associazioni."
    )
    mentee.get_by_role("button", name=t("it", "Save the translation")).click()
    expect(mentee.locator(".flashes")).to_contain_text(
        t("it", "Translation into %(language)s saved.", language="italiano")
    )
    vision = mentee.locator(f"#section-{j['vision']}")
    expect(vision).to_contain_text("con il sostegno delle associazioni")
    expect(vision.locator(".translation-state")).to_have_text(
        re.compile(r"^\s*" + re.escape(t("it", "Translated")))
    )

    # 4. The network member comments on the vision and finds no way to edit.
    network = person("network-mechelen", "nl")
    network.goto(url)
    expect(network.get_by_role("link", name=re.compile("^" + t("nl", "Edit")))).to_have_count(0)
    expect(network.get_by_role("link", name=t("nl", "Update the translation"))).to_have_count(0)
    for button in ("Add the section at the end", "Submit for review"):
        expect(network.get_by_role("button", name=t("nl", button))).to_have_count(0)
    comments = network.locator(f"#section-{j['vision']}-comments")
    new_comment = comments.locator(".comment-new")
    new_comment.get_by_text(t("nl", "Add a comment")).click()
    new_comment.get_by_label(t("nl", "Comment"), exact=True).focus()
    network.keyboard.type("Vraag ook de **seniorenraad** om mee te doen aan de wijkraad.")
    new_comment.get_by_role("button", name=t("nl", "Post comment")).click()
    expect(comments.get_by_text(t("nl", "Comment added."))).to_be_visible()
    expect(comments.locator(".comment__body strong")).to_have_text("seniorenraad")
    # The server refuses a forged edit, even with a valid CSRF token.
    token = network.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    forged = network.request.post(
        live_server.url + vision_editor,
        form={"csrf_token": token, "title": "Forged", "body": "Forged"},
        max_redirects=0,
    )
    assert forged.status == 403

    # 5. Review: the mentee submits; the consultant asks for a risks section; the mentor
    # writes it; the mentee submits again; the consultant approves; the mentee adopts.
    mentee.goto(url)
    mentee.get_by_label(t("it", "Note"), exact=True).fill("Pronto per la revisione.")
    mentee.get_by_role("button", name=t("it", "Submit for review")).click()
    expect(_status(mentee)).to_have_text(t("it", "In review"))
    expect(mentee.get_by_role("link", name=re.compile("^" + t("it", "Edit")))).to_have_count(0)

    consultant = person("consultant", "en")
    consultant.goto(url)
    expect(_status(consultant)).to_have_text("In review")
    ask = "Please describe the risks before we approve."
    consultant.get_by_label("Note", exact=True).fill(ask)
    consultant.get_by_role("button", name="Request changes").click()
    expect(_status(consultant)).to_have_text("Draft")
    expect(consultant.locator(".review-step__note").first).to_have_text(ask)

    mentor.goto(url)
    expect(mentor.locator(".review-step__note").first).to_have_text(ask)
    mentor.locator(f"#section-{j['risks']}").get_by_role(
        "link", name=re.compile("^" + t("nl", "Edit"))
    ).click()
    risks = mentor.get_by_label(t("nl", "Text"), exact=True)
    risks.focus()
    mentor.keyboard.type("- Te weinig nieuwkomers stellen zich kandidaat voor de wijkraad.")
    mentor.get_by_role("button", name=t("nl", "Save the section")).press("Enter")
    expect(mentor.locator(".flashes")).to_contain_text(
        t("nl", "“%(title)s” saved.", title=t("nl", "Risks"))
    )

    mentee.goto(url)
    expect(_status(mentee)).to_have_text(t("it", "Draft"))
    mentee.get_by_label(t("it", "Note"), exact=True).fill("I rischi sono descritti.")
    mentee.get_by_role("button", name=t("it", "Submit for review")).click()
    expect(_status(mentee)).to_have_text(t("it", "In review"))

    consultant.goto(url)
    consultant.get_by_role("button", name="Approve").click()
    expect(_status(consultant)).to_have_text("Approved")
    expect(consultant.get_by_role("button", name="Adopt the plan")).to_have_count(0)

    mentee.goto(url)
    mentee.once("dialog", lambda dialog: dialog.accept())  # "Adopt the plan? …"
    mentee.get_by_role("button", name=t("it", "Adopt the plan")).click()
    expect(_status(mentee)).to_have_text(t("it", "Adopted"))

    # 6. Adopted: read-only for everyone, in the page and at the server.
    expect(mentee.get_by_role("link", name=re.compile("^" + t("it", "Edit")))).to_have_count(0)
    expect(mentee.get_by_text(t("it", "Add a comment"))).to_have_count(0)
    expect(mentee.locator(".translation-state a")).to_have_count(0)
    assert mentee.request.get(live_server.url + vision_editor).status == 403
    comment = mentee.locator(f"#section-{j['vision']}-comments .comment__body")
    expect(comment.filter(has_text="seniorenraad")).to_have_count(1)  # comments stay

    # 7. Export: the PDF in Italian and the DOCX in Dutch open and hold what was written.
    with mentee.expect_download() as pdf:
        mentee.locator(f"#plan-{j['plan']}-export-pdf").click()
    pdf_text = " ".join(page.extract_text() for page in PdfReader(pdf.value.path()).pages)
    pdf_text = re.sub(r"\s+", " ", pdf_text)  # lines broken anywhere
    assert j["vision_it"] in pdf_text
    assert "con il sostegno delle associazioni" in pdf_text
    assert j["factor_it"] in pdf_text  # the self-assessment, with the new rating
    # The demo's context translation is still behind its source: marked so.
    assert t("it", "Translation outdated: the original text has changed since.") in pdf_text

    mentee.get_by_label(t("it", "Language of the export")).select_option("nl")
    mentee.get_by_label(t("it", "with open comments")).press("Space")
    with mentee.expect_download() as docx:
        mentee.locator(f"#plan-{j['plan']}-export-docx").click()
    paragraphs = [p.text for p in Document(docx.value.path()).paragraphs]
    words = "\n".join(paragraphs)
    assert any(p.endswith(j["vision_nl"]) for p in paragraphs)  # "3. Visie en …"
    for kept in (
        "ongeacht afkomst of leeftijd",
        "met steun van de verenigingen.",
        "Te weinig nieuwkomers stellen zich kandidaat",
        "seniorenraad",  # the network member's open comment
    ):
        assert kept in words, kept

    # The review history is complete, and no page had a CSP violation or a script error.
    with live_server.app.app_context():
        steps = db.session.scalars(
            select(PlanReviewStep.to_status)
            .where(PlanReviewStep.plan_id == j["plan"])
            .order_by(PlanReviewStep.id)
        ).all()
    assert [s.value for s in steps] == ["in_review", "draft", "in_review", "approved", "adopted"]
    assert problems == []
