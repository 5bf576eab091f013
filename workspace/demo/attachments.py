"""Demo files: an agenda (PDF) on each study visit, a chart (PNG) and an attendance list
(CSV) on the first post of each pair's first thread.

The files are made here, small and valid, and stored through ``attachments.save``, which
checks them like any upload (content sniffing included). Idempotent: a post or event that
already has a file of that name gets nothing.
"""

import io
import struct
import textwrap
import unicodedata
import zlib

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from .. import attachments, db
from ..models import Event, EventKind, Post, Thread

VISITS = (EventKind.STUDY_VISIT_ONSITE, EventKind.STUDY_VISIT_VIRTUAL)


# Files ------------------------------------------------------------------------------------


def _pdf_text(text: str) -> bytes:
    """Text for a PDF string in WinAnsi: accents kept where cp1252 has them, else dropped."""
    out = bytearray()
    for ch in text:
        try:
            encoded = ch.encode("cp1252")
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch)[0]
            encoded = base.encode("cp1252", "replace")
        out += encoded
    return bytes(out).replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def pdf(title: str, lines: list[str]) -> bytes:
    """A one-page A4 PDF: the title in bold, then the lines wrapped; with a correct xref."""
    content = [b"BT /F1 16 Tf 56 780 Td (" + _pdf_text(title) + b") Tj ET"]
    y = 750
    for line in lines:
        for part in textwrap.wrap(line, 90) or [""]:
            if y < 60:
                break
            content.append(b"BT /F2 10 Tf 56 %d Td (" % y + _pdf_text(part) + b") Tj ET")
            y -= 14
    stream = b"\n".join(content)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png(values: list[int], width: int = 240, height: int = 120) -> bytes:
    """A bar chart of ``values`` (RGB, 8 bits), written with zlib."""
    background, bar, axis = (255, 255, 255), (31, 102, 160), (90, 90, 90)
    top = max(values) or 1
    slot = width // len(values)
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            i, inside = divmod(x, slot)
            level = height - 10 - y  # pixels above the axis
            if level == 0:
                colour = axis
            elif i < len(values) and 4 <= inside < slot - 4 and level > 0:
                colour = bar if level <= values[i] * (height - 20) // top else background
            else:
                colour = background
            row += bytes(colour)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


# Loading ----------------------------------------------------------------------------------


def _attach(data: bytes, name: str, *, user, post=None, event=None, when=None) -> bool:
    existing = (post or event).attachments
    if user is None or any(a.filename == name for a in existing):
        return False
    attachment = attachments.save(
        FileStorage(io.BytesIO(data), filename=name), post=post, event=event, user=user
    )
    if when is not None:
        attachment.created_at = when
    return True


def add_to_visits(pairs) -> int:
    """The agenda of each study visit, as a PDF."""
    added = 0
    for pair in pairs:
        visits = db.session.scalars(
            select(Event)
            .where(Event.pair_id == pair.id, Event.kind.in_(VISITS))
            .options(selectinload(Event.attachments))
            .order_by(Event.starts_at)
        )
        for event in visits:
            if not event.agenda:
                continue
            lines = [f"{pair.name} · {event.place or event.online_url}", ""]
            lines += event.agenda.splitlines()
            name = f"Agenda {event.starts_at:%Y-%m-%d}.pdf"
            added += _attach(
                pdf(event.title, lines),
                name,
                user=event.created_by,
                event=event,
                when=event.created_at,
            )
    db.session.flush()
    return added


def add_to_threads(pairs) -> int:
    """A chart and an attendance list on the opening post of each pair's first thread."""
    added = 0
    for pair in pairs:
        post = db.session.scalar(
            select(Post)
            .join(Thread, Thread.id == Post.thread_id)
            .where(Thread.pair_id == pair.id)
            .options(selectinload(Post.attachments))
            .order_by(Thread.id, Post.id)
            .limit(1)
        )
        if post is None:
            continue
        sessions = [("2021-03", 14), ("2021-09", 22), ("2022-03", 18), ("2022-09", 27)]
        chart = png([count for _month, count in sessions])
        rows = ["session,participants,of whom residents"]
        rows += [f"{month},{count},{count // 3}" for month, count in sessions]
        csv = ("\n".join(rows) + "\n").encode()
        for data, name in ((chart, "participants-per-session.png"), (csv, "attendance.csv")):
            added += _attach(data, name, user=post.author, post=post, when=post.created_at)
    db.session.flush()
    return added
