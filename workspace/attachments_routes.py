"""The one way to an attachment's bytes: checked through ``policy``, sent as a download."""

import io

from flask import Blueprint, abort, send_file
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from . import attachments, db, policy
from .models import Attachment, Event, Post, Thread

bp = Blueprint("attachments", __name__)

# The bytes are never a page of ours: no scripts, no plugins, no same-origin anything.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


def may_download(user, attachment: Attachment) -> bool:
    """A post's file: whoever sees the thread and the post (not deleted; when hidden, only
    its author and the thread's moderators). An event's file: whoever sees the pair."""
    if attachment.event_id is not None:
        return policy.can_see_pair(user, attachment.event.pair)
    post: Post = attachment.post
    return (
        post.deleted_at is None
        and policy.can_see_thread(user, post.thread)
        and policy.can_read_post(user, post)
    )


@bp.get("/attachments/<int:attachment_id>/<path:filename>")
@login_required
def download(attachment_id: int, filename: str):
    """``filename`` is only there so that saved links read well; the name sent is ours."""
    attachment = db.session.scalar(
        select(Attachment)
        .where(Attachment.id == attachment_id)
        .options(
            joinedload(Attachment.post).joinedload(Post.thread).joinedload(Thread.pair),
            joinedload(Attachment.event).joinedload(Event.pair),
        )
    )
    if attachment is None or not may_download(current_user, attachment):
        abort(404)
    try:
        # Read whole (a few MiB at most): no file handle is left open with the response.
        data = attachments.path_of(attachment).read_bytes()
    except FileNotFoundError:
        abort(404)
    response = send_file(
        io.BytesIO(data),
        mimetype=attachment.content_type,  # text/plain gets "; charset=utf-8" from Flask
        as_attachment=True,
        download_name=attachment.filename,
        conditional=True,
        etag=attachment.stored_name,
        last_modified=attachment.created_at,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@bp.app_template_global("format_size")
def format_size(size: int) -> str:
    return attachments.format_size(size)
