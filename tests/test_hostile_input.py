"""Hostile input, over every state-changing route of the access matrix (issue 5, item 2).

For each write endpoint, as a role allowed to use it, the sweep reads the real form from the
pages that role is shown (tests/hostile_support.py), fills it with valid values, and then
replaces one field at a time with hostile values — overlong text, bidi and zero-width
characters, NUL bytes, script / event-handler / ``javascript:`` / ``data:`` strings, htmx
attributes and ``id="main"``, template and SQL syntax, invalid dates and numbers, ids of the
other pair's objects — and sends the form again with extra fields (``role=admin``,
``user_id=<other>`` …). The extra fields and the first value of each field go as a plain
form and as an htmx request, the other values alternate between the two. Every answer is:

- never a 5xx;
- a clear error (400/403/404/409/413/422/429, or the form again with its errors) with every
  row of every table unchanged — nothing half-stored;
- or a success whose stored values are inert: no role, admin flag or other user's row
  changed, nothing pointing at the other pair's objects, no template evaluated, and the pages
  that show the result carry no script, handler, ``javascript:`` link or htmx attribute of ours.

Also: hostile values in every query parameter of every page, numbers beyond the database's
integers in every URL, and LIKE wildcards in the glossary search. Uploads are in
test_hostile_uploads.py. One populated world per database (test_access.py's), reset before
each endpoint.
"""

import sys
import traceback
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import sqlalchemy as sa
import test_access
from access_rules import SIGNED_OUT, matrix_path
from hostile_support import (
    EVALUATED,
    HX_MARK,
    changes,
    crawl,
    foreign_keys,
    hostile_markup,
    snapshot,
)
from test_access import MATRIX, LazyWorld, access_worlds, database_kind  # noqa: F401
from werkzeug.datastructures import MultiDict

from conftest import PASSWORD
from workspace import db
from workspace.models import Base, GlossaryTerm

# An area whose matrix needs no objects may leave out populate(); the shared world calls it.
for _area in test_access.AREAS:
    if not hasattr(_area, "populate"):
        _area.populate = lambda world: None

ROOT = Path(__file__).resolve().parent.parent
WRITES = ("POST", "PUT", "PATCH", "DELETE")
WRITE_ENDPOINTS = sorted(
    endpoint
    for endpoint, requests in MATRIX.items()
    if any(method in WRITES for method, *_ in requests)
)
# Who the sweep acts as: the first of these that is shown a form for the endpoint.
ROLE_ORDER = ("mentor", "consultant", "admin", "mentee", SIGNED_OUT)
OUTSIDERS = ("other_pair_member", "other_consultant", "nobody")
CLEAR_ERRORS = {400, 403, 404, 409, 413, 422, 429}
SUCCESS = {200, 201, 204, 302, 303}
HX = {"HX-Request": "true"}

# Hostile values -------------------------------------------------------------------------------

TEMPLATE = "zq{{7*7}}zq {% raw %} ${7*7} #{7*7} <%= 7*7 %>"
TEXT = [
    "\u202eevil.exe\u200b zero\u200bwidth \ufeffbom",
    "before\x00after",
    "<script>alert('hostile')</script><img src=x onerror=alert('hostile')><svg onload=alert(1)>"
    f' <div hx-get="/{HX_MARK}" hx-trigger="load" id="main">x</div>'
    " [click](javascript:alert('hostile')) <a href=\"javascript:alert('hostile')\">x</a>",
    f'" hx-post="/{HX_MARK}" id="hostile-main" onfocus="alert(1)" x="',
    "javascript:alert('hostile')",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    TEMPLATE,
    "%_' OR 1=1 -- \"; DROP TABLE user_account; --",
]
DATES = ["2023-02-29", "2026-13-01", "99999-01-01", "before\x00after"]
# 2**31: past PostgreSQL's INTEGER (ids), though a 64-bit integer holds it.
NUMBERS = ["-1", "1e309", "NaN", str(2**31), str(2**63), str(-(2**63) - 1)]
CHOICES = ["admin", "<script>alert('hostile')</script>", "before\x00after", "' OR 1=1 --"]
DEFAULT_MAX = 20_000  # a text field that does not say its length: 10x the longest we take

FILLERS = {
    "email": "sweep.invitee@example.org",
    "url": "https://example.org/sweep",
    "date": "2022-06-01",
    "datetime-local": "2022-06-01T10:00",
    "number": "1",
}
TEXT_KINDS = {"text", "search", "textarea", "email", "url", "tel", "password"}


def filler(field) -> str:
    if field.kind == "password":
        return PASSWORD if "current" in field.name else "another long passphrase 8"
    value = FILLERS.get(field.kind, "Sweep text")
    if "end" in field.name and field.kind == "date":
        return "2022-06-30"
    if "end" in field.name and field.kind == "datetime-local":
        return "2022-06-01T12:00"
    return value


def baseline(form) -> list[tuple[str, str]]:
    """The form as a person would send it: its values, the empty ones filled in, the first of
    each group of checkboxes ticked when none is, the first submit button pressed."""
    data, pressed = [], False
    for name in form.names:
        group = form.group(name)
        first = group[0]
        if first.kind == "file":
            continue
        if first.kind == "submit":
            if not pressed:
                data.append((name, first.value))
                pressed = True
            continue
        if first.kind in ("checkbox", "radio"):
            chosen = [f for f in group if f.checked] or group[:1]
            data += [(name, f.value or "y") for f in chosen]
            continue
        if first.kind == "select":
            values = [v for v, selected in first.options if selected]
            values = values or [v for v, _ in first.options if v] or [""]
            data.append((name, values[0]))
            continue
        if first.kind == "hidden":
            data.append((name, first.value))
            continue
        value = first.value.strip() and first.value
        data.append((name, value or filler(first)))
    return data


def _numeric(values) -> bool:
    values = [v for v in values if v not in ("", None)]
    return bool(values) and all(v.lstrip("-").isdigit() for v in values)


def hostile_values(form, name, foreign_ids) -> list[str]:
    group = form.group(name)
    first = group[0]
    if first.kind in ("file",):
        return []
    if first.kind in TEXT_KINDS:
        longest = first.maxlength or DEFAULT_MAX
        return ["y" * (10 * longest), *TEXT]
    if first.kind in ("date", "datetime-local"):
        suffix = "T10:00" if first.kind == "datetime-local" else ""
        return [d + suffix for d in DATES]
    if first.kind == "number":
        return NUMBERS
    values = [v for v, _ in first.options] if first.kind == "select" else [f.value for f in group]
    if _numeric(values) or (first.kind == "hidden" and not first.value):
        return NUMBERS + foreign_ids + CHOICES[1:]
    return CHOICES + ["y" * 1000, ""]


def extra_fields(world) -> list[tuple[str, str]]:
    other = str(world.other_pair_member.id)
    return [
        ("role", "admin"),
        ("is_admin", "1"),
        ("is_admin", "y"),
        ("user_id", other),
        ("author_id", other),
        ("created_by_id", other),
        ("pair_id", str(world.other_pair.id)),
        ("cluster_id", str(world.other_cluster.id)),
        ("side", "mentor"),
        ("status", "adopted"),
    ]


# The world ------------------------------------------------------------------------------------


def foreign_objects(world) -> dict[str, set[int]]:
    """Table → ids of rows that belong to the other pair (and, through foreign keys, what
    belongs to those), plus the users outside the pair."""
    shared = {"user_account", "organisation", "cluster", "key_factor", "glossary_term"}
    found = {"pair": {world.other_pair.id}}
    for table in Base.metadata.sorted_tables:
        if table.name in shared or table.name == "pair" or "id" not in table.c:
            continue
        for column, target in foreign_keys(table.name).items():
            if found.get(target):
                ids = db.session.scalars(
                    sa.select(table.c.id).where(table.c[column].in_(found[target]))
                )
                found.setdefault(table.name, set()).update(ids)
    found["user_account"] = {getattr(world, role).id for role in OUTSIDERS}
    return {name: ids for name, ids in found.items() if ids}


SAMPLED = ("user_account", "task_list", "plan_section", "event", "plan", "section_revision")


def sample_ids(foreign: dict[str, set[int]]) -> list[str]:
    """One id of some kinds of foreign object, as a form would carry it."""
    return list(dict.fromkeys(str(min(foreign[t])) for t in SAMPLED if foreign.get(t)))


def person(world, role):
    return None if role == SIGNED_OUT else getattr(world, role)


def url_of(path, world) -> str:
    return matrix_path(path, world)


def start_pages(world) -> list[str]:
    pages = ["/"]
    for requests in MATRIX.values():
        for method, path, _data, _expect in requests:
            if method != "GET":
                continue
            pages.append(url_of(path, world))
    return pages


# Forms found per (database kind, role): the world is the same copy each time.
FORMS: dict[tuple[str, str], list] = {}
CRAWL_PROBLEMS: dict[tuple[str, str], list[str]] = {}


def broke() -> str:
    """The exception being handled, with the last line of ours it passed through."""
    error = sys.exc_info()[1]
    ours = [
        f"{Path(frame.filename).relative_to(ROOT)}:{frame.lineno} {frame.name}"
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.startswith(str(ROOT / "workspace"))
    ]
    return f"{type(error).__name__}: {str(error)[:120]} at {ours[-1] if ours else '?'}"


class Sweep:
    """Sends the requests of one endpoint, keeping the last snapshot and what went wrong."""

    def __init__(self, client, world, endpoint, actor):
        self.client, self.world, self.endpoint, self.actor = client, world, endpoint, actor
        self.failures: list[str] = []
        self.pages: set[str] = set()
        self.before = snapshot()
        self.foreign = foreign_objects(world)
        # the programme administrator may change people, memberships and any pair: only the
        # admin flag must stay as it was
        self.admin_area = actor is not None and actor.is_admin
        self.sent = 0

    def send(self, path, data, htmx, multipart, label):
        self.sent += 1
        headers = dict(HX) if htmx else {}
        where = f"{label} {'htmx' if htmx else 'plain'}"
        try:
            response = self.client.post(
                path,
                data=MultiDict(data),
                headers=headers,
                content_type="multipart/form-data" if multipart else None,
            )
        except Exception:  # the test client re-raises what would be a 500
            db.session.rollback()
            self.failures.append(f"{where}: {broke()}")
            self.before = snapshot()
            return None
        status = response.status_code
        after = snapshot()
        text = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        if status >= 500:
            self.failures.append(f"{where}: {status}")
        elif status in CLEAR_ERRORS or (status == 200 and shows_error(text)):
            if after != self.before:
                changed = {t: len(rows) for t, rows in changes(self.before, after).items()}
                self.failures.append(f"{where}: {status} but rows changed: {changed}")
        elif status not in SUCCESS:
            self.failures.append(f"{where}: unexpected {status}")
        else:
            self.check_inert(where, changes(self.before, after))
            for problem in hostile_markup(text):
                self.failures.append(f"{where}: answer has {problem}")
            target = response.headers.get("HX-Redirect") or response.headers.get("Location")
            if target:
                self.pages.add(urlsplit(target).path)
        self.before = after
        return response

    def check_inert(self, where, changed):
        actor = self.actor.id if self.actor is not None else None
        for row in changed.get("user_account", []):
            old = next(
                (r for r in self.before["user_account"] if r[0] == row["id"]),
                None,
            )
            if row["id"] != actor and not self.admin_area:
                self.failures.append(f"{where}: another user's row changed ({row['id']})")
            if old is not None and bool(row["is_admin"]) != bool(
                dict(zip(row.keys(), old, strict=True))["is_admin"]
            ):
                self.failures.append(f"{where}: is_admin changed")
        if not self.admin_area:
            for table in ("membership", "cluster_consultant", "cluster"):
                if changed.get(table):
                    self.failures.append(f"{where}: {table} changed")
        for table, rows in changed.items():
            fks = foreign_keys(table)
            for row in rows:
                for value in row.values():
                    if isinstance(value, str) and EVALUATED in value:
                        self.failures.append(f"{where}: {table} stored an evaluated template")
                if self.admin_area:
                    continue
                for column, target in fks.items():
                    if row[column] is not None and row[column] in self.foreign.get(target, ()):
                        self.failures.append(
                            f"{where}: {table}.{column} points at another pair's {target} "
                            f"{row[column]}"
                        )

    def check_pages(self):
        for page in sorted(self.pages):
            response = self.client.get(page)
            if response.status_code >= 500:
                self.failures.append(f"GET {page} after the sweep: {response.status_code}")
            elif response.mimetype == "text/html":
                for problem in hostile_markup(response.get_data(as_text=True)):
                    self.failures.append(f"GET {page} after the sweep: {problem}")


def shows_error(text: str) -> bool:
    return 'class="errors"' in text or 'aria-invalid="true"' in text or "flash--error" in text


# The test -------------------------------------------------------------------------------------


@pytest.fixture
def kind(database_kind, access_worlds):  # noqa: F811 (the imported fixtures)
    return access_worlds(database_kind)


@pytest.fixture
def app(kind):
    """The shared app of this database kind (instead of conftest's, on an empty database);
    the world is reset by the test, when it needs it."""
    with kind.app.app_context():
        yield kind.app
        db.session.remove()


def fresh_world(kind):
    db.session.remove()
    kind.reset()
    return LazyWorld(kind.refs)


def form_for(endpoint, kind, database_kind, client, auth):  # noqa: F811
    """The role that is shown a form for ``endpoint``, and the form (None, None if no page
    shows one). Crawls each role once per database kind."""
    for role in ROLE_ORDER:
        key = (database_kind, role)
        if key not in FORMS:
            world = fresh_world(kind)
            auth.as_user(person(world, role))
            problems = CRAWL_PROBLEMS[key] = []
            FORMS[key] = crawl(kind.app, client, start_pages(world), problems)
        forms = [f for f in FORMS[key] if f.endpoint == endpoint]
        if forms:
            # the richest form of the endpoint (most fields), first found among equals
            return role, max(forms, key=lambda f: len(f.names))
    return None, None


def matrix_request(endpoint, world):
    """For an endpoint no page shows a form for: its matrix request, as its first allowed
    role, with the matrix's data as the form."""
    roles = (*ROLE_ORDER[:-1], "partner", "network_mentee", "network_mentor")
    requests = [(m, p, d, e) for m, p, d, e in MATRIX[endpoint] if m in WRITES]
    # The first role that succeeds; else one the route lets in and then refuses on the
    # world's objects (e.g. 400: the outline's own sections cannot be removed), whose
    # refusal must then hold, whatever is added to the request.
    for reached in (SUCCESS - {302}, {400, 409, 422}):  # 302: the visitor's way to sign in
        for _method, path, data, expect in requests:
            for role in roles:
                expected = expect(role)
                expected = expected if isinstance(expected, set) else {expected}
                if expected & reached:
                    return role, url_of(path, world), list((data or {}).items())
    return None, None, None


@pytest.mark.parametrize("endpoint", WRITE_ENDPOINTS)
def test_hostile_values_are_refused_or_stored_inert(
    endpoint,
    kind,
    database_kind,  # noqa: F811
    client,
    auth,
):
    role, form = form_for(endpoint, kind, database_kind, client, auth)
    world = fresh_world(kind)
    if form is None:
        role, path, data = matrix_request(endpoint, world)
        assert role is not None, f"{endpoint}: no role reaches it in the access matrix"
        fields = [name for name, _ in data]
        multipart = False
    else:
        path, data, multipart = form.action, baseline(form), form.multipart
        fields = form.names
    actor = auth.as_user(person(world, role))
    sweep = Sweep(client, world, endpoint, actor)
    if form is not None:
        sweep.pages.add(urlsplit(form.page).path)
    foreign = sample_ids(sweep.foreign)

    # extra fields first: a delete is done by its first request
    for htmx in (False, True):
        sweep.send(path, data + extra_fields(world), htmx, multipart, "extra fields")
    for name in fields:
        if form is not None:
            values = hostile_values(form, name, foreign)
        else:
            values = ["y" * 10 * DEFAULT_MAX, *TEXT, *NUMBERS, *foreign]  # kind unknown
        for i, value in enumerate(values):
            hostile = [(n, v) for n, v in data if n != name] + [(name, value)]
            label = f"{name}={value[:30]!r}"
            # both ways for each value would double the run: alternate, starting with
            # both for the first value of each field
            for htmx in (False, True) if i == 0 else (bool(i % 2),):
                sweep.send(path, hostile, htmx, multipart, label)
    sweep.check_pages()
    assert not sweep.failures, f"{endpoint} as {role} ({sweep.sent} requests):\n" + "\n".join(
        sweep.failures[:40]
    )


def test_the_pages_of_the_world_are_clean(kind, database_kind, client, auth):  # noqa: F811
    """The control for the markup check: the pages read for forms, with the world's own
    content, have nothing it objects to — and the crawl found forms for most write routes."""
    for endpoint in WRITE_ENDPOINTS:
        form_for(endpoint, kind, database_kind, client, auth)
    problems = [p for role in ROLE_ORDER for p in CRAWL_PROBLEMS.get((database_kind, role), [])]
    assert problems == []
    found = {f.endpoint for role in ROLE_ORDER for f in FORMS.get((database_kind, role), [])}
    assert len(found & set(WRITE_ENDPOINTS)) > 0.75 * len(WRITE_ENDPOINTS), sorted(
        set(WRITE_ENDPOINTS) - found
    )


# Query strings ---------------------------------------------------------------------------------

# What the routes read from the query string (filters, cursors, languages, searches).
QUERY_PARAMS = (
    "q", "before", "after", "first", "kind", "lang", "from", "to", "edit", "before_at",
    "before_id", "quote", "changes", "events", "comments", "date_from", "date_to", "pair",
    "person", "action", "next", "list",
)  # fmt: skip
QUERY_VALUES = [
    "before\x00after",
    str(2**31),
    str(2**63),
    "NaN",
    "%_' OR 1=1 --",
    "<script>alert('hostile')</script>" + TEMPLATE,
    "2023-02-29",
]


def readable_pages(world):
    """(endpoint, role, path) for each GET route: its first request a role may open."""
    for endpoint, requests in MATRIX.items():
        for method, path, _data, expect in requests:
            if method != "GET":
                continue
            role = next((r for r in (*ROLE_ORDER, "partner") if expect(r) in (200, {200})), None)
            if role is not None:
                yield endpoint, role, url_of(path, world)
                break


def test_hostile_query_strings_are_answered_cleanly(kind, client, auth):
    """Every page with hostile values in every query parameter it might read: never a 5xx,
    nothing reflected as markup, nothing changed."""
    world = fresh_world(kind)
    before, failures, sent = snapshot(), [], 0
    for endpoint, role, url in readable_pages(world):
        auth.as_user(person(world, role))
        parts = urlsplit(url)
        for i, value in enumerate(QUERY_VALUES):
            query = dict(parse_qsl(parts.query))
            query.update(dict.fromkeys(QUERY_PARAMS, value))
            path = f"{parts.path}?{urlencode(query)}"
            sent += 1
            try:
                response = client.get(path, headers=HX if i % 2 else {})
            except Exception:
                db.session.rollback()
                failures.append(f"{endpoint} {value!r}: {broke()}")
                continue
            if response.status_code >= 500:
                failures.append(f"{endpoint} {value!r}: {response.status_code}")
            elif response.mimetype == "text/html":
                problems = hostile_markup(response.get_data(as_text=True))
                failures += [f"{endpoint} {value!r}: {p}" for p in problems]
    assert sent > 100
    assert not failures, "\n".join(failures[:40])
    assert snapshot() == before


def test_like_wildcards_and_sql_in_the_glossary_search_match_literally(kind, client, auth):
    world = fresh_world(kind)
    db.session.add_all(
        [
            GlossaryTerm(concept="sweep", language="en", term="Integration", definition="Plain"),
            GlossaryTerm(concept="sweep-pct", language="en", term="50% of people", definition=""),
        ]
    )
    auth.as_user(world.mentor)
    for query, found in (
        ("", {"Integration", "50% of people"}),
        ("%", {"50% of people"}),
        ("_", set()),
        ("' OR 1=1 --", set()),
        ("Integ%tion", set()),
    ):
        for headers in ({}, HX):
            response = client.get(f"/glossary?{urlencode({'q': query})}", headers=headers)
            assert response.status_code == 200
            shown = {t for t in ("Integration", "50% of people") if t in response.text}
            assert shown == found, (query, headers)


def test_ids_beyond_the_databases_integers_are_not_found(kind, client, auth):
    """Every route with a number in its path, given one no 64-bit column can hold (and so no
    row has): not found (404, or 405 where only a route for another method is left), never
    the database's overflow error."""
    world = fresh_world(kind)
    auth.as_user(world.admin)
    before, failures, sent = snapshot(), [], 0
    adapter = kind.app.url_map.bind("workspace.test")
    for rule in kind.app.url_map.iter_rules():
        numbers = [name for name, conv in rule._converters.items() if conv.regex == r"\d+"]
        if not numbers:
            continue
        values = {name: 1 for name in rule.arguments}
        values.update({name: "x" for name in rule.arguments - set(numbers)})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            path = adapter.build(rule.endpoint, values, method=method)
            for huge in (str(2**31), str(2**63), "9" * 30):
                sent += 1
                response = client.open(path.replace("/1", "/" + huge), method=method)
                if response.status_code not in (404, 405):
                    failures.append(f"{method} {rule.rule}: {response.status_code}")
    assert sent > 50
    assert not failures, "\n".join(failures)
    assert snapshot() == before
