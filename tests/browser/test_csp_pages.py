"""Every page type in a real browser, as the programme admin and as a support-network
member: zero Content-Security-Policy violations (``securitypolicyviolation`` events and
console reports) and zero requests to any host but the live server (issue 5, item 4).

The pages are derived from the URL map: every GET route with its arguments filled from the
demo network, so a page added later is visited without a change here (a route whose
argument this test can't fill fails it, to be taught here)."""

import re
from pathlib import Path

import pytest
from flask import url_for
from playwright.sync_api import expect
from sqlalchemy import select

from workspace import db
from workspace.auth import services as accounts
from workspace.models import (
    Consent,
    Event,
    Membership,
    Plan,
    PlanSection,
    Post,
    Role,
    Side,
    Task,
    TaskList,
    Thread,
    User,
)

from .accounts import sign_in_page

# Not pages: downloads, calendar feeds, polls answered with fragments or 304, health.
NOT_PAGES = {
    "static",
    "health.healthz",
    "attachments.download",
    "plans.export_pdf",
    "plans.export_docx",
    "timeline.user_feed",
    "timeline.pair_feed",
    "timeline.poll",
    "threads.poll",
}
# Pages for visitors: visited signed out.
VISITOR_PAGES = {"auth.sign_in", "auth.forgot_password", "auth.reset_password"}

WATCH_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.reportCsp(`${e.violatedDirective} ${e.blockedURI} on ${location.pathname}`);
});
"""


def _values(app, account: str) -> dict:
    """Argument values for every route, from the pair the network member belongs to."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == f"{account}@demo.example.org"))
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        pair = membership.pair
        thread = db.session.scalar(
            select(Thread).where(Thread.pair_id == pair.id, Thread.open_to_network.is_(True))
        ) or db.session.scalar(select(Thread).where(Thread.pair_id == pair.id))
        post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
        task_list = db.session.scalar(select(TaskList).where(TaskList.pair_id == pair.id))
        task = db.session.scalar(select(Task).where(Task.list_id == task_list.id))
        plan = db.session.scalar(select(Plan).where(Plan.pair_id == pair.id))
        section = db.session.scalar(select(PlanSection).where(PlanSection.plan_id == plan.id))
        event = db.session.scalar(select(Event).where(Event.pair_id == pair.id))
        languages = [lang for lang in pair.working_languages if lang != plan.language]
        admin = db.session.scalar(select(User).where(User.is_admin.is_(True)))
        invitation = accounts.invite(
            "newcomer@example.org",
            admin,
            "en",
            pair=pair,
            role=Role.NETWORK,
            side=Side.MENTOR,
        )
        consent = Consent(user=user, pair=pair, notice_version="2026-11-22", locale="en")
        db.session.add(consent)
        db.session.commit()
        del invitation
        return {
            "pair_id": pair.id,
            "cluster_id": pair.cluster_id,
            "organisation_id": pair.mentor_city_id,
            "membership_id": membership.id,
            "thread_id": thread.id,
            "post_id": post.id,
            "list_id": task_list.id,
            "task_id": task.id,
            "plan_id": plan.id,
            "section_id": section.id,
            "event_id": event.id,
            "lang": languages[0] if languages else plan.language,
            "theme": pair.mentoring_theme.value,
            "token": accounts.reset_token(admin),
            "user_id": user.id,
            "consent_id": consent.id,
        }


def _invitation_link(mailbox_dir) -> str | None:
    for path in sorted(mailbox_dir.glob("*.eml")):
        match = re.search(r"https?://[^/\s]+(/invitations/\S+)", path.read_text())
        if match:
            return match.group(1)
    return None


def page_paths(app, values: dict) -> dict[str, str]:
    paths = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        missing = set(rule.arguments) - values.keys()
        assert not missing, f"{rule.rule}: teach this test the value of {missing}"
        with app.test_request_context():
            path = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
        paths[path] = rule.endpoint
    return paths


@pytest.fixture
def watched(page, live_server):
    """The page, recording CSP violations and every request it makes."""
    report = {"violations": [], "requests": [], "errors": []}
    page.expose_function("reportCsp", lambda text: report["violations"].append(text))
    page.add_init_script(WATCH_CSP)
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and report["violations"].append(m.text),
    )
    page.on("pageerror", lambda e: report["errors"].append(str(e)))
    page.on("request", lambda r: report["requests"].append(r.url))
    return report


def _visit(page, paths: dict[str, str]) -> set[str]:
    seen = set()
    for path, endpoint in sorted(paths.items()):
        response = page.goto(path)
        assert response is not None, path
        page.wait_for_load_state("networkidle")
        expect(page.get_by_role("heading", level=1).first).to_be_visible()
        seen.add(endpoint)
    return seen


def _foreign(requests: list[str], origin: str) -> list[str]:
    return [url for url in requests if not url.startswith(origin + "/") and url != origin]


def test_the_watch_sees_a_violation(page, live_server, watched):
    """Control: an inline script added to the page is reported."""
    page.goto("/signin")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.x = 1'; document.body.appendChild(s); }"
    )
    # the event is dispatched asynchronously: let the page's event loop run it
    page.wait_for_function("() => new Promise((done) => setTimeout(() => done(true), 0))")
    assert any("script-src" in v for v in watched["violations"]), watched["violations"]


@pytest.mark.parametrize("account", ["admin", "network-brussels"])
def test_every_page_type_without_csp_violation_or_other_host(page, live_server, watched, account):
    app = live_server.app
    values = _values(app, "network-brussels")
    paths = page_paths(app, values)
    signed_in_paths = {p: e for p, e in paths.items() if e not in VISITOR_PAGES}
    visitor_paths = {p: e for p, e in paths.items() if e in VISITOR_PAGES}
    invitation = _invitation_link(Path(app.instance_path) / "outbox")
    if invitation:
        visitor_paths[invitation] = "auth.accept_invitation"

    seen = _visit(page, visitor_paths)
    sign_in_page(page, account)
    seen |= _visit(page, signed_in_paths)

    assert seen >= {e for e in paths.values()} - {"auth.accept_invitation"}
    assert len(seen) > 40
    assert watched["violations"] == []
    assert watched["errors"] == []
    assert len(watched["requests"]) > len(paths)
    assert _foreign(watched["requests"], live_server.url) == []
