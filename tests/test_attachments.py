"""Attachments on thread posts and timeline events: upload through the forms (real multipart
requests), checks on size, content and name, storage under random names, the access-checked
download route and its headers, listing on the pages."""

import io
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from conftest import count_queries
from workspace import attachments, db
from workspace.models import Attachment, Event, EventKind, Post, Thread
from workspace.threads import services

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
MULTIPART = "multipart/form-data"


def office(kind: str) -> bytes:
    """A minimal document of the kind: OOXML ("docx", "xlsx", "pptx") or ODF ("odt")."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if kind == "odt":
            archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
            archive.writestr("content.xml", "<office:document-content/>")
        else:
            main = {
                "docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
                "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
                "pptx": ("ppt/presentation.xml", "presentationml.presentation.main+xml"),
                "docm": ("word/document.xml", "../vnd.ms-word.document.macroEnabled.main+xml"),
            }[kind]
            content_type = "application/vnd.openxmlformats-officedocument." + main[1]
            if kind == "docm":
                content_type = "application/vnd.ms-word.document.macroEnabled.main+xml"
            archive.writestr(
                "[Content_Types].xml",
                '<?xml version="1.0"?><Types><Override PartName="/'
                + main[0]
                + f'" ContentType="{content_type}"/></Types>',
            )
            archive.writestr("_rels/.rels", "<Relationships/>")
            archive.writestr(main[0], "<document/>")
    return buffer.getvalue()


def start(world, open_to_network=False, author=None):
    thread = services.start_thread(
        author or world.mentor,
        pair=world.pair,
        title="Study visit files",
        body="Hello",
        language="en",
        open_to_network=open_to_network,
    )
    db.session.commit()
    return thread


def make_event(world):
    start_at = datetime(2022, 6, 1, 8, tzinfo=UTC)
    event = Event(
        pair_id=world.pair.id,
        kind=EventKind.WORKSHOP,
        title="Workshop in Jelgava",
        starts_at=start_at,
        ends_at=start_at + timedelta(hours=2),
        timezone="Europe/Riga",
        language="en",
    )
    db.session.add(event)
    db.session.commit()
    return event


def reply(client, thread, files, body="See attached", headers=None):
    return client.post(
        f"/threads/{thread.id}/reply",
        data={"body": body, "language": "en", "files": files},
        content_type=MULTIPART,
        headers=headers or {},
    )


def uploads(app) -> list[Path]:
    folder = Path(app.instance_path) / "uploads"
    return (
        sorted(p for p in folder.iterdir() if not p.name.startswith(".")) if folder.exists() else []
    )


def stored(session):
    return list(session.scalars(select(Attachment).order_by(Attachment.id)))


def download_url(attachment: Attachment) -> str:
    return f"/attachments/{attachment.id}/{attachment.filename}"


# Unit checks --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20, "image/jpeg"),
        (b"GIF89a" + b"\x00" * 20, "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 20, "image/webp"),
        (office("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (office("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            office("pptx"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        (office("odt"), "application/vnd.oasis.opendocument.text"),
        ("Compte rendu de la visite à Saint-Jean\n".encode(), "text/plain"),
        (office("docm"), None),  # macro-enabled Word
        (b"PK\x03\x04not really a zip", None),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60, None),  # a Windows program
        (b"<!DOCTYPE html><script>alert(1)</script>", None),
        (b"  <svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", None),
        (b"notes\n<script>alert(1)</script>", None),
        (b"text with a \x00 NUL", None),
        (b"latin-1 caf\xe9", None),
    ],
)
def test_sniff_decides_from_the_content(data, expected):
    assert attachments.sniff(data) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\mona\\Agenda.pdf", "Agenda.pdf"),
        ("..", "attachment"),
        ("report\u202efdp.exe", "reportfdp.exe"),  # a right-to-left override spoofing the type
        ("line\nbreak\r\t.txt", "linebreak.txt"),
        ('a<b>:"c"|?*.txt', "a_b___c____.txt"),
        ("  .hidden.txt  ", "hidden.txt"),
    ],
)
def test_clean_filename(name, expected):
    assert attachments.clean_filename(name) == expected


def test_a_long_name_is_cut_keeping_its_extension():
    name = attachments.clean_filename("x" * 500 + ".pdf")
    assert len(name) == 150 and name.endswith("xx.pdf")


def test_files_of_a_rolled_back_transaction_are_removed(app, world, session):
    thread = start(world)
    post = session.get(Post, thread.last_post_id)
    attachment = attachments.save(
        FileStorage(io.BytesIO(PDF), filename="a.pdf"), post=post, user=world.mentor
    )
    path = attachments.path_of(attachment)
    assert path.read_bytes() == PDF
    session.rollback()
    assert not path.exists()
    kept = attachments.save(
        FileStorage(io.BytesIO(PDF), filename="b.pdf"), post=post, user=world.mentor
    )
    session.commit()
    assert attachments.path_of(kept).exists()


def test_an_attachment_belongs_to_a_post_or_an_event(world, session):
    with pytest.raises(ValueError):
        attachments.save(FileStorage(io.BytesIO(PDF), filename="a.pdf"), user=world.mentor)


# Uploads through the forms --------------------------------------------------------------------


def test_reply_with_files_stores_them_under_random_names(app, client, auth, world, session):
    thread = start(world)
    auth.as_user(world.mentee)
    response = reply(
        client, thread, [(io.BytesIO(PDF), "Agenda Jelgava.pdf"), (io.BytesIO(PNG), "map.png")]
    )
    assert response.status_code == 303
    post = session.scalar(select(Post).where(Post.thread_id == thread.id).order_by(Post.id.desc()))
    files = stored(session)
    assert [(a.post_id, a.filename, a.content_type, a.size) for a in files] == [
        (post.id, "Agenda Jelgava.pdf", "application/pdf", len(PDF)),
        (post.id, "map.png", "image/png", len(PNG)),
    ]
    assert all(a.uploaded_by_id == world.mentee.id and a.event_id is None for a in files)
    for a in files:
        assert re.fullmatch(r"[0-9a-f]{32}", a.stored_name)
        assert attachments.path_of(a) == Path(app.instance_path) / "uploads" / a.stored_name
    assert sorted(p.read_bytes() for p in uploads(app)) == sorted([PDF, PNG])
    page = client.get(response.location).text
    assert f'href="/attachments/{files[0].id}/Agenda%20Jelgava.pdf"' in page
    assert "Agenda Jelgava.pdf" in page and "map.png" in page
    assert "multipart/form-data" in page  # the reply form can send files


def test_reply_with_a_file_through_htmx(app, client, auth, world, session):
    thread = start(world)
    auth.as_user(world.mentor)
    response = reply(
        client,
        thread,
        [(io.BytesIO(b"Minutes of the meeting\n"), "minutes.txt")],
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert [a.filename for a in stored(session)] == ["minutes.txt"]


def test_a_new_thread_with_a_file(client, auth, world, session):
    auth.as_user(world.mentor)
    response = client.post(
        f"/pairs/{world.pair.id}/threads/new",
        data={
            "title": "Agenda",
            "body": "The agenda is attached",
            "language": "en",
            "files": (io.BytesIO(office("docx")), "agenda.docx"),
        },
        content_type=MULTIPART,
    )
    assert response.status_code == 303
    thread = session.scalar(select(Thread))
    (attachment,) = stored(session)
    assert attachment.post_id == thread.last_post_id and attachment.filename == "agenda.docx"
    assert "multipart/form-data" in client.get(f"/pairs/{world.pair.id}/threads/new").text


def test_editing_a_post_adds_files(client, auth, world, session):
    thread = start(world)
    post_id = thread.last_post_id
    auth.as_user(world.mentor)
    form = client.get(f"/posts/{post_id}/edit").text
    assert 'enctype="multipart/form-data"' in form and 'type="file"' in form
    response = client.post(
        f"/posts/{post_id}/edit",
        data={"body": "Hello", "files": (io.BytesIO(office("odt")), "notes.odt")},
        content_type=MULTIPART,
    )
    assert response.status_code == 303
    assert [(a.post_id, a.filename) for a in stored(session)] == [(post_id, "notes.odt")]
    assert "notes.odt" in client.get(f"/posts/{post_id}/edit").text


def test_upload_on_the_event_form_and_listing_on_the_event_page(app, client, auth, world, session):
    event = make_event(world)
    auth.as_user(world.mentor)
    url = f"/pairs/{world.pair.id}/events/{event.id}/edit"
    form = client.get(url).text
    assert 'hx-encoding="multipart/form-data"' in form and 'type="file"' in form
    response = client.post(
        url,
        data={
            "kind": "workshop",
            "title": "Workshop in Jelgava",
            "description": "",
            "language": "en",
            "timezone": "Europe/Riga",
            "starts_at": "2022-06-01T11:00",
            "ends_at": "2022-06-01T13:00",
            "place": "",
            "online_url": "",
            "files": (io.BytesIO(office("xlsx")), "budget.xlsx"),
        },
        content_type=MULTIPART,
    )
    assert response.status_code == 303
    (attachment,) = stored(session)
    assert attachment.event_id == event.id and attachment.post_id is None
    page = client.get(f"/pairs/{world.pair.id}/events/{event.id}").text
    assert "budget.xlsx" in page and download_url(attachment) in page
    # A network member sees the pair's events, and so their files.
    auth.as_user(world.network_mentee)
    assert client.get(download_url(attachment)).status_code == 200


def test_creating_an_event_with_a_file(client, auth, world, session):
    auth.as_user(world.mentor)
    response = client.post(
        f"/pairs/{world.pair.id}/events/new",
        data={
            "kind": "meeting",
            "title": "Kick-off",
            "language": "en",
            "timezone": "Europe/Brussels",
            "starts_at": "2022-02-01T10:00",
            "ends_at": "2022-02-01T11:00",
            "files": (io.BytesIO(PDF), "kick-off.pdf"),
        },
        content_type=MULTIPART,
    )
    assert response.status_code == 303
    event = session.scalar(select(Event))
    assert [a.event_id for a in stored(session)] == [event.id]


# Refusals -----------------------------------------------------------------------------------


def refused(app, session, response, thread=None, message=""):
    assert response.status_code == 200
    assert 'id="files-errors"' in response.text
    assert message in response.text
    assert session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert uploads(app) == []
    if thread is not None:  # the post is not created either
        assert session.scalar(select(func.count()).where(Post.thread_id == thread.id)) == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_an_oversize_file_is_refused_with_a_field_error(app, client, auth, world, session, htmx):
    app.config["MAX_ATTACHMENT_BYTES"] = 1000
    thread = start(world)
    auth.as_user(world.mentor)
    big = PDF + b"0" * 1000
    response = reply(
        client,
        thread,
        [(io.BytesIO(PDF), "fine.pdf"), (io.BytesIO(big), "big.pdf")],
        headers={"HX-Request": "true"} if htmx else None,
    )
    refused(app, session, response, thread, "big.pdf is larger than 1 kB.")


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<!doctype html><html><script>alert(document.cookie)</script></html>", "report.pdf"),
        (b"<script>fetch('/admin')</script>", "report.pdf"),
        (b"#!/bin/sh\nrm -rf ~\n", "report.pdf"),
        (b"alert(1)", "report.pdf"),
        (PDF, "report.html"),
        (PNG, "photo.pdf"),
        (b"<html><body>hi</body></html>", "page.txt"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60, "setup.txt"),
        (b"echo hi", "run.sh"),
    ],
)
def test_content_that_is_not_what_the_allow_list_allows_is_refused(
    app, client, auth, world, session, content, name
):
    thread = start(world)
    auth.as_user(world.mentor)
    response = client.post(
        f"/threads/{thread.id}/reply",
        data={
            "body": "x",
            "language": "en",
            "files": (io.BytesIO(content), name, "application/pdf"),
        },
        content_type=MULTIPART,
    )
    refused(app, session, response, thread, name)


def test_an_empty_file_is_refused(app, client, auth, world, session):
    thread = start(world)
    auth.as_user(world.mentor)
    refused(app, session, reply(client, thread, [(io.BytesIO(b""), "empty.txt")]), thread)


def test_too_many_files_are_refused(app, client, auth, world, session):
    thread = start(world)
    auth.as_user(world.mentor)
    files = [(io.BytesIO(PDF), f"f{i}.pdf") for i in range(attachments.MAX_FILES + 1)]
    refused(app, session, reply(client, thread, files), thread)


def test_a_refused_file_on_the_event_form_changes_nothing(app, client, auth, world, session):
    event = make_event(world)
    auth.as_user(world.mentor)
    response = client.post(
        f"/pairs/{world.pair.id}/events/{event.id}/edit",
        data={
            "kind": "workshop",
            "title": "Renamed",
            "language": "en",
            "timezone": "Europe/Riga",
            "starts_at": "2022-06-01T11:00",
            "ends_at": "2022-06-01T13:00",
            "files": (io.BytesIO(b"<script>x</script>"), "x.pdf"),
        },
        content_type=MULTIPART,
        headers={"HX-Request": "true"},
    )
    refused(app, session, response)
    assert session.get(Event, event.id).title == "Workshop in Jelgava"


def test_a_path_traversal_name_is_stored_safely(app, client, auth, world, session, tmp_path):
    thread = start(world)
    auth.as_user(world.mentor)
    response = reply(client, thread, [(io.BytesIO(b"root:x:0:0\n"), "../../etc/passwd.txt")])
    assert response.status_code == 303
    (attachment,) = stored(session)
    assert attachment.filename == "passwd.txt"
    assert re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name)
    assert uploads(app) == [Path(app.instance_path) / "uploads" / attachment.stored_name]
    assert not (Path(app.instance_path) / "etc").exists() and not (tmp_path / "etc").exists()
    download = client.get(f"/attachments/{attachment.id}/..%2F..%2Fetc%2Fpasswd.txt")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == "attachment; filename=passwd.txt"
    assert download.data == b"root:x:0:0\n"


# Downloads ----------------------------------------------------------------------------------


def attach(world, post=None, event=None, content=PDF, name="minutes.pdf"):
    attachment = attachments.save(
        FileStorage(io.BytesIO(content), filename=name), post=post, event=event, user=world.mentor
    )
    db.session.commit()
    return attachment


def test_a_member_downloads_with_safe_headers(client, auth, world, session):
    thread = start(world)
    attachment = attach(
        world, post=session.get(Post, thread.last_post_id), name="Visite à Capaci.pdf"
    )
    auth.as_user(world.mentee)
    response = client.get(download_url(attachment))
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Visite%20%C3%A0%20Capaci.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_plain_text_is_sent_as_utf8_text(client, auth, world, session):
    thread = start(world)
    attachment = attach(
        world, post=session.get(Post, thread.last_post_id), content=b"Verslag\n", name="v.txt"
    )
    auth.as_user(world.mentor)
    response = client.get(download_url(attachment))
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("role", ["other_pair_member", "nobody", "other_consultant"])
def test_outsiders_get_404(client, auth, world, session, role):
    thread = start(world, open_to_network=True)
    on_post = attach(world, post=session.get(Post, thread.last_post_id))
    on_event = attach(world, event=make_event(world))
    auth.as_user(getattr(world, role))
    assert client.get(download_url(on_post)).status_code == 404
    assert client.get(download_url(on_event)).status_code == 404


def test_a_network_member_gets_404_in_a_core_only_thread(client, auth, world, session):
    core = start(world)
    opened = start(world, open_to_network=True)
    core_file = attach(world, post=session.get(Post, core.last_post_id))
    open_file = attach(world, post=session.get(Post, opened.last_post_id))
    auth.as_user(world.network_mentor)
    assert client.get(download_url(core_file)).status_code == 404
    assert client.get(download_url(open_file)).status_code == 200


def test_files_of_hidden_and_deleted_posts(client, auth, world, session):
    thread = start(world, open_to_network=True)
    post = session.get(Post, thread.last_post_id)
    attachment = attach(world, post=post)
    post.hidden, post.hidden_reason = True, "Personal data"
    session.commit()
    for user, code in [
        (world.mentee, 404),
        (world.network_mentor, 404),
        (world.mentor, 200),  # the author
        (world.consultant, 200),  # a moderator
    ]:
        auth.as_user(user)
        assert client.get(download_url(attachment)).status_code == code, user.name
    post = session.get(Post, post.id)
    post.hidden, post.deleted_at = False, datetime.now(UTC)
    session.commit()
    auth.as_user(world.mentor)
    assert client.get(download_url(attachment)).status_code == 404


def test_deleting_a_post_removes_its_files(client, auth, world, session):
    thread = start(world)
    post = session.get(Post, thread.last_post_id)
    attachment = attach(world, post=post)
    path, attachment_id = attachments.path_of(attachment), attachment.id
    auth.as_user(world.mentor)
    response = client.post(f"/posts/{post.id}/delete")
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Post, post.id).deleted_at is not None
    assert session.get(Attachment, attachment_id) is None
    assert not path.exists()


def test_a_missing_file_is_404_not_500(client, auth, world, session):
    thread = start(world)
    attachment = attach(world, post=session.get(Post, thread.last_post_id))
    attachments.path_of(attachment).unlink()
    auth.as_user(world.mentor)
    assert client.get(download_url(attachment)).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, auth, world, session):
    thread = start(world)
    attachment = attach(world, post=session.get(Post, thread.last_post_id))
    auth.as_user(None)
    assert client.get(download_url(attachment)).status_code == 302


# The thread page ------------------------------------------------------------------------------


def test_thread_page_with_attachments_runs_the_same_queries(app, client, auth, world, session):
    counts = []
    for size in (20, 120):
        thread = start(world)
        for i in range(size - 1):
            services.reply(thread, world.mentee, f"Message {i}", "en")
        session.flush()
        for post in session.scalars(select(Post).where(Post.thread_id == thread.id)):
            if post.id % 3 == 0:
                attachments.save(
                    FileStorage(io.BytesIO(PDF), filename=f"p{post.id}.pdf"),
                    post=post,
                    user=world.mentee,
                )
        session.commit()
        auth.as_user(world.mentor)
        with count_queries(app) as queries:
            response = client.get(f"/threads/{thread.id}")
        assert response.status_code == 200 and ".pdf" in response.text
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# Removing ---------------------------------------------------------------------------------


def remove_url(attachment: Attachment) -> str:
    return f"/attachments/{attachment.id}/remove"


@pytest.mark.parametrize("htmx", [False, True])
def test_the_author_removes_a_file_and_it_leaves_the_disk(client, auth, world, session, htmx):
    thread = start(world)
    attachment = attach(world, post=session.get(Post, thread.last_post_id))
    path, attachment_id = attachments.path_of(attachment), attachment.id
    changes = thread.change_count
    auth.as_user(world.mentor)
    page = client.get(f"/threads/{thread.id}").text
    assert f'action="{remove_url(attachment)}"' in page and "hx-confirm=" in page
    response = client.post(remove_url(attachment), headers={"HX-Request": "true"} if htmx else {})
    if htmx:
        assert response.status_code == 200 and response.text == ""  # the list item goes
    else:
        assert response.status_code == 303
        assert response.location.endswith(f"/threads/{thread.id}#post-{thread.last_post_id}")
        assert "minutes.pdf was removed." in client.get(response.location).text
    session.expire_all()
    assert session.get(Attachment, attachment_id) is None
    assert not path.exists()
    assert client.get(f"/attachments/{attachment_id}/minutes.pdf").status_code == 404
    assert thread.change_count == changes + 1  # open pages of the thread see it go


def test_event_files_are_removed_by_who_manages_events(client, auth, world, session):
    event = make_event(world)
    attachment = attach(world, event=event)  # uploaded by the mentor
    path = attachments.path_of(attachment)
    auth.as_user(world.network_mentor)  # sees the file, may not remove it
    page = client.get(f"/pairs/{world.pair.id}/events/{event.id}").text
    assert "minutes.pdf" in page and remove_url(attachment) not in page
    assert client.post(remove_url(attachment)).status_code == 403
    auth.as_user(world.mentee)  # not the uploader, but manages events
    assert remove_url(attachment) in client.get(f"/pairs/{world.pair.id}/events/{event.id}").text
    response = client.post(remove_url(attachment))
    assert response.status_code == 303
    assert response.location.endswith(f"/pairs/{world.pair.id}/events/{event.id}")
    assert not path.exists() and session.scalar(select(func.count(Attachment.id))) == 0


def test_who_may_remove_a_post_file(world, session):
    from workspace import policy

    thread = start(world, open_to_network=True)
    post = session.get(Post, thread.last_post_id)
    attachment = attach(world, post=post)
    may = {
        role: policy.can_remove_attachment(getattr(world, role), attachment)
        for role in ("mentor", "mentee", "partner", "network_mentor", "consultant", "admin")
    }
    assert may == {
        "mentor": True,  # author and uploader
        "mentee": False,
        "partner": False,
        "network_mentor": False,
        "consultant": True,  # moderators
        "admin": True,
    }
    post.deleted_at = datetime.now(UTC)
    assert not policy.can_remove_attachment(world.mentor, attachment)
    assert not policy.can_remove_attachment(world.other_pair_member, attachment)


def test_a_refused_removal_keeps_the_file(client, auth, world, session):
    thread = start(world)
    attachment = attach(world, post=session.get(Post, thread.last_post_id))
    for user, code in [(world.mentee, 403), (world.network_mentor, 404), (world.nobody, 404)]:
        auth.as_user(user)
        assert client.post(remove_url(attachment)).status_code == code
    assert attachments.path_of(attachment).exists()
    assert session.scalar(select(func.count(Attachment.id))) == 1


# Files of rows deleted otherwise ------------------------------------------------------------


def test_a_rolled_back_removal_keeps_the_file(world, session):
    thread = start(world)
    attachment = attach(world, post=session.get(Post, thread.last_post_id))
    path = attachments.path_of(attachment)
    attachments.remove(attachment)
    session.rollback()
    assert path.exists()
    session.commit()
    assert path.exists()


def test_files_go_with_an_event_or_a_thread_deleted_through_the_orm(world, session):
    event = make_event(world)
    thread = start(world)
    on_event = attachments.path_of(attach(world, event=event))
    on_post = attachments.path_of(attach(world, post=session.get(Post, thread.last_post_id)))
    session.expire_all()  # the collections are not loaded: the database cascades the rows
    session.delete(session.get(Event, event.id))
    session.flush()
    assert on_event.exists()  # not before the commit
    session.commit()
    assert not on_event.exists() and on_post.exists()
    session.delete(session.get(Thread, thread.id))
    session.commit()
    assert not on_post.exists()
    assert session.scalar(select(func.count(Attachment.id))) == 0


def test_prune_removes_only_old_orphans(app, runner, world, session):
    import os
    import time

    thread = start(world)
    kept = attachments.path_of(attach(world, post=session.get(Post, thread.last_post_id)))
    folder = kept.parent
    old_orphan = folder / ("a" * 32)
    new_orphan = folder / ("b" * 32)  # perhaps an upload whose row is not committed yet
    old_temporary = folder / ".upload-x1y2"
    stranger = folder / "README"  # not a name we give: left alone
    for path in (old_orphan, new_orphan, old_temporary, stranger):
        path.write_bytes(b"x")
    two_hours_ago = time.time() - 2 * 3600
    for path in (kept, old_orphan, old_temporary, stranger):
        os.utime(path, (two_hours_ago, two_hours_ago))
    result = runner.invoke(args=["attachments", "prune"])
    assert result.exit_code == 0, result.output
    assert "2 files removed" in result.output
    assert kept.exists() and new_orphan.exists() and stranger.exists()
    assert not old_orphan.exists() and not old_temporary.exists()
    result = runner.invoke(args=["attachments", "prune", "--older-than", "0"])
    assert "1 files removed" in result.output and not new_orphan.exists() and kept.exists()


# The request size limit -----------------------------------------------------------------------


def test_the_file_field_tells_the_limits(client, auth, world, session):
    thread = start(world)
    auth.as_user(world.mentor)
    page = client.get(f"/threads/{thread.id}").text
    assert "at most 10.5 MB each and 16.8 MB together" in page
    assert 'data-max-bytes="10485760"' in page and 'data-max-total="16777216"' in page
    assert 'data-error-size="{name} is larger than 10.5 MB."' in page
    assert 'src="/static/js/attachments.js"' in page


@pytest.mark.parametrize("htmx", [False, True])
def test_an_oversize_request_says_the_limit_and_saves_nothing(
    app, client, auth, world, session, htmx
):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    thread = start(world)
    auth.as_user(world.mentor)
    back = f"http://{app.config['SERVER_NAME']}/threads/{thread.id}"
    headers = {"Referer": back}
    if htmx:
        headers["HX-Request"] = "true"
    response = reply(
        client,
        thread,
        [(io.BytesIO(PDF + b"0" * 3000), "big.pdf")],
        body="Long text",
        headers=headers,
    )
    assert response.status_code == 413
    assert "2 kB" in response.text and "Nothing was saved" in response.text
    assert f'href="{back}"' in response.text  # back to the form
    # Never a link back to another site.
    headers["Referer"] = "https://evil.example/"
    response = reply(client, thread, [(io.BytesIO(PDF + b"0" * 3000), "big.pdf")], headers=headers)
    assert response.status_code == 413 and "evil.example" not in response.text
    assert session.scalar(select(func.count()).where(Post.thread_id == thread.id)) == 1
    assert uploads(app) == []


def test_other_413s_keep_the_generic_page(app, client, auth, world, session):
    app.config["MAX_CONTENT_LENGTH"] = 10
    auth.as_user(world.mentor)
    response = client.post("/language", data={"language": "fr" * 20})
    assert response.status_code == 413
    assert "Nothing was saved" not in response.text


# Demo files -----------------------------------------------------------------------------------


def test_demo_files_are_valid_and_loaded_once(app, session):
    from workspace.demo import attachments as demo_files
    from workspace.demo import load

    assert attachments.sniff(demo_files.pdf("Agenda – Jelgava", ["Día 1: visita"])) == (
        "application/pdf"
    )
    assert attachments.sniff(demo_files.png([3, 5, 2])) == "image/png"
    load()
    files = stored(session)
    names = {a.filename for a in files}
    assert "participants-per-session.png" in names and "attendance.csv" in names
    assert any(n.startswith("Agenda ") and n.endswith(".pdf") for n in names)
    for a in files:
        data = attachments.path_of(a).read_bytes()
        assert attachments.sniff(data) == a.content_type and len(data) == a.size
    pdf = next(a for a in files if a.filename.endswith(".pdf"))
    data = attachments.path_of(pdf).read_bytes()
    # The cross-reference table points at the objects it names.
    xref = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert data[xref:].startswith(b"xref\n")
    offsets = re.findall(rb"(\d{10}) 00000 n ", data)
    for number, offset in enumerate(offsets, start=1):
        assert data[int(offset) :].startswith(b"%d 0 obj" % number)
    load()
    assert len(stored(session)) == len(files)
    assert len(uploads(app)) == len(files)
