"""Posts are CommonMark: rendered without raw HTML, then cleaned by an allow-list sanitiser.

The HTML is stored with each revision and shown inside an element carrying ``hx-disable``,
so even a sanitiser miss could not make htmx act on user content.
"""

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

TAGS = {
    "a",
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def render(body: str) -> str:
    """Markdown in, safe HTML out (no scripts, handlers, ids, hx-* or unsafe URLs)."""
    return clean(_markdown.render(body or ""))


def clean(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes; links get rel."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    )


def quote(body: str, author_name: str) -> str:
    """A Markdown quote of a post, to start a reply with."""
    lines = (body or "").strip().splitlines() or [""]
    quoted = "\n".join(f"> {line}" if line else ">" for line in lines)
    return f"{author_name}:\n{quoted}\n\n"
