"""axe-core in a real Chromium: every page type, in each of the four languages, and again
after htmx swaps, with zero violations of WCAG 2.0 and 2.1 at levels A and AA (DESIGN §7).

axe is vendored under tests/browser/vendor/ and added to every page as a Playwright init
script, which goes through the DevTools protocol: the page's Content-Security-Policy (no
inline script) does not apply to it, so CSP stays on. Each language gets one browser
context per account, signed in once; the consultant, who sees and may edit everything in
the pair, reads the pair pages, the admin the admin pages. A failure lists each rule with
the element, axe's help text and the pages it was found on.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from workspace import db
from workspace.demo import DEMO_PASSWORD
from workspace.models import (
    Event,
    EventKind,
    Membership,
    Organisation,
    Pair,
    Plan,
    PlanStatus,
    Post,
    Role,
    Task,
    TaskList,
    Thread,
)

pytestmark = pytest.mark.browser

AXE_PATH = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_SOURCE = AXE_PATH.read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html.slice(0, 200)})),
  }));
}"""
LANGUAGES = ["en", "fr", "nl", "it"]


class Axe:
    """Runs axe on a page and keeps every violation, to report them all at the end."""

    def __init__(self, language: str):
        self.language = language
        self.violations: dict[tuple, list[str]] = {}
        self.problems: list[str] = []
        self.checked: list[str] = []

    def check(self, page, what: str) -> None:
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(AXE_SOURCE)
        self.checked.append(what)
        for v in page.evaluate(RUN_AXE, TAGS):
            for node in v["nodes"]:
                key = (v["id"], v["impact"], node["target"], v["help"], node["html"])
                self.violations.setdefault(key, []).append(what)

    def fail(self, what: str) -> None:
        self.problems.append(what)

    def assert_clean(self) -> None:
        """One line per rule and element, with the pages it was found on."""
        assert self.checked
        lines = [f"[{self.language}] {problem}" for problem in self.problems]
        for (rule, impact, target, help_, html), pages in self.violations.items():
            where = ", ".join(pages[:4]) + (f" and {len(pages) - 4} more" if len(pages) > 4 else "")
            lines.append(f"[{self.language}] {rule} ({impact}) at {target} — {help_}")
            lines.append(f"    {html}\n    on {where}")
        assert not lines, f"{len(self.violations)} axe violations:\n" + "\n".join(lines)


@pytest.fixture
def demo(live_server):
    """The ids of pair 2 (Mechelen – Capaci, working in Dutch, Italian and English): its
    plan in Dutch with an Italian translation, a thread, a post, a study visit, a task."""
    with live_server.app.app_context():
        pair = next(p for p in db.session.scalars(select(Pair)) if "it" in p.working_languages)
        plan = db.session.scalar(select(Plan).where(Plan.pair_id == pair.id))
        thread = db.session.scalar(
            select(Thread).where(Thread.pair_id == pair.id).order_by(Thread.id)
        )
        post = db.session.scalar(select(Post).where(Post.thread_id == thread.id).order_by(Post.id))
        event = db.session.scalar(
            select(Event)
            .where(Event.pair_id == pair.id, Event.kind == EventKind.STUDY_VISIT_ONSITE)
            .order_by(Event.id)
        )
        task_list = db.session.scalar(
            select(TaskList).where(TaskList.pair_id == pair.id).order_by(TaskList.id)
        )
        task = db.session.scalar(select(Task).where(Task.list_id == task_list.id).order_by(Task.id))
        organisation = db.session.scalar(select(Organisation).order_by(Organisation.id))
        network = db.session.scalar(
            select(Membership.user_id)
            .where(Membership.pair_id == pair.id, Membership.role == Role.NETWORK)
            .order_by(Membership.id)
        )
        translation = next(code for code in pair.working_languages if code != plan.language)
        return {
            "pair": pair.id,
            "cluster": pair.cluster_id,
            "plan": plan.id,
            "section": plan.sections[0].id,
            "translation": translation,
            "thread": thread.id,
            "post": post.id,
            "event": event.id,
            "list": task_list.id,
            "task": task.id,
            "organisation": organisation.id,
            "network_member": network,
            "theme": pair.mentoring_theme.value,
        }


def pair_pages(d: dict) -> list[str]:
    pair = f"/pairs/{d['pair']}"
    plan = f"{pair}/plans/{d['plan']}"
    section = f"{plan}/sections/{d['section']}"
    event = f"{pair}/events/{d['event']}"
    return [
        "/",
        pair,
        f"{pair}/timeline",
        event,
        f"{event}/edit",
        f"{event}/visit",
        f"{event}/participants",
        "/calendar",
        f"{pair}/threads",
        f"/threads/{d['thread']}",
        f"{pair}/threads/new",
        f"/clusters/{d['cluster']}/threads",
        f"/posts/{d['post']}/history",
        f"/posts/{d['post']}/moderate?action=hide",
        f"/threads/{d['thread']}/moderate",
        "/moderation",
        f"{pair}/tasks",
        f"{pair}/tasks/{d['task']}",
        f"{pair}/tasks/lists/{d['list']}/done",
        "/my-work",
        "/notifications/",
        "/profile",
        f"{pair}/invite",
        f"{pair}/plans",
        plan,
        f"{section}/edit",
        f"{section}/history",
        f"{section}/diff",
        f"{plan}/translations",
        f"{section}/translations/{d['translation']}",
        f"{plan}/actions",
        f"{plan}/coverage",
        "/benchmarks",
        f"/benchmarks/{d['theme']}",
        f"{pair}/assessment",
        "/glossary",
        "/search?q=integration",
        "/search?q=zzzznothing",
        "/privacy/data",
        "/privacy/erase",
        "/privacy/consents",
        "/no-such-page",
    ]


def admin_pages(d: dict) -> list[str]:
    return [
        "/admin/",
        "/admin/pairs",
        f"/admin/pairs/{d['pair']}",
        f"/admin/pairs/{d['pair']}/members",
        "/admin/clusters",
        f"/admin/clusters/{d['cluster']}",
        "/admin/organisations",
        f"/admin/organisations/{d['organisation']}",
        "/admin/invitations",
        "/admin/audit",
        "/admin/people",
        f"/admin/people/{d['network_member']}/erase",
        "/admin/register",
    ]


SIGNED_OUT_PAGES = ["/signin", "/password/forgot", "/privacy", "/accessibility", "/no-such-page"]


def locale_of(language: str) -> str:
    return {"en": "en-GB", "fr": "fr-BE", "nl": "nl-BE", "it": "it-IT"}[language]


def open_context(browser, live_server, language: str):
    context = browser.new_context(base_url=live_server.url, locale=locale_of(language))
    context.add_init_script(path=AXE_PATH)
    return context


def sign_in_in(page, account: str, language: str) -> None:
    """Signs in through the form in whatever language the page is in, then chooses
    ``language`` with the switcher, which saves it as the account's preference."""
    page.goto("/signin")
    page.locator("input[name=email]").fill(f"{account}@demo.example.org")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/signin"))
    page.locator(f".language-switcher button[value={language}]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    if language != "en":  # really translated: the catalogues are compiled
        expect(page.locator(".skip-link")).not_to_have_text("Skip to content")


def visit(page, axe: Axe, path: str) -> None:
    response = page.goto(path)
    expected = 404 if path == "/no-such-page" else 200
    if response.status != expected:
        axe.fail(f"{path} answered {response.status}")
        return
    expect(page.locator("html")).to_have_attribute("lang", axe.language)
    axe.check(page, path)


def visit_all(page, axe: Axe, paths: list[str]) -> None:
    for path in paths:
        visit(page, axe, path)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_type_passes_axe(browser, live_server, demo, language):
    axe = Axe(language)

    # Signed out: the language comes from the browser's Accept-Language.
    context = open_context(browser, live_server, language)
    page = context.new_page()
    visit_all(page, axe, SIGNED_OUT_PAGES)
    sign_in_in(page, "consultant", language)
    visit_all(page, axe, pair_pages(demo))
    context.close()

    context = open_context(browser, live_server, language)
    page = context.new_page()
    sign_in_in(page, "admin", language)
    visit_all(page, axe, admin_pages(demo))
    context.close()

    axe.assert_clean()


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_after_htmx_swaps_pass_axe(browser, live_server, demo, language):
    """Forms opened and sent through htmx: the swapped-in content is checked too."""
    axe = Axe(language)
    context = open_context(browser, live_server, language)
    page = context.new_page()
    sign_in_in(page, "consultant", language)

    # A reply sent empty (its error swapped in), then sent with text.
    page.goto(f"/threads/{demo['thread']}")
    reply = page.locator("#reply")
    with page.expect_response(lambda r: r.request.method == "POST"):
        reply.locator("[type=submit]").click()
    expect(reply.locator("[aria-invalid=true]").first).to_be_visible()
    axe.check(page, "thread: empty reply")
    reply.locator("textarea").fill("Thank you, we will bring the figures to the workshop.")
    with page.expect_response(lambda r: r.request.method == "POST"):
        reply.locator("[type=submit]").click()
    expect(page.locator("#reply-panel .flash--success")).to_be_visible()
    axe.check(page, "thread: reply posted")

    # A task ticked off on the board.
    page.goto(f"/pairs/{demo['pair']}/tasks")
    toggle = page.locator(f"#task-{demo['task']}-toggle")
    with page.expect_response(lambda r: r.request.method == "POST"):
        toggle.click()
    expect(page.locator("#task-status .flash")).to_be_visible()
    axe.check(page, "tasks: task ticked")

    # A comment form opened on a plan section, then sent.
    page.goto(f"/pairs/{demo['pair']}/plans/{demo['plan']}")
    comments = page.locator(f"#section-{demo['section']}-comments")
    comments.locator(".comment-new summary").click()
    axe.check(page, "plan: comment form open")
    comments.locator(".comment-new textarea").fill("Could we name the lead for this action?")
    with page.expect_response(lambda r: r.request.method == "POST"):
        comments.locator(".comment-new [type=submit]").click()
    expect(comments.locator(".flash--success")).to_be_visible()
    axe.check(page, "plan: comment posted")

    # A plan action opened for editing in place.
    page.goto(f"/pairs/{demo['pair']}/plans/{demo['plan']}/actions")
    with page.expect_response(lambda r: r.request.method == "GET" and "edit=" in r.url):
        page.locator("#actions a[id$=-edit]").first.click()
    axe.check(page, "actions: action edited in place")

    # The section editor's preview.
    plan = f"/pairs/{demo['pair']}/plans/{demo['plan']}"
    page.goto(f"{plan}/sections/{demo['section']}/edit")
    with page.expect_response(lambda r: r.request.method == "POST" and "/preview" in r.url):
        page.locator(".section-editor button[value=preview]").click()
    expect(page.locator("#section-preview")).not_to_be_empty()
    axe.check(page, "section editor: preview")

    # The translate editor's glossary search.
    page.goto(f"{plan}/sections/{demo['section']}/translations/{demo['translation']}")
    with page.expect_response(lambda r: r.request.method == "GET" and "q=" in r.url):
        page.locator("#glossary-q").fill("integr")
    axe.check(page, "translate editor: glossary search")

    # The review: a request for changes without a note, its error swapped in.
    with live_server.app.app_context():
        db.session.get(Plan, demo["plan"]).status = PlanStatus.IN_REVIEW
        db.session.commit()
    page.goto(plan)
    review = page.locator("#plan-review")
    with page.expect_response(lambda r: r.request.method == "POST"):
        review.locator("button[formaction$=request-changes]").click()
    expect(review.locator("[aria-invalid=true]").first).to_be_visible()
    axe.check(page, "plan: review without a note")

    # The moderation form, sent without a reason.
    page.goto(f"/posts/{demo['post']}/moderate?action=hide")
    page.locator("main form [type=submit]").first.click()
    axe.check(page, "moderation: no reason given")
    context.close()

    axe.assert_clean()


def test_axe_reports_a_violation(browser, live_server):
    """The harness is not blind: an unlabelled field and an image without a text
    alternative, planted into a page, are reported by rule, element and help text."""
    axe = Axe("en")
    context = open_context(browser, live_server, "en")
    page = context.new_page()
    page.goto("/signin")
    page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML("beforeend",
             '<input id="planted-field"><img id="planted-image" src="/static/none.png">')"""
    )
    axe.check(page, "/signin with planted faults")
    context.close()
    with pytest.raises(AssertionError) as failure:
        axe.assert_clean()
    report = str(failure.value)
    assert "label (critical) at #planted-field" in report
    assert "image-alt (critical) at #planted-image" in report
    assert "on /signin with planted faults" in report
