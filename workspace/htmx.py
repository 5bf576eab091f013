"""One template serves the whole page and, to htmx, one named block of it."""

from flask import render_template
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
