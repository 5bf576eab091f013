"""Shared by the hostile-input sweeps (tests/test_hostile_input.py, test_hostile_uploads.py):
the forms a role is shown, found by reading the pages it can open; a snapshot of every table;
and a check that a page carries no executable or htmx vector from user content.

The forms are read from the pages rather than from the WTForms classes so that the sweep sends
what a browser would: the real field names (``list3-title``), the hidden fields with their
values, the buttons that choose an action, and for htmx elements inside a form that form's
fields (htmx includes them in a non-GET request)."""

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import sqlalchemy as sa
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from workspace import db
from workspace.models import Base

# Pages not worth reading for forms: downloads, feeds, and what signs out.
SKIP = re.compile(r"^/(static|attachments)/|\.(ics|pdf|docx)$|^/signout|^/calendar/.+")
PAGES_PER_ENDPOINT = 2  # a few thread pages, plan pages … not every one of them
MAX_PAGES = 120


@dataclass
class Field:
    tag: str  # input, textarea, select, button
    kind: str  # the input's type; "select", "textarea", "submit" otherwise
    name: str
    value: str = ""
    checked: bool = False
    maxlength: int | None = None
    options: list = field(default_factory=list)  # (value, selected)


@dataclass
class Form:
    action: str  # the path (and query) it posts to
    page: str  # the page it was found on
    fields: list[Field]
    multipart: bool = False
    endpoint: str = ""

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(f.name for f in self.fields))

    def group(self, name: str) -> list[Field]:
        return [f for f in self.fields if f.name == name]


class FormParser(HTMLParser):
    """Every form of a page with its fields; every htmx write element, inside a form (with
    the form's fields) or alone (with its own name/value and ``hx-vals``)."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option: list | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "option" and self._select is not None:
            self._finish_option()
            self._option = [a.get("value") if "value" in a else None, "", "selected" in a]
            self._select.options.append(self._option)
            return
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        post = a.get("hx-post")
        if tag == "form":
            method = (a.get("method") or "get").lower()
            action = post or (a.get("action") if method == "post" else None)
            if post is None and method != "post":
                self._form = None
                return
            self._form = Form(
                action=action or self.page,
                page=self.page,
                fields=[],
                multipart="multipart" in (a.get("enctype", "") + a.get("hx-encoding", "")),
            )
            self.forms.append(self._form)
            return
        if post and tag != "form":
            fields = self._form.fields if self._form is not None else []
            extra = Form(action=post, page=self.page, fields=fields)
            if self._form is None and a.get("name"):
                fields.append(Field("button", "submit", a["name"], a.get("value", "")))
            vals = a.get("hx-vals", "")
            if self._form is None and vals.startswith("{"):
                for name, value in json.loads(vals).items():
                    fields.append(Field("input", "hidden", name, str(value)))
            self.forms.append(extra)
        if self._form is None or not a.get("name"):
            return
        name = a["name"]
        maxlength = int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            self._form.fields.append(
                Field(tag, kind, name, a.get("value", ""), "checked" in a, maxlength)
            )
            if kind == "file":
                self._form.multipart = True
        elif tag == "button":
            if (a.get("type") or "submit").lower() == "submit":
                self._form.fields.append(Field(tag, "submit", name, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = Field(tag, "textarea", name, "", maxlength=maxlength)
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = Field(tag, "select", name)
            self._form.fields.append(self._select)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option[1] += data

    def handle_endtag(self, tag):
        if tag in ("option", "select"):
            self._finish_option()
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def _finish_option(self):
        if self._option is not None:
            value, text, selected = self._option
            self._option[:] = [value if value is not None else text.strip(), text, selected]
            self._option = None


def parse_forms(page: str, html: str) -> tuple[list[Form], list[str]]:
    parser = FormParser(page)
    parser.feed(html)
    parser.close()
    for form in parser.forms:
        for f in form.fields:
            if f.kind == "select":
                f.options = [(o[0], bool(o[2])) for o in f.options]
    return parser.forms, parser.links


def endpoint_of(app, path: str, method: str) -> tuple[str, dict] | None:
    adapter = app.url_map.bind("workspace.test")
    try:
        return adapter.match(urlsplit(path).path, method=method)
    except (NotFound, MethodNotAllowed, RequestRedirect):
        return None


def crawl(app, client, start: list[str], problems: list[str]) -> list[Form]:
    """Open ``start`` and the pages they link to (a few of each kind), collecting forms.
    Every page read is also checked for hostile markup (the world's own content is clean)."""
    seen, per_endpoint, forms = set(), {}, []
    queue = list(dict.fromkeys(start))
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen or SKIP.search(urlsplit(path).path):
            continue
        seen.add(path)
        match = endpoint_of(app, path, "GET")
        if match is None:
            continue
        count = per_endpoint.get(match[0], 0)
        if count >= PAGES_PER_ENDPOINT and path not in start:
            continue
        per_endpoint[match[0]] = count + 1
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        problems.extend(f"{path}: {p}" for p in hostile_markup(response.text))
        found, links = parse_forms(path, response.text)
        for form in found:
            target = endpoint_of(app, form.action, "POST")
            if target is not None:
                form.endpoint = target[0]
                forms.append(form)
        queue.extend(link.split("#")[0] for link in links if link.split("#")[0] not in seen)
    return forms


# Snapshots ----------------------------------------------------------------------------------

TABLES = Base.metadata.sorted_tables


def _frozen(value):
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


def snapshot() -> dict[str, frozenset]:
    """Every row of every table, all columns."""
    db.session.commit()
    return {
        table.name: frozenset(
            tuple(_frozen(v) for v in row) for row in db.session.execute(sa.select(table))
        )
        for table in TABLES
    }


def changes(before: dict, after: dict) -> dict[str, list[dict]]:
    """The rows that are new or changed, as column → value."""
    out = {}
    for table in TABLES:
        added = after[table.name] - before[table.name]
        if added:
            names = [c.name for c in table.columns]
            out[table.name] = [dict(zip(names, row, strict=True)) for row in added]
    return out


def foreign_keys(table_name: str) -> dict[str, str]:
    """column → the table it refers to."""
    table = Base.metadata.tables[table_name]
    return {
        column.name: next(iter(column.foreign_keys)).column.table.name
        for column in table.columns
        if column.foreign_keys
    }


# Hostile markup -------------------------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}
ACTIVE_TAGS = {"iframe", "object", "embed", "frame", "frameset", "applet", "base"}
EVALUATED = "zq49zq"  # what zq{{7*7}}zq becomes if a template engine evaluates it
HX_MARK = "hostile-hx"
# htmx attributes whose value is only text to show (a confirm() question), never a request
TEXT_HX = {"hx-confirm", "data-hx-confirm", "hx-prompt", "data-hx-prompt"}


class _MarkupChecker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.ids: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        if tag in ACTIVE_TAGS:
            self.problems.append(f"<{tag}> element")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if not src.startswith("/static/"):
                self.problems.append(f"script not from /static/: {src!r}")
        if tag == "meta" and (dict(attrs).get("http-equiv") or "").lower() == "refresh":
            self.problems.append("meta refresh")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            compact = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            if (name in URL_ATTRIBUTES or name.startswith(("hx-", "data-hx-"))) and (
                compact.startswith(("javascript:", "vbscript:"))
                or (compact.startswith("data:") and tag != "img")
            ):
                self.problems.append(f"<{tag} {name}={value[:40]!r}>")
            if name.startswith(("hx-", "data-hx-")) and name not in TEXT_HX and HX_MARK in value:
                self.problems.append(f"<{tag} {name}={value!r}> from user content")
            if name == "id":
                self.ids[value] = self.ids.get(value, 0) + 1
                if "hostile" in value:
                    self.problems.append(f"id {value!r} from user content")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def hostile_markup(html: str) -> list[str]:
    """What in a page could run, call the server or take over an element of ours."""
    checker = _MarkupChecker()
    checker.feed(html)
    checker.close()
    problems = checker.problems
    problems += [f"id {i!r} {n} times" for i, n in checker.ids.items() if n > 1 and i == "main"]
    if EVALUATED in html:
        problems.append("a template expression was evaluated")
    return problems
