"""Attachments of thread posts and timeline events: checking, storing, finding the bytes.

A file is accepted only if its *content* is one of the allowed types (sniffed from magic
numbers, ZIP manifests for office documents, UTF-8 for plain text) and its name's extension
agrees with that type; its declared Content-Type and its name alone count for nothing. The
bytes go to ``instance/uploads/<random name>``; the original name, sanitised, is kept only
to offer it on download. Files written in a transaction that is rolled back are removed;
files of attachment rows deleted through the ORM (directly, or with their post, thread, event
or pair) are removed once the deletion is committed. ``prune`` removes what rows deleted by
the database alone (``ON DELETE CASCADE``) leave behind: ``flask --app wsgi attachments prune``.

Routes decide access through ``policy`` (see attachments_routes); forms use
``AttachmentsField``, which checks every file while the form validates, so that a refused
file refuses the whole form before anything is stored.
"""

import io
import os
import re
import secrets
import tempfile
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import click
import filetype
from babel.units import format_unit
from flask import current_app
from flask.cli import AppGroup
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event as sa_event
from sqlalchemy import inspect, or_, select
from werkzeug.datastructures import FileStorage
from wtforms import MultipleFileField

from . import db
from .models import Attachment, Event, Pair, Post, Thread, User
from .models.attachments import FILENAME_MAX

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
TEXT = "text/plain"

# Sniffed type → the extensions a file of that type may have.
ALLOWED: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "application/vnd.oasis.opendocument.presentation": (".odp",),
    TEXT: (".txt", ".text", ".md", ".csv", ".tsv", ".log"),
}
ACCEPT = ",".join(ext for extensions in ALLOWED.values() for ext in extensions)
_MAGIC_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}
# Office Open XML: the main part's content type in [Content_Types].xml (macro-enabled
# documents and templates have other content types and are refused).
_OOXML = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
_ODF = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}
_MANIFEST_MAX = 1024 * 1024
# Text that a browser could take for markup: refused even as plain text.
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|iframe|svg|object|embed|style|meta|\?xml)\b",
    re.IGNORECASE,
)
_PENDING = "attachment_files"
_REMOVED = "attachment_files_removed"
_STORED_NAME = re.compile(r"[0-9a-f]{32}")
PRUNE_AFTER = timedelta(hours=1)


class AttachmentError(ValueError):
    """A file that is refused; ``str()`` is the message for the uploader."""


@dataclass(frozen=True)
class Upload:
    """A checked file, waiting to be stored."""

    filename: str
    content_type: str
    data: bytes


# Checking ---------------------------------------------------------------------------------


def max_bytes() -> int:
    return int(current_app.config.get("MAX_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES))


def max_request_bytes() -> int:
    """All of one request, files and text (Flask's MAX_CONTENT_LENGTH)."""
    return int(current_app.config["MAX_CONTENT_LENGTH"])


def clean_filename(name: str | None) -> str:
    """The last path segment of ``name``, without control or formatting characters
    (bidirectional overrides among them), characters file systems refuse, leading dots or
    surrounding spaces, cut to the column's length keeping the extension."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = re.sub(r'[<>:"|?*]', "_", name)
    name = " ".join(name.split()).strip(" .")
    if len(name) > FILENAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and len(ext) <= 10:
            name = stem[: FILENAME_MAX - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:FILENAME_MAX]
    return name or "attachment"


def _office_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as part:
                    declared = part.read(100).decode("ascii", "replace").strip()
                return declared if declared in _ODF else None
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as part:
                    manifest = part.read(_MANIFEST_MAX)
                found = [
                    kind
                    for main, kind in _OOXML.items()
                    if f'ContentType="{main}"'.encode() in manifest
                ]
                return found[0] if len(found) == 1 else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, ValueError):
        return None
    return None


def _is_plain_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _MARKUP.search(data) is None


def sniff(data: bytes) -> str | None:
    """The allowed type the content is, or None."""
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    kind = filetype.guess(data)
    if kind is not None:
        return kind.mime if kind.mime in _MAGIC_TYPES else None
    return TEXT if _is_plain_text(data) else None


def check(file: FileStorage) -> Upload:
    """Read at most the size limit and decide; raises AttachmentError with the reason."""
    filename = clean_filename(file.filename)
    limit = max_bytes()
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        raise AttachmentError(
            _("%(name)s is larger than %(limit)s.", name=filename, limit=format_size(limit))
        )
    if not data:
        raise AttachmentError(_("%(name)s is empty.", name=filename))
    content_type = sniff(data)
    if content_type is None:
        raise AttachmentError(
            _(
                "%(name)s is not a kind of file we accept. Accepted: PDF, images (PNG, JPEG, "
                "GIF, WebP), office documents (DOCX, XLSX, PPTX, ODT, ODS, ODP) and plain text.",
                name=filename,
            )
        )
    extensions = ALLOWED[content_type]
    if Path(filename).suffix.lower() not in extensions:
        raise AttachmentError(
            _(
                "The content of %(name)s does not match its name: it should end in %(ext)s.",
                name=filename,
                ext=" / ".join(extensions),
            )
        )
    return Upload(filename=filename, content_type=content_type, data=data)


# Storing ----------------------------------------------------------------------------------


def upload_folder() -> Path:
    return Path(current_app.instance_path) / "uploads"


def path_of(attachment: Attachment) -> Path:
    if not _STORED_NAME.fullmatch(attachment.stored_name or ""):
        raise ValueError("not a stored name")
    return upload_folder() / attachment.stored_name


def save(
    file: FileStorage | Upload,
    *,
    post: Post | None = None,
    event: Event | None = None,
    user: User,
) -> Attachment:
    """Store a file (checked here unless it already was) for a post or an event.

    Raises AttachmentError for a refused file. The row is added to the session and
    flushed; if the transaction is rolled back, the file is removed again."""
    if (post is None) == (event is None):
        raise ValueError("an attachment belongs to a post or an event")
    upload = file if isinstance(file, Upload) else check(file)
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    target = folder / stored_name
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(upload.data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    try:
        attachment = Attachment(
            post=post,
            event=event,
            filename=upload.filename,
            content_type=upload.content_type,
            size=len(upload.data),
            stored_name=stored_name,
            uploaded_by_id=user.id,
        )
        db.session.add(attachment)
        db.session.flush()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    db.session().info.setdefault(_PENDING, []).append(target)
    return attachment


def remove(attachment: Attachment) -> None:
    """Delete the row; the file goes once the deletion is committed."""
    db.session.delete(attachment)
    db.session.flush()


def _note_removed(session, names) -> None:
    session.info.setdefault(_REMOVED, set()).update(names)


@sa_event.listens_for(db.AppSession, "persistent_to_deleted")
def _attachment_deleted(session, instance):
    """Any attachment row the ORM deleted, orphans of a collection among them."""
    if isinstance(instance, Attachment) and (name := inspect(instance).dict.get("stored_name")):
        _note_removed(session, [name])


@sa_event.listens_for(db.AppSession, "before_flush")
def _parents_deleted(session, flush_context, instances):
    """Rows the database deletes by cascade with their post, thread, event or pair: their
    names must be read before the parent's DELETE runs."""
    ids: dict[type, list[int]] = {Post: [], Thread: [], Event: [], Pair: []}
    for obj in session.deleted:
        if isinstance(obj, Attachment):
            _note_removed(session, [obj.stored_name])
        elif type(obj) in ids:
            ids[type(obj)].append(obj.id)
    if not any(ids.values()):
        return
    threads = select(Thread.id).where(
        or_(Thread.id.in_(ids[Thread]), Thread.pair_id.in_(ids[Pair]))
    )
    posts = select(Post.id).where(or_(Post.id.in_(ids[Post]), Post.thread_id.in_(threads)))
    events = select(Event.id).where(or_(Event.id.in_(ids[Event]), Event.pair_id.in_(ids[Pair])))
    _note_removed(
        session,
        session.scalars(
            select(Attachment.stored_name).where(
                or_(Attachment.post_id.in_(posts), Attachment.event_id.in_(events))
            )
        ),
    )


@sa_event.listens_for(db.AppSession, "after_commit")
def _keep_files(session):
    session.info.pop(_PENDING, None)
    for name in session.info.pop(_REMOVED, ()):
        if _STORED_NAME.fullmatch(name or ""):
            (upload_folder() / name).unlink(missing_ok=True)


@sa_event.listens_for(db.AppSession, "after_transaction_end")
def _drop_files_of_rolled_back_transaction(session, transaction):
    if transaction.parent is None:
        for path in session.info.pop(_PENDING, []):
            path.unlink(missing_ok=True)
        session.info.pop(_REMOVED, None)  # rolled back: the rows, and so the files, stay


def prune(older_than: timedelta = PRUNE_AFTER) -> list[Path]:
    """Remove files under the upload folder that no attachment row names, and temporary
    files of interrupted uploads, if older than ``older_than``: a file being uploaded right
    now exists before its row is committed."""
    folder = upload_folder()
    if not folder.is_dir():
        return []
    known = set(db.session.scalars(select(Attachment.stored_name)))
    cutoff = time.time() - older_than.total_seconds()
    removed = []
    for path in sorted(folder.iterdir()):
        ours = _STORED_NAME.fullmatch(path.name) or path.name.startswith(".upload-")
        if not ours or path.name in known or not path.is_file():
            continue
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


attachments_cli = AppGroup("attachments", help="Attached files.")


@attachments_cli.command("prune")
@click.option(
    "--older-than",
    "hours",
    type=click.FloatRange(min=0),
    default=PRUNE_AFTER.total_seconds() / 3600,
    show_default=True,
    help="Only remove files older than this many hours.",
)
def prune_command(hours: float):
    """Remove stored files that no attachment names any more (run from cron)."""
    removed = prune(timedelta(hours=hours))
    click.echo(f"{len(removed)} files removed")


# Showing ----------------------------------------------------------------------------------


def format_size(size: int) -> str:
    """1 234 bytes as "1.2 kB" in the reader's language (CLDR unit names)."""
    locale = get_locale()
    for unit, factor in (("megabyte", 1_000_000), ("kilobyte", 1_000)):
        if size >= factor:
            return format_unit(
                size / factor, f"digital-{unit}", length="short", format="#,##0.#", locale=locale
            )
    return format_unit(size, "digital-byte", length="short", locale=locale)


# Forms ------------------------------------------------------------------------------------


class AttachmentsField(MultipleFileField):
    """Optional files (up to MAX_FILES). Every file is checked when the form validates;
    the checked ones wait in ``uploads`` for ``save``. The form needs
    ``enctype="multipart/form-data"`` (and ``hx-encoding`` for htmx)."""

    def __init__(self, label=None, validators=None, **kwargs):
        # Bound in a request: the limits are the app's, and static/js/attachments.js reads
        # them (with the messages, "{name}" filled in there) to check files before sending.
        each = format_size(max_bytes())
        total = format_size(max_request_bytes())
        kwargs["render_kw"] = {
            "accept": ACCEPT,
            "data-max-bytes": max_bytes(),
            "data-max-files": MAX_FILES,
            "data-max-total": max_request_bytes(),
            "data-error-size": _("%(name)s is larger than %(limit)s.", name="{name}", limit=each),
            "data-error-count": _("Attach at most %(num)d files at a time.", num=MAX_FILES),
            "data-error-total": _(
                "Together these files are larger than %(limit)s, the most one message can "
                "carry. Nothing was sent: attach fewer or smaller files.",
                limit=total,
            ),
            **(kwargs.get("render_kw") or {}),
        }
        super().__init__(label if label is not None else _l("Attach files"), validators, **kwargs)
        if not self.description:
            self.description = _(
                "Optional. Up to %(num)d files of at most %(size)s each and %(total)s "
                "together: PDF, images, office documents or plain text.",
                num=MAX_FILES,
                size=each,
                total=total,
            )
        self.uploads: list[Upload] = []

    def files(self) -> list[FileStorage]:
        return [f for f in self.data or [] if isinstance(f, FileStorage) and f.filename]

    def pre_validate(self, form):
        self.uploads = []
        files = self.files()
        if len(files) > MAX_FILES:
            self.errors.append(_("Attach at most %(num)d files at a time.", num=MAX_FILES))
            return
        uploads = []
        for file in files:
            try:
                uploads.append(check(file))
            except AttachmentError as error:
                self.errors.append(str(error))
        if not self.errors:
            self.uploads = uploads


def save_all(field: AttachmentsField, *, user: User, post=None, event=None) -> list[Attachment]:
    return [save(upload, post=post, event=event, user=user) for upload in field.uploads]
