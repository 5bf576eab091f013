"""One template serves the whole page and, to htmx, one named block of it."""

from flask import redirect, render_template
from jinja2_fragments.flask import render_block

from .extensions import htmx


def wants_fragment() -> bool:
    # A boosted navigation and a history restore need the whole page.
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page: str, block: str, **context):
    """The page for a normal request, the block for htmx; caches must keep the two apart."""
    if wants_fragment():
        body = render_block(page, block, **context)
    else:
        body = render_template(page, **context)
    return body, {"Vary": "HX-Request"}


def navigate(url: str):
    """After a write that moves the user to another page: a 303 for a plain form; to htmx an
    HX-Redirect, so the browser loads the page whole instead of swapping it into the form."""
    if htmx:
        return "", 200, {"HX-Redirect": url}
    return redirect(url, code=303)
