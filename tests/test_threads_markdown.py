"""The Markdown renderer: CommonMark without raw HTML, then an allow-list sanitiser."""

from html.parser import HTMLParser

import pytest

from workspace.threads.markdown import ATTRIBUTES, TAGS, clean, quote, render

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](<javascript:alert(1)>)",
    "<javascript:alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    '<a href="/x" hx-get="/pairs/1/invite" hx-trigger="load">x</a>',
    '<div id="main" hx-post="/signout">x</div>',
    "<iframe src=https://evil.example></iframe>",
    '<p style="color:red" onclick="alert(1)">x</p>',
    "<!-- comment --><svg><script>alert(1)</script></svg>",
    '[x](https://example.org "title" onmouseover="alert(1)")',
    "[x]: javascript:alert(1)\n\n[x]",
]


class Markup(HTMLParser):
    """Collects every tag and attribute in a piece of HTML."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.attributes, self.comments = [], [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    def handle_comment(self, data):
        self.comments.append(data)


def assert_safe(html: str) -> None:
    markup = Markup(html)
    assert set(markup.tags) <= TAGS, html
    assert not markup.comments
    for tag, name, value in markup.attributes:
        assert name in ATTRIBUTES.get(tag, set()) or (tag, name) == ("a", "rel"), html
        assert not name.startswith(("on", "hx-", "data-")) and name not in {"id", "style"}
        if name in {"href", "src"}:
            scheme = value.split(":", 1)[0].lower() if ":" in value else ""
            assert scheme in {"", "http", "https", "mailto"}, html


@pytest.mark.parametrize("source", HOSTILE)
def test_nothing_hostile_survives_rendering(source):
    assert_safe(render(source))


@pytest.mark.parametrize("source", HOSTILE)
def test_the_sanitiser_alone_cleans_hostile_html(source):
    html = clean(source)
    assert_safe(html)
    if not source.startswith("<"):
        return  # Markdown, not HTML: plain text to the sanitiser
    for bad in ("<script", "onerror", "onclick", "onload", "javascript:", "hx-get", "<iframe"):
        assert bad not in html.lower(), html


def test_raw_html_is_shown_as_text():
    assert render("<b>bold</b>") == "<p>&lt;b&gt;bold&lt;/b&gt;</p>\n"


def test_sanitiser_keeps_links_and_adds_rel():
    html = clean('<a href="https://example.org" onclick="x()" id="y" hx-get="/z">site</a>')
    assert html == '<a href="https://example.org" rel="nofollow noopener">site</a>'
    assert clean('<a href="data:text/html,x">d</a>') == '<a rel="nofollow noopener">d</a>'


def test_markdown_still_works_and_links_get_rel():
    html = render(
        "# Title\n\n*em* **strong** `code`\n\n> quoted\n\n- a\n- b\n\n[site](https://example.org)"
    )
    assert "<h1>Title</h1>" in html and "<em>em</em>" in html and "<strong>strong</strong>" in html
    assert "<code>code</code>" in html and "<blockquote>" in html and "<li>a</li>" in html
    assert '<a href="https://example.org" rel="nofollow noopener">site</a>' in html
    assert 'href="mailto:a@example.org"' in render("[mail](mailto:a@example.org)")


def test_quote_makes_a_markdown_quote():
    assert quote("one\n\ntwo", "Mona") == "Mona:\n> one\n>\n> two\n\n"
