"""Hostile user content in a real Chromium: a thread full of hostile posts (and a hostile
thread title, plan title, section text and plan comment) opens no dialog, runs no injected
script, fires no injected htmx request, breaks no CSP rule, and shows `{{7*7}}` literally."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from workspace import db
from workspace.models import Membership, User
from workspace.plans import comments as plan_comments
from workspace.plans import services as plans
from workspace.threads import services as threads

pytestmark = pytest.mark.browser

PWN = "window.__pwned = 1"
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "<svg onload=alert(1)><circle r=5 /></svg>",
    '<a href="/signout" hx-get="/signout" hx-trigger="mouseover">hover me</a>',
    '<div hx-get="/signout" hx-trigger="load">load</div>',
    # With the page's CSRF header an hx-post here would really sign the reader out.
    '<div hx-post="/signout" hx-trigger="load">post</div>',
    '<form action="/signout" method="post"><button id="hostile-submit">go</button></form>',
    "Template: {{7*7}} and {{ config }}",
    "An autolink <javascript:alert(1)>",
    f'<img src="/nowhere.png" onerror="{PWN}">',
    f'![x](/nowhere.png" onerror="{PWN})',
    '<iframe src="javascript:alert(1)"></iframe><object data="javascript:alert(1)"></object>',
    '<p id="posts" style="display:none">id and style clash</p>',
]
TITLE = "<script>alert(1)</script><img src=x onerror=alert(1)> {{7*7}}"


@pytest.fixture
def hostile(live_server):
    """A hostile thread in the pair of mentor-fuenlabrada, and a draft plan with a hostile
    title, section text and comment; returns the URLs to visit."""
    # A request context: notifications about the posts build their URLs.
    with live_server.app.test_request_context():
        mentor = db.session.scalar(
            select(User).where(User.email == "mentor-fuenlabrada@demo.example.org")
        )
        pair = db.session.scalar(select(Membership).where(Membership.user_id == mentor.id)).pair
        thread = threads.start_thread(
            mentor, title=TITLE, body=HOSTILE[0], language="en", pair=pair
        )
        for body in HOSTILE[1:]:
            threads.reply(thread, mentor, body, "en")

        plan = plans.create_plan(pair, TITLE, "en", mentor)
        section = plan.sections[0]
        text = plans.text_for(section, "en")
        result = plans.save_text(
            text,
            base_revision_id=text.current_revision_id,
            title=TITLE,
            body="\n\n".join(HOSTILE),
            author=mentor,
        )
        assert result.status == "saved"
        plan_comments.add_comment(section, mentor, "\n\n".join(HOSTILE), "en")
        db.session.commit()
        return (
            f"/threads/{thread.id}",
            f"/pairs/{pair.id}/timeline",
            f"/pairs/{pair.id}/plans/{plan.id}",
        )


def test_hostile_content_is_inert(page, live_server, sign_in, hostile):
    dialogs, csp, errors, signouts = [], [], [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: "Content Security Policy" in m.text and csp.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: "/signout" in r.url and signouts.append(r.url))

    sign_in("mentor-fuenlabrada")
    thread_url, timeline_url, plan_url = hostile
    for url in hostile:
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__pwned") is None, url

    # The thread: every post is there, the template string shown as typed.
    page.goto(thread_url)
    posts = page.locator("#posts .post__body")
    expect(posts).to_have_count(len(HOSTILE))
    expect(page.get_by_role("heading", level=1)).to_contain_text("{{7*7}}")
    expect(posts.nth(HOSTILE.index(next(h for h in HOSTILE if "Template" in h)))).to_contain_text(
        "{{7*7}}"
    )
    # Nothing executable reached the DOM inside user content.
    bodies = page.locator(".post__body")
    assert bodies.locator("script, iframe, object, svg, form, [onerror], [onload]").count() == 0
    assert bodies.locator("[hx-get], [hx-post], [hx-trigger], [style], #posts").count() == 0
    for href in bodies.locator("a").evaluate_all("links => links.map(a => a.href)"):
        assert not re.match(r"\s*(javascript|data|vbscript):", href, re.I), href
    page.get_by_text("hover me").hover()
    page.wait_for_timeout(300)  # a hover-triggered htmx request would have left by now

    # The plan page: section text and comment, rendered and inert, the title literal.
    page.goto(plan_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("{{7*7}}")
    expect(page.locator(".plan-section__body").first).to_contain_text("{{7*7}}")
    expect(page.locator(".comment__body").first).to_contain_text("{{7*7}}")
    user_html = page.locator(".plan-section__body, .comment__body")
    assert user_html.locator("script, svg, form, [onerror], [hx-get], [hx-post]").count() == 0

    page.goto(timeline_url)
    expect(page.get_by_role("main")).to_contain_text("{{7*7}}")
    assert page.evaluate("window.__pwned") is None

    assert dialogs == []
    assert csp == []
    assert errors == []
    assert signouts == []
    # Still signed in: the hostile sign-out triggers never fired.
    page.goto("/profile")
    expect(page).not_to_have_url(re.compile(r"/signin"))
