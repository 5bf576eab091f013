"""The self-assessment in a real Chromium: a key factor rated with the keyboard alone."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from workspace import db
from workspace.models import AssessmentRating, KeyFactor, Pair

pytestmark = pytest.mark.browser

CODE = "employment.guidance"  # not rated in the demo self-assessment of Fuenlabrada – Livadia


@pytest.fixture
def factor(live_server):
    with live_server.app.app_context():
        return db.session.scalar(select(KeyFactor.id).where(KeyFactor.code == CODE))


@pytest.fixture
def pair_id(live_server):
    with live_server.app.app_context():
        return db.session.scalar(select(Pair.id).where(Pair.mentoring_theme == "employment"))


def test_a_mentee_rates_a_key_factor_with_the_keyboard(page, sign_in, live_server, factor, pair_id):
    sign_in("mentee-livadia")
    page.goto(f"/pairs/{pair_id}")
    page.get_by_role("link", name="Self-assessment").click()
    row = page.locator(f'#assessment-chart-svg g[data-key-factor="{CODE}"]')
    expect(row).to_have_attribute("data-current", "")
    expect(row).to_contain_text("Not rated yet")

    for _ in range(400):  # Tab through the page until the key factor's "Rate" has focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == f"factor-{factor}-rate":
            break
    expect(page.locator(f"#factor-{factor}-rate")).to_be_focused()
    page.keyboard.press("Enter")  # opens the form
    page.keyboard.press("Tab")
    rating = page.locator(f"#f{factor}-rating")
    expect(rating).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(rating).to_have_value("partly")
    page.keyboard.press("Tab")
    target = page.locator(f"#f{factor}-target")
    expect(target).to_be_focused()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(target).to_have_value("fully")
    page.keyboard.press("Tab")  # priority: medium stays
    page.keyboard.press("Tab")
    expect(page.locator(f"#f{factor}-evidence")).to_be_focused()
    page.keyboard.type("A guidance desk opened in the town hall in May 2022.")
    page.keyboard.press("Tab")  # language
    page.keyboard.press("Tab")
    save = page.locator(f"#factor-{factor}-save")
    expect(save).to_be_focused()
    page.keyboard.press("Enter")

    # htmx swapped the assessment in place: the chart and the table show the new rating,
    # the status region says so, and the focus stays on the button.
    expect(page.locator("#assessment-status")).to_contain_text("rated.")
    expect(row).to_have_attribute("data-current", "partly")
    expect(row).to_have_attribute("data-target", "fully")
    expect(row).to_contain_text("Current: Partly in place · Target: Fully in place")
    table_row = page.locator(f'#assessment-chart-table tr[data-key-factor="{CODE}"]')
    expect(table_row).to_contain_text("Partly in place (2/3)")
    expect(page.locator(f"#factor-{factor}")).to_contain_text("A guidance desk opened")
    expect(save).to_be_focused()
    with live_server.app.app_context():
        saved = db.session.scalars(
            select(AssessmentRating).where(AssessmentRating.key_factor_id == factor)
        ).all()
        assert [(r.rating.value, r.target.value) for r in saved] == [("partly", "fully")]
