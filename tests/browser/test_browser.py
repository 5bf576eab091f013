"""The workspace in a real Chromium against a live server with the demo network.

The demo people of pair 1 (Brussels) read the workspace in French, so these tests use
pair 3, Fuenlabrada → Livadia, whose people read it in English.
"""

import re

import pytest
from playwright.sync_api import expect

from workspace.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "gentle rivers carry old maps"


def test_sign_in_lands_on_my_pairs_with_only_my_pair(page, live_server):
    """A mentor signs in through the form and sees their own pair, and no other."""
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin\?next=%2F$"))
    page.get_by_label("E-mail address").fill("mentor-fuenlabrada@demo.example.org")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My pairs")
    pairs = page.get_by_role("main").get_by_role("heading", level=2)
    expect(pairs).to_have_count(1)
    expect(pairs.get_by_role("link", name="Fuenlabrada mentors Livadia")).to_have_attribute(
        "href", "/pairs/3"
    )
    for other in ("Brussels", "Mechelen", "Schaerbeek"):
        expect(page.get_by_role("main")).not_to_contain_text(other)


@pytest.mark.parametrize(
    ("language", "code", "my_pairs"),
    [
        ("Français", "fr", "Mes binômes"),
        ("Nederlands", "nl", "Mijn duo's"),
        ("Italiano", "it", "Le mie coppie"),
    ],
)
def test_language_switcher_translates_the_page(page, sign_in, language, code, my_pairs):
    """Each button of the switcher turns the page into its language."""
    sign_in("mentor-fuenlabrada")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My pairs")).to_be_visible()

    page.get_by_role("button", name=language).click()

    expect(page.locator("html")).to_have_attribute("lang", code)
    expect(page.get_by_role("navigation").get_by_role("link", name=my_pairs)).to_be_visible()
    expect(page.get_by_role("button", name=language)).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "false")


def test_invitation_accepted_end_to_end(page, live_server, mailbox, sign_in):
    """A mentor invites a network member through the htmx form; the invitee opens the
    link from the real mail, creates an account and lands among the pair's members."""
    sign_in("mentor-fuenlabrada")
    page.goto("/pairs/3/invite")
    page.evaluate("window.sameDocument = true")  # gone if the page reloads
    page.get_by_label("E-mail address").fill("rosa.vidal@example.org")
    expect(page.get_by_label("Role in the pair")).to_have_value("network:mentor")
    page.get_by_label("Organisation").select_option(label="Empleo Diverso Fuenlabrada")
    page.get_by_label("Language of the invitation").select_option(label="English")
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name="Send the invitation").click()

    assert sent.value.request.headers.get("hx-request") == "true"
    panel = page.locator("#invite-panel")
    expect(panel.get_by_role("status")).to_have_text("Invitation sent to rosa.vidal@example.org.")
    expect(panel.get_by_role("table")).to_contain_text("rosa.vidal@example.org")
    expect(panel.get_by_label("E-mail address")).to_have_value("")
    assert page.evaluate("window.sameDocument") is True
    expect(page).to_have_url(live_server.url + "/pairs/3/invite")
    expect(page.get_by_role("heading", name="Send an invitation")).to_be_focused()

    assert len(mailbox) == 1
    mail = mailbox[0]
    assert mail["To"] == "rosa.vidal@example.org"
    link = re.search(r"https?://\S+", mail.get_content()).group()
    assert link.startswith(live_server.url + "/invitations/")

    page.locator("details.user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out")

    page.goto(link)
    page.get_by_label("Your name").fill("Rosa Vidal")
    page.get_by_role("combobox", name="Language").select_option(label="English")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_label("I agree to be in this workspace as described in the privacy notice").check()
    page.get_by_role("button", name="Create my account").click()

    expect(page).to_have_url(live_server.url + "/pairs/3")
    expect(page.get_by_role("status")).to_have_text("Welcome to the mentoring workspace.")
    members = page.get_by_role("region", name="Members")
    expect(members.get_by_role("listitem").filter(has_text="Rosa Vidal")).to_have_count(1)


def test_outsider_gets_404_for_a_pair_url(page, sign_in):
    """Another pair's pages, and a pair that does not exist, answer the same 404."""
    sign_in("mentor-fuenlabrada")
    for path in ("/pairs/2", "/pairs/2/invite", "/pairs/999"):
        response = page.goto(path)
        assert response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        expect(page.get_by_role("main")).not_to_contain_text("Mechelen")


def test_no_csp_violation_and_no_other_host(page, live_server, sign_in):
    """Visiting the main pages, htmx included, breaks no CSP rule and asks no other host."""
    violations, errors, requests = [], [], []
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and violations.append(m.text),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))

    sign_in("admin")
    pages = (
        "/",
        "/pairs/1",
        "/pairs/1/timeline",
        "/pairs/1/events/1",
        "/pairs/1/threads",
        "/threads/1",
        "/pairs/1/tasks",
        "/my-work",
        "/notifications/",
        "/moderation",
        "/calendar",
        "/profile",
        "/admin/",
        "/admin/pairs/1/members",
    )
    for path in pages:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto("/pairs/1/invite")
    page.get_by_label("E-mail address").fill("someone@example.org")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status").filter(has_text="Invitation sent")).to_be_visible()

    assert violations == []
    assert errors == []
    assert len(requests) > 10
    assert [url for url in requests if not url.startswith(live_server.url + "/")] == []


def test_sign_in_with_the_keyboard_only(page, live_server):
    """The sign-in form works with Tab, typing and Enter; the skip link comes first."""
    page.goto("/signin")
    expect(page.get_by_label("E-mail address")).to_be_focused()  # autofocus
    page.keyboard.type("mentor-fuenlabrada@demo.example.org")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
