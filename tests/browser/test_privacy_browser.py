"""Consent, notices and the visibility register in a real Chromium: axe-clean in the four
languages, and a support-network member's consent given and withdrawn with the keyboard."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from workspace import db
from workspace.models import Consent, Invitation, Pair, Role, Side, User, utcnow
from workspace.models.invitation import new_token

from .accounts import sign_in_page
from .test_accessibility import LANGUAGES, Axe, open_context

pytestmark = pytest.mark.browser

NEW_PASSWORD = "gentle rivers carry old maps"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_public_notices_pass_axe(browser, live_server, language):
    axe = Axe(language)
    context = open_context(browser, live_server, language)
    page = context.new_page()
    for path in ("/privacy", "/accessibility"):
        assert page.goto(path).status == 200
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator(f"article div[lang={language}] h2").first).to_be_visible()
        axe.check(page, path)
    context.close()
    axe.assert_clean()


def _network_invitation(app) -> tuple[str, int]:
    with app.app_context():
        pair = db.session.scalar(select(Pair).order_by(Pair.id))
        admin = db.session.scalar(select(User).where(User.is_admin.is_(True)))
        token, token_hash = new_token()
        db.session.add(
            Invitation(
                email="amina.ngo@example.org",
                token_hash=token_hash,
                pair_id=pair.id,
                role=Role.NETWORK,
                side=Side.MENTEE,
                invited_by=admin,
                locale="en",
                expires_at=utcnow() + timedelta(days=1),
            )
        )
        db.session.commit()
        return token, pair.id


def test_consent_given_and_withdrawn_with_the_keyboard(browser, live_server):
    axe = Axe("en")
    token, pair_id = _network_invitation(live_server.app)
    context = open_context(browser, live_server, "en")
    page = context.new_page()
    page.goto(f"/invitations/{token}")
    consent = page.get_by_label(
        "I agree to be in this workspace as described in the privacy notice"
    )
    expect(consent).not_to_be_checked()
    page.get_by_label("Your name").fill("Amina Ngo")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").press("Enter")

    # Refused without the tick: the error is said and tied to the box.
    expect(page.locator("#consent-errors")).to_contain_text("Tick this box")
    expect(consent).to_have_attribute("aria-invalid", "true")
    axe.check(page, "accept invitation, consent missing")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)  # never sent back
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    consent.focus()
    page.keyboard.press("Space")
    expect(consent).to_be_checked()
    page.get_by_role("button", name="Create my account").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/pairs/{pair_id}")

    page.goto("/profile")
    page.get_by_role("link", name="Your consents: see or withdraw them").click()
    axe.check(page, "/privacy/consents")
    page.get_by_role("link", name="Withdraw").click()
    axe.check(page, "withdraw consent")
    page.get_by_role("button", name="Withdraw my consent and leave the pair").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("You have withdrawn your consent")
    expect(page.get_by_role("link", name="Erase my account")).to_be_visible()
    axe.check(page, "consents after withdrawal")
    assert page.goto(f"/pairs/{pair_id}").status == 404
    with live_server.app.app_context():
        (row,) = db.session.scalars(
            select(Consent).join(User).where(User.email == "amina.ngo@example.org")
        ).all()
        assert row.withdrawn_at is not None
    context.close()

    context = open_context(browser, live_server, "en")
    page = context.new_page()
    sign_in_page(page, "admin")
    page.goto("/admin/")
    page.get_by_role("link", name="Who sees which pair").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who can see which pair")
    axe.check(page, "/admin/register")
    page.get_by_label("Pair").select_option(index=1)
    page.get_by_role("button", name="Show").click()
    expect(page.locator("section h2")).to_have_count(1)
    axe.check(page, "/admin/register?pair=…")
    context.close()
    axe.assert_clean()
