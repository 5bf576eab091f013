"""Hostile Markdown: whatever a post mixes of Markdown and attack fragments, the rendered HTML
carries no executable vector — no tag outside the allow-list, no handler, htmx or id/style
attribute, no link other than http(s), mailto or relative. Property-based (hypothesis), with a
fixed seed so CI is deterministic, plus explicit examples and a page-level check."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from workspace import db
from workspace.threads import services
from workspace.threads.markdown import ATTRIBUTES, TAGS, render

HOSTILE = [
    "<script>alert(1)</script>",
    "<script src=//evil.example/x.js></script>",
    '<img src=x onerror="alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">x</a>',
    '<div hx-get="/signout" hx-trigger="load">',
    '<p id="main" style="position:fixed">',
    '<form action="/signout"><button data-hx-post="/x">',
    '<math><mi xlink:href="javascript:alert(1)">',
    '<object data="data:text/html,<script>alert(1)</script>">',
    "<body onpageshow=alert(1)>",
    '"><script>alert(1)</script>',
    "' onmouseover='alert(1)",
    "<!-- <script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "{{7*7}}",
    "{% raw %}",
]
# Link targets, including entity-encoded and whitespace-obfuscated schemes.
URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "java%0ascript:alert(1)",
    " javascript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)",
    "javascript&colon;alert(1)",
    "jav&#x09;ascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "\x01javascript:alert(1)",
    "//evil.example/x",
    "https://example.org/ok",
    "mailto:a@example.org",
    "/relative/path",
]
MARKDOWN = [
    "# ",
    "## ",
    "> ",
    "- ",
    "1. ",
    "```\n",
    "`",
    "*",
    "**",
    "_",
    "\n\n",
    "\n",
    "    ",
    "---\n",
    "[",
    "](",
    ")",
    "![",
    "<",
    ">",
    '"',
    "'",
    "=",
    "&",
    ";",
    "\\",
    " ",
]


@st.composite
def links(draw):
    url = draw(st.sampled_from(URLS))
    text = draw(st.sampled_from(["x", "click", "<b>x</b>", "![i](javascript:x)"]))
    shape = draw(st.sampled_from(["[{t}]({u})", "![{t}]({u})", "<{u}>", "[{t}]: {u}", "[{t}]"]))
    return shape.format(t=text, u=url)


hostile_text = st.lists(
    st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(MARKDOWN),
        links(),
        st.text(alphabet="<>\"'=/:;&#x abjsconerrlad()", max_size=12),
    ),
    max_size=14,
).map("".join)


class Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def vectors(html: str) -> list[str]:
    """Everything executable or out of the allow-list in rendered HTML; empty when safe."""
    parser = Collector()
    parser.feed(html)
    parser.close()
    found = []
    for tag, attrs in parser.tags:
        if tag not in TAGS:
            found.append(f"tag <{tag}>")
        for name, value in attrs:
            # Handlers, htmx, id and style are named for clarity; none is allow-listed either.
            executable = name.startswith(("on", "hx-", "data-hx")) or name in ("id", "style")
            allowed = name in ATTRIBUTES.get(tag, set()) or (tag == "a" and name == "rel")
            if executable or not allowed:
                found.append(f"attribute {name} on <{tag}>")
            if name == "href":
                # What a browser would follow: entities decoded (the parser did), and the
                # control characters and whitespace it strips from a scheme removed.
                target = "".join(c for c in value or "" if c > " " and c != "\x7f")
                scheme = urlsplit(target).scheme.lower()
                if scheme not in ("", "http", "https", "mailto"):
                    found.append(f"href {value!r}")
    return found


@settings(max_examples=300, deadline=None, derandomize=True)
@given(hostile_text)
def test_generated_hostile_markdown_renders_inert(text):
    html = render(text)
    assert vectors(html) == [], (text, html)


def test_the_checker_sees_vectors():
    """The property above means something only if ``vectors`` catches what it should."""
    assert vectors('<script>x</script><a href="java&#x09;script:x">a</a>') == [
        "tag <script>",
        "href 'java\\tscript:x'",
    ]
    assert vectors('<p onclick="x" hx-get="/" id="a" style="x">') == [
        "attribute onclick on <p>",
        "attribute hx-get on <p>",
        "attribute id on <p>",
        "attribute style on <p>",
    ]
    assert vectors('<a href="https://example.org" rel="nofollow noopener">x</a>') == []


def test_explicit_hostile_examples():
    for text in HOSTILE:
        html = render(text)
        assert vectors(html) == [], (text, html)
        assert "<script" not in html and "<svg" not in html and "<iframe" not in html
    for url in URLS:
        for text in (f"[x]({url})", f"<{url}>", f"[x]\n\n[x]: {url}", f"![x]({url})"):
            assert vectors(render(text)) == [], (text, render(text))
    # Raw HTML is text, shown escaped, not dropped silently.
    assert render("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    # Safe links survive, with rel added.
    assert 'href="https://example.org/ok"' in render("[ok](https://example.org/ok)")
    assert 'rel="nofollow noopener"' in render("[ok](https://example.org/ok)")


def test_template_injection_is_shown_literally_in_a_thread_page(client, auth, world):
    thread = services.start_thread(
        world.mentor,
        pair=world.pair,
        title="Budget {{7*7}} {% if true %}yes{% endif %}",
        body="Total: {{7*7}} and {{ config.SECRET_KEY }}",
        language="en",
        open_to_network=False,
    )
    db.session.commit()
    auth.as_user(world.mentee)
    page = client.get(f"/threads/{thread.id}").text
    assert "Total: {{7*7}} and {{ config.SECRET_KEY }}" in page
    assert "Budget {{7*7}} {% if true %}yes{% endif %}" in page
    assert "Total: 49" not in page and "Budget 49" not in page
