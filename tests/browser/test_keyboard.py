"""Keyboard-only use, focus and live regions after htmx swaps, and 320 CSS px wide.

The core journey is done with the keyboard alone (``page.keyboard``: Tab, Shift+Tab, Enter,
Space and typing; no clicks, no ``element.focus()``): from the home page, through the skip
link, to the pair's timeline, into a thread to post a reply, to the task board to complete a
task and to the action plan to comment on a section. After every htmx swap the focus is on
a sensible element, never on <body>, and each result is in the database.

Pair 3 (Fuenlabrada → Livadia), whose people read the workspace in English.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from workspace import db
from workspace.demo import DEMO_PASSWORD
from workspace.models import Event, Plan, Post, SectionComment, Task, TaskStatus, Thread

pytestmark = pytest.mark.browser

PAIR = 3
THREAD = "Agenda for the study visit in Fuenlabrada"
TASK = "Check the rules on work permits with the ministry"  # open, in pair 3

# What the focused element is, in a few words (read only: nothing is done to the page).
FOCUSED = """() => {
  const e = document.activeElement;
  return {
    tag: e.tagName.toLowerCase(),
    id: e.id,
    text: (e.innerText || e.value || "").replace(/\\s+/g, " ").trim(),
    href: e.getAttribute("href") || "",
    classes: e.className || "",
    inMain: !!e.closest("main"),
  };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, wanted, *, limit=400, key="Tab") -> dict:
    """Presses Tab (or ``key``) until ``wanted(focused element)`` holds; fails after
    ``limit`` presses."""
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        if wanted(now):
            return now
    raise AssertionError(f"never reached the wanted element with {key}; last: {now}")


def assert_focus_not_lost(page) -> dict:
    """Waits for the swap to settle (focus is placed then), then says where focus is."""
    page.wait_for_function("document.activeElement && document.activeElement !== document.body")
    return focused(page)


def sign_in_with_keyboard(page, account: str) -> None:
    page.goto("/signin")
    # The e-mail field has autofocus.
    expect(page.get_by_label("E-mail address")).to_be_focused()
    page.keyboard.type(f"{account}@demo.example.org")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/signin"))


# ---- The core journey, keyboard only ----


def test_core_journey_with_the_keyboard_alone(page, live_server):
    app = live_server.app
    with app.app_context():
        thread_id = db.session.scalar(select(Thread.id).where(Thread.title == THREAD))
        task_id = db.session.scalar(select(Task.id).where(Task.title == TASK))
        plan_id = db.session.scalar(select(Plan.id).where(Plan.pair_id == PAIR))

    sign_in_with_keyboard(page, "mentor-fuenlabrada")
    expect(page).to_have_title("My pairs · Mentoring workspace")

    # The skip link is the first stop, and takes the focus to the main content.
    page.keyboard.press("Tab")
    assert focused(page)["classes"] == "skip-link"
    expect(page.locator(".skip-link")).to_be_visible()
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    # The first link in the content is the pair.
    now = tab_to(page, lambda f: f["tag"] == "a", limit=5)
    assert now["href"] == f"/pairs/{PAIR}"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/pairs/{PAIR}$"))

    # The pair's navigation leads to the timeline.
    tab_to(page, lambda f: f["href"] == f"/pairs/{PAIR}/timeline")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/pairs/{PAIR}/timeline$"))
    expect(page).to_have_title(re.compile(r"^Timeline · "))
    stream = page.locator("#timeline-stream > li")
    expect(stream.first).to_be_visible()
    # Reading it: the filter is a select; arrows change it, htmx swaps the timeline in and
    # the focus stays on the select.
    tab_to(page, lambda f: f["id"] == "kind")
    with page.expect_response(lambda r: "/timeline?" in r.url and r.request.method == "GET"):
        page.keyboard.press("ArrowDown")
    expect(page).to_have_url(re.compile(r"/timeline\?kind="))
    expect(page.locator("#kind")).to_be_focused()
    expect(page.locator("#timeline h2").first).to_be_visible()
    # On with Tab into the entries: each is reachable and readable.
    now = tab_to(page, lambda f: f["tag"] == "a" and bool(f["text"]) and f["inMain"])
    assert_focus_not_lost(page)

    # Threads: the pair's navigation is back up the page.
    tab_to(page, lambda f: f["href"] == f"/pairs/{PAIR}/threads", key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/pairs/{PAIR}/threads$"))
    tab_to(page, lambda f: f["href"] == f"/threads/{thread_id}")
    page.keyboard.press("Enter")
    expect(page).to_have_title(f"{THREAD} · Mentoring workspace")

    # A reply, written and sent with the keyboard.
    tab_to(page, lambda f: f["tag"] == "textarea")
    page.keyboard.type("Keyboard only: the agenda works for us.")
    now = tab_to(page, lambda f: f["text"] == "Post the reply")
    page.keyboard.press("Enter")
    expect(page.locator("#announcer")).to_have_text(re.compile("Your reply is posted"))
    now = assert_focus_not_lost(page)
    assert now["id"] == "reply-heading", now  # the reply panel's heading, not <body>
    with app.app_context():
        post = db.session.scalar(
            select(Post).where(Post.thread_id == thread_id).order_by(Post.id.desc())
        )
        assert post.body == "Keyboard only: the agenda works for us."
    expect(page.locator("#posts")).to_contain_text("Keyboard only: the agenda works for us.")

    # The task board: a task marked done.
    tab_to(page, lambda f: f["href"] == f"/pairs/{PAIR}/tasks", key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/pairs/{PAIR}/tasks$"))
    expect(page).to_have_title(re.compile(r"^Tasks · "))
    tab_to(page, lambda f: f["id"] == f"task-{task_id}-toggle")
    page.keyboard.press("Enter")
    toggle = page.locator(f"#task-{task_id}-toggle")
    expect(toggle).to_have_text(f"Reopen {TASK}")
    expect(toggle).to_be_focused()  # the same control, in the new board
    expect(page.locator("#task-status")).to_contain_text(f"“{TASK}” is done.")
    with app.app_context():
        assert db.session.get(Task, task_id).status == TaskStatus.DONE

    # The action plan: a comment on its first section.
    tab_to(page, lambda f: f["href"] == f"/pairs/{PAIR}/plans", key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/pairs/{PAIR}/plans$"))
    tab_to(page, lambda f: f["href"] == f"/pairs/{PAIR}/plans/{plan_id}")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/plans/{plan_id}$"))
    tab_to(page, lambda f: f["tag"] == "summary" and f["text"] == "Add a comment")
    section = page.locator(".plan-section").filter(has=page.locator("summary:focus"))
    section_id = int(section.get_attribute("id").removeprefix("section-"))
    page.keyboard.press("Enter")  # opens the <details>
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "textarea"
    page.keyboard.type("Could we add the employers' round table here?")
    tab_to(page, lambda f: f["text"] == "Post comment")
    page.keyboard.press("Space")
    comments = page.locator(f"#section-{section_id}-comments")
    expect(comments.locator(".comment__body").last).to_have_text(
        "Could we add the employers' round table here?"
    )
    expect(page.locator("#announcer")).not_to_be_empty()
    now = assert_focus_not_lost(page)
    assert now["id"] == f"section-{section_id}-comments-heading", now
    with app.app_context():
        comment = db.session.scalar(
            select(SectionComment)
            .where(SectionComment.section_id == section_id)
            .order_by(SectionComment.id.desc())
        )
        assert comment.body == "Could we add the employers' round table here?"


# ---- Errors: summary focused, errors tied to their fields ----


def assert_error_summary(page, field_id: str) -> None:
    """The summary has the focus and links to the field, which names its errors."""
    summary = page.locator(".error-summary")
    expect(summary).to_have_count(1)
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    link = summary.locator(f'a[href="#{field_id}"]')
    expect(link.first).to_be_visible()
    control = page.locator(f"#{field_id}")
    expect(control).to_have_attribute("aria-invalid", "true")
    described = control.get_attribute("aria-describedby") or ""
    assert f"{field_id}-errors" in described.split()
    error_text = page.locator(f"#{field_id}-errors").inner_text().strip()
    assert error_text
    assert error_text in link.first.inner_text()
    # Tab reaches the link; Enter puts the focus in the field.
    page.keyboard.press("Tab")
    expect(link.first).to_be_focused()
    page.keyboard.press("Enter")
    expect(control).to_be_focused()


def test_error_summary_after_a_plain_post(page, sign_in):
    """A full-page form (no htmx) sent empty comes back with the summary focused."""
    sign_in("mentor-fuenlabrada")
    page.goto(f"/pairs/{PAIR}/threads/new")
    page.get_by_label("Subject").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/pairs/{PAIR}/threads/new$"))
    assert_error_summary(page, "title")


def test_error_summary_on_sign_in(page):
    page.goto("/signin")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_error_summary(page, "email")


def test_error_summary_after_an_htmx_submit(page, sign_in, live_server):
    """The reply form, sent empty through htmx: the block comes back with the errors, the
    summary takes the focus, nothing is stored."""
    with live_server.app.app_context():
        thread_id = db.session.scalar(select(Thread.id).where(Thread.title == THREAD))
        posts = len(db.session.scalars(select(Post).where(Post.thread_id == thread_id)).all())
    sign_in("mentor-fuenlabrada")
    page.goto(f"/threads/{thread_id}")
    page.evaluate("window.sameDocument = true")
    tab_to(page, lambda f: f["text"] == "Post the reply")
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.keyboard.press("Enter")
    assert sent.value.request.headers.get("hx-request") == "true"
    assert_error_summary(page, "body")
    assert page.evaluate("window.sameDocument") is True
    with live_server.app.app_context():
        assert (
            len(db.session.scalars(select(Post).where(Post.thread_id == thread_id)).all()) == posts
        )


def test_error_summary_on_the_task_board(page, sign_in):
    """A task without a title, through htmx: the summary of that form has the focus."""
    sign_in("mentor-fuenlabrada")
    page.goto(f"/pairs/{PAIR}/tasks")
    tab_to(page, lambda f: f["text"].startswith("Add the task"))
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    form = page.locator("form.task-new").filter(has=summary)
    invalid = form.locator("[aria-invalid='true']")
    expect(invalid).to_have_count(1)
    field_id = invalid.get_attribute("id")
    assert f"{field_id}-errors" in invalid.get_attribute("aria-describedby").split()
    expect(summary.locator(f'a[href="#{field_id}"]')).to_be_visible()


# ---- Focus and live regions after swaps ----


def test_focus_after_following_a_thread(page, sign_in, live_server):
    """The button pressed is replaced by others: the focus goes to the new controls, the
    news is said through the live region that was in the page before."""
    with live_server.app.app_context():
        thread_id = db.session.scalar(select(Thread.id).where(Thread.title == THREAD))
    sign_in("mentor-fuenlabrada")
    page.goto(f"/threads/{thread_id}")
    announcer = page.locator("#announcer")
    expect(announcer).to_be_empty()  # present, and empty, before anything is said
    expect(announcer).to_have_attribute("aria-live", "polite")
    subscription = page.locator("#subscription")
    first = subscription.get_by_role("button").first
    label = first.inner_text()
    tab_to(page, lambda f: f["text"] == label)
    page.keyboard.press("Enter")
    expect(subscription.get_by_role("button", name=label, exact=True)).to_have_count(0)
    # No heading there: the region itself, not the next button (a second Enter would press it).
    expect(subscription).to_be_focused()
    expect(announcer).not_to_be_empty()
    # The copy in the content is kept quiet: it is said once.
    expect(subscription.locator("[role='status']")).to_have_attribute("aria-live", "off")
    # A fragment has no <title>: the page keeps its own (the SVG titles of charts and the
    # like are not taken for it either).
    expect(page).to_have_title(f"{THREAD} · Mentoring workspace")


def test_polls_do_not_take_the_focus(page, sign_in, live_server):
    """A poll that brings news while someone reads moves nothing: focus stays where it is."""
    with live_server.app.app_context():
        thread_id = db.session.scalar(select(Thread.id).where(Thread.title == THREAD))
    sign_in("mentor-fuenlabrada")
    page.goto(f"/threads/{thread_id}")
    tab_to(page, lambda f: f["href"] == f"/pairs/{PAIR}/threads")
    with live_server.app.test_request_context():  # someone else replies
        from workspace.models import User
        from workspace.threads import services

        thread = db.session.get(Thread, thread_id)
        other = db.session.scalar(
            select(User).where(User.email == "mentee-livadia@demo.example.org")
        )
        services.reply(thread, other, "News from Livadia.", "en", None)
        db.session.commit()
    expect(page.locator("#posts")).to_contain_text("News from Livadia.", timeout=15_000)
    assert focused(page)["href"] == f"/pairs/{PAIR}/threads"


# ---- Titles on navigation ----


def test_title_after_an_htmx_redirect(page, sign_in, live_server):
    """An htmx form whose success moves to another page (HX-Redirect): the browser loads the
    page whole, title included."""
    with live_server.app.app_context():
        event_id = db.session.scalar(
            select(Event.id).where(Event.pair_id == PAIR).order_by(Event.id)
        )
    sign_in("mentor-fuenlabrada")
    page.goto(f"/pairs/{PAIR}/events/{event_id}/edit")
    expect(page).to_have_title(re.compile(r"· Mentoring workspace$"))
    title = page.get_by_label("Title", exact=True)
    title.fill("Kick-off meeting, keyboard edition")
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        title.press("Enter")
    assert sent.value.headers.get("hx-redirect")
    expect(page).to_have_url(re.compile(rf"/pairs/{PAIR}/events/{event_id}$"))
    expect(page).to_have_title(re.compile(r"^Kick-off meeting, keyboard edition"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Kick-off meeting, keyboard edition")
    )


def test_title_after_pushing_a_url(page, sign_in):
    """The timeline filter swaps the list in and pushes its URL: the title is the one the
    same URL gets when loaded whole."""
    sign_in("mentor-fuenlabrada")
    page.goto(f"/pairs/{PAIR}/timeline")
    # htmx 2 takes the <title> of a boosted page or of a response that has one.
    assert page.evaluate("htmx.config.ignoreTitle") is False
    select_kind = page.locator("#kind")
    options = select_kind.locator("option")
    value = options.nth(options.count() - 1).get_attribute("value")
    with page.expect_response(lambda r: "/timeline?" in r.url):
        select_kind.select_option(value)
    expect(page).to_have_url(re.compile(rf"kind={value}"))
    swapped = page.title()
    page.reload()
    assert page.title() == swapped
    assert swapped.startswith("Timeline · ")


# ---- 320 CSS px wide ----

NARROW = {"width": 320, "height": 640}

PAGES = {
    "mentor-fuenlabrada": [
        "/",
        f"/pairs/{PAIR}",
        f"/pairs/{PAIR}/timeline",
        f"/pairs/{PAIR}/events/new",
        f"/pairs/{PAIR}/threads",
        f"/pairs/{PAIR}/threads/new",
        "/threads/{thread}",
        f"/pairs/{PAIR}/tasks",
        "/my-work",
        f"/pairs/{PAIR}/plans",
        f"/pairs/{PAIR}/plans/{{plan}}",
        f"/pairs/{PAIR}/plans/{{plan}}/sections/{{section}}/edit",
        f"/pairs/{PAIR}/plans/{{plan}}/sections/{{section}}/history",
        f"/pairs/{PAIR}/plans/{{plan}}/actions",
        f"/pairs/{PAIR}/plans/{{plan}}/translations",
        f"/pairs/{PAIR}/assessment",
        f"/pairs/{PAIR}/invite",
        "/benchmarks",
        "/glossary",
        "/notifications/",
        "/profile",
        "/calendar",
    ],
    "admin": [
        "/admin/",
        "/admin/pairs",
        f"/admin/pairs/{PAIR}",
        f"/admin/pairs/{PAIR}/members",
        "/admin/clusters",
        "/admin/organisations",
        "/admin/invitations",
        "/moderation",
    ],
}


def test_no_sideways_scrolling_at_320_px(browser, live_server):
    """WCAG 1.4.10: at 320 CSS px every page type reflows; wide tables scroll inside their
    own focusable region, the page never does."""
    with live_server.app.app_context():
        plan = db.session.scalar(select(Plan).where(Plan.pair_id == PAIR))
        ids = {
            "thread": db.session.scalar(select(Thread.id).where(Thread.title == THREAD)),
            "plan": plan.id,
            "section": plan.sections[0].id,
        }
    too_wide = []
    for account, paths in {None: ["/signin", "/password/forgot"], **PAGES}.items():
        context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport=NARROW)
        page = context.new_page()
        if account:
            sign_in_with_keyboard(page, account)
        for path in paths:
            url = path.format(**ids)
            response = page.goto(url)
            assert response.status == 200, url
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > NARROW["width"]:
                too_wide.append((url, width))
        context.close()
    assert not too_wide


def test_the_user_menu_and_an_error_summary_fit_at_320_px(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport=NARROW)
    page = context.new_page()
    sign_in_with_keyboard(page, "mentor-fuenlabrada")
    summary = page.locator(".user-menu summary")
    tab_to(page, lambda f: f["tag"] == "summary")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Profile")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    page.keyboard.press("Escape")
    expect(summary).to_be_focused()
    page.goto(f"/pairs/{PAIR}/threads/new")
    page.get_by_label("Subject").press("Enter")
    expect(page.locator(".error-summary")).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    context.close()
