"""Throwaway: the checks catch what they should."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_external_request_is_seen(page, live_server, sign_in):
    violations, requests = [], []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.on("request", lambda r: requests.append(r.url))
    sign_in("admin")
    page.evaluate("fetch('http://example.invalid/x').catch(() => null)")
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.evaluate("const s = document.createElement('div'); s.innerHTML = '<img src=\"https://example.org/a.png\">'; document.body.append(s)")
    expect(page.locator("html")).to_be_visible()
    page.wait_for_timeout(300)
    print("VIOLATIONS", violations)
    print("OTHER", [u for u in requests if not u.startswith(live_server.url)])


def test_member_sees_pair(page, sign_in):
    sign_in("mentor-mechelen")
    r = page.goto("/pairs/2")
    print("STATUS", r.status)


def test_no_htmx_means_reload(page, live_server, sign_in):
    page.route("**/htmx-*.js", lambda route: route.abort())
    sign_in("mentor-fuenlabrada")
    page.goto("/pairs/3/invite")
    page.evaluate("window.sameDocument = true")
    page.get_by_label("E-mail address").fill("x@example.org")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status").filter(has_text="Invitation sent")).to_be_visible()
    print("SAME", page.evaluate("window.sameDocument"))
