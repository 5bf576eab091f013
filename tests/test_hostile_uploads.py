"""Hostile uploads on every form that takes files (issue 5, item 2): path-traversal and
spoofing file names, content that is not what its name or declared type says, oversize files
and requests. Each is refused cleanly (the form again with the file's error, or 413, and no
row or file stored) or stored under a random name inside the upload folder, with a clean
name, and served only as a download that no browser will run.

The forms are those the pages show (tests/hostile_support.py), on test_access.py's world.
"""

import io
import re
import struct
import tempfile
import zlib
from pathlib import Path

import pytest
from hostile_support import changes, crawl, hostile_markup, snapshot
from test_access import LazyWorld, access_worlds, database_kind  # noqa: F401
from test_hostile_input import CRAWL_PROBLEMS, FORMS, baseline, start_pages
from werkzeug.datastructures import MultiDict

from workspace import attachments, db
from workspace.models import Attachment
from workspace.models.attachments import FILENAME_MAX


def png() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


HTML = b"<!doctype html><html><body><script>alert('hostile')</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
TEXT = b"minutes of the meeting\n"
# (file name, content, declared content type)
HOSTILE_FILES = [
    ("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", "text/plain"),
    ("../../../../tmp/hostile-escape.txt", TEXT, "text/plain"),
    ("..\\..\\hostile-windows.txt", TEXT, "text/plain"),
    ("/etc/hostile-absolute.txt", TEXT, "text/plain"),
    ("C:\\Windows\\hostile-drive.txt", TEXT, "text/plain"),
    ("nul\x00byte.txt", TEXT, "text/plain"),
    ("evil\u202etxt.exe", TEXT, "text/plain"),  # shows as "evilexe.txt"
    ("zero\u200bwidth\ufeff.txt", TEXT, "text/plain"),
    ("x" * 300 + ".txt", TEXT, "text/plain"),
    (".htaccess", b"Options +ExecCGI\n", "text/plain"),
    ("page.html", HTML, "text/html"),
    ("page.png", HTML, "image/png"),  # HTML behind an image name and type
    ("image.svg", SVG, "image/png"),
    ("image.png", SVG, "image/svg+xml"),
    ("real.html", png(), "text/html"),  # a real image with an active name
    ("polyglot.png", png() + HTML, "image/png"),  # an image that also carries markup
    ("gif.gif", b"GIF89a/*" + HTML, "image/gif"),
    ("script.js", b"alert('hostile')\n", "application/javascript"),
    ('quote"<b>.txt', TEXT, "text/plain"),
]
ALLOWED_SERVED = set(attachments.ALLOWED)
ACTIVE = re.compile(r"html|svg|xml|javascript|ecmascript", re.IGNORECASE)
# Small limits for the oversize cases, so that they are quick.
EACH, TOTAL = 4_000, 60_000


@pytest.fixture
def kind(database_kind, access_worlds):  # noqa: F811 (the imported fixtures)
    return access_worlds(database_kind)


@pytest.fixture
def app(kind):
    with kind.app.app_context():
        yield kind.app
        db.session.remove()


def upload_forms(kind, database_kind, client, auth):  # noqa: F811
    """The mentor's forms with a file field, one per endpoint (the mentor's crawl is shared
    with test_hostile_input.py when both run)."""
    key = (database_kind, "mentor")
    if key not in FORMS:
        db.session.remove()
        kind.reset()
        world = LazyWorld(kind.refs)
        auth.as_user(world.mentor)
        FORMS[key] = crawl(kind.app, client, start_pages(world), CRAWL_PROBLEMS.setdefault(key, []))
    by_endpoint = {}
    for form in FORMS[key]:
        if any(f.kind == "file" for f in form.fields):
            by_endpoint.setdefault(form.endpoint, form)
    return sorted(by_endpoint.values(), key=lambda f: f.endpoint)


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_hostile_files_are_refused_or_stored_safely(
    kind,
    database_kind,  # noqa: F811
    client,
    auth,
    tmp_path,
):
    forms = upload_forms(kind, database_kind, client, auth)
    assert {f.endpoint for f in forms} >= {"threads.create", "threads.reply", "timeline.create"}
    db.session.remove()
    kind.reset()
    world = LazyWorld(kind.refs)
    auth.as_user(world.mentor)
    app = kind.app
    instance = Path(app.instance_path)
    root = instance.parent  # the world's folder: nothing may appear beside the instance
    folder = attachments.upload_folder()
    failures, stored = [], []
    for form in forms:
        file_field = next(f.name for f in form.fields if f.kind == "file")
        for i, (name, content, declared) in enumerate(HOSTILE_FILES):
            before, files_before = snapshot(), files_under(root)
            data = MultiDict(baseline(form))
            data.add(file_field, (io.BytesIO(content), name, declared))
            headers = {"HX-Request": "true"} if i % 2 else {}
            where = f"{form.endpoint} {name[:40]!r}"
            try:
                response = client.post(
                    form.action, data=data, headers=headers, content_type="multipart/form-data"
                )
            except Exception as error:  # what would be a 500
                db.session.rollback()
                failures.append(f"{where}: {error!r}")
                continue
            after, files_after = snapshot(), files_under(root)
            new_files = files_after - files_before
            for path in new_files:
                if path.parent != folder or not re.fullmatch(r"[0-9a-f]{32}", path.name):
                    failures.append(f"{where}: wrote {path}")
            added = changes(before, after).get("attachment", [])
            status = response.status_code
            if status >= 500:
                failures.append(f"{where}: {status}")
            elif added:
                stored.extend(db.session.get(Attachment, row["id"]) for row in added)
            elif after != before:
                failures.append(f"{where}: {status}, stored without its file")
            elif status not in (413,) and 'class="errors"' not in response.text:
                failures.append(f"{where}: {status}, neither stored nor a field error")
        # what was stored is inert on the page that shows it
        page = client.get(form.page)
        failures += [f"{form.page}: {p}" for p in hostile_markup(page.text)]
    for attachment in stored:
        where = f"stored {attachment.filename!r}"
        if not re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name):
            failures.append(f"{where}: stored name {attachment.stored_name!r}")
        name = attachment.filename
        if (
            re.search(r"[/\\\x00-\x1f\x7f]", name)
            or re.search("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]", name)
            or len(name) > FILENAME_MAX
            or name.startswith(".")
        ):
            failures.append(f"{where}: unsafe name")
        if attachment.content_type not in ALLOWED_SERVED:
            failures.append(f"{where}: served as {attachment.content_type}")
        if Path(name).suffix.lower() not in attachments.ALLOWED[attachment.content_type]:
            failures.append(f"{where}: name does not match its type {attachment.content_type}")
        response = client.get(f"/attachments/{attachment.id}/{attachment.filename}")
        if response.status_code != 200:
            failures.append(f"{where}: download {response.status_code}")
            continue
        headers = response.headers
        if ACTIVE.search(headers["Content-Type"]):
            failures.append(f"{where}: Content-Type {headers['Content-Type']}")
        if not headers.get("Content-Disposition", "").startswith("attachment"):
            failures.append(f"{where}: Content-Disposition {headers.get('Content-Disposition')}")
        if headers.get("X-Content-Type-Options") != "nosniff":
            failures.append(f"{where}: no nosniff")
        if "sandbox" not in headers.get("Content-Security-Policy", ""):
            failures.append(f"{where}: no sandbox CSP")
    # the traversal names reached nothing outside the instance folder
    assert (
        not (root / "etc").exists()
        and not (Path(tempfile.gettempdir()) / "hostile-escape.txt").exists()
    )
    assert not (tmp_path / "etc").exists()
    assert stored, "no file at all was accepted: the control is missing"
    assert not failures, "\n".join(failures[:40])


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_oversize_files_and_requests_are_refused_whole(
    kind,
    database_kind,  # noqa: F811
    client,
    auth,
    htmx,
):
    forms = upload_forms(kind, database_kind, client, auth)
    db.session.remove()
    kind.reset()
    world = LazyWorld(kind.refs)
    auth.as_user(world.mentor)
    app = kind.app
    saved = {k: app.config.get(k) for k in ("MAX_ATTACHMENT_BYTES", "MAX_CONTENT_LENGTH")}
    app.config.update(MAX_ATTACHMENT_BYTES=EACH, MAX_CONTENT_LENGTH=TOTAL)
    headers = {"HX-Request": "true"} if htmx else {}
    try:
        for form in forms:
            file_field = next(f.name for f in form.fields if f.kind == "file")
            for size, expected in ((EACH + 1, {200}), (TOTAL + 1, {413})):
                before, files_before = snapshot(), files_under(attachments.upload_folder().parent)
                data = MultiDict(baseline(form))
                data.add(file_field, (io.BytesIO(b"a" * size), "big.txt", "text/plain"))
                response = client.post(
                    form.action, data=data, headers=headers, content_type="multipart/form-data"
                )
                where = (form.endpoint, size)
                assert response.status_code in expected, where
                if response.status_code == 200:
                    assert 'class="errors"' in response.text, where
                assert snapshot() == before, where
                assert files_under(attachments.upload_folder().parent) == files_before, where
    finally:
        app.config.update(saved)
