"""The markup that keyboard and screen-reader users rely on, without a browser: errors tied
to their fields (aria-invalid, aria-describedby), the pieces of the error summary and the
live region that is in every page, empty, before anything is said through it.
tests/browser/test_keyboard.py checks the behaviour in Chromium."""

import lxml.html
from sqlalchemy import func, select

from workspace import db
from workspace.models import Post, Thread
from workspace.threads import services

HX = {"HX-Request": "true"}


def page(response):
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True))


def assert_tied(doc, field_id: str) -> None:
    control = doc.get_element_by_id(field_id)
    assert control.get("aria-invalid") == "true"
    errors_id = f"{field_id}-errors"
    assert errors_id in control.get("aria-describedby").split()
    assert doc.get_element_by_id(errors_id).text_content().strip()
    field = control.getparent()
    assert "field--invalid" in field.get("class")


def test_every_page_has_an_empty_live_region_and_the_error_summary_template(client, auth, world):
    auth.as_user(world.mentor)
    doc = page(client.get("/"))
    announcer = doc.get_element_by_id("announcer")
    assert announcer.get("aria-live") == "polite"
    assert announcer.text_content() == ""
    assert "visually-hidden" in announcer.get("class")
    template = doc.get_element_by_id("error-summary-template")
    html = lxml.html.tostring(template, encoding="unicode")
    assert 'role="alert"' in html and 'tabindex="-1"' in html
    assert "There is a problem" in html
    assert 'data-item="%(field)s: %(error)s"' in html
    # The script that uses them is loaded on every page.
    assert doc.xpath("//script[contains(@src, 'js/a11y.js')]")


def test_plain_post_errors_are_tied_to_their_fields(client, auth, world):
    auth.as_user(world.mentor)
    response = client.post(f"/pairs/{world.pair.id}/threads/new", data={"title": "", "body": ""})
    doc = page(response)
    assert doc.xpath("//html")  # the whole page
    assert_tied(doc, "title")
    assert_tied(doc, "body")
    assert db.session.scalar(select(func.count(Thread.id))) == 0


def test_htmx_errors_come_back_in_the_block_tied_to_their_fields(client, auth, world):
    thread = services.start_thread(
        world.mentor, pair=world.pair, title="Agenda", body="Hello", language="en"
    )
    db.session.commit()
    posts = db.session.scalar(select(func.count(Post.id)))
    auth.as_user(world.mentee)
    response = client.post(f"/threads/{thread.id}/reply", data={"body": ""}, headers=HX)
    text = response.get_data(as_text=True)
    assert "<html" not in text  # the reply block alone, swapped by htmx (200: htmx 2 swaps it)
    assert_tied(lxml.html.fromstring(f"<div>{text}</div>"), "body")
    assert db.session.scalar(select(func.count(Post.id))) == posts


def test_checkbox_groups_name_their_errors(app):
    """A group of checkboxes is a fieldset that points to its hint and errors."""
    from wtforms import Form

    from workspace.forms import CheckboxesField, options

    class Pick(Form):
        who = CheckboxesField(
            "Who", choices=options([("1", "One"), ("2", "Two")]), description="Any"
        )

    form = Pick()
    form.who.errors = ["Choose someone."]
    with app.test_request_context():
        macro = app.jinja_env.get_template("_macros/forms.html").module.field
        doc = lxml.html.fromstring(f"<div>{macro(form.who)}</div>")
    fieldset = doc.xpath("//fieldset")[0]
    assert fieldset.get("aria-describedby").split() == ["who-hint", "who-errors"]
    assert doc.get_element_by_id("who-errors").text_content().strip() == "Choose someone."
