"""The one way to an attachment's bytes: checked through ``policy``, sent as a download;
and the way to remove an attachment."""

import io

from flask import Blueprint, abort, flash, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from . import attachments, db, policy
from .htmx import navigate, wants_fragment
from .models import Attachment, Event, Post, Thread
from .threads.services import mark_changed

bp = Blueprint("attachments", __name__)

# The bytes are never a page of ours: no scripts, no plugins, no same-origin anything.
DOWNLOAD_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


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


def _attachment_or_404(attachment_id: int) -> Attachment:
    """The attachment, or 404 for whoever may not download it."""
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
    return attachment


@bp.get("/attachments/<int:attachment_id>/<path:filename>")
@login_required
def download(attachment_id: int, filename: str):
    """``filename`` is only there so that saved links read well; the name sent is ours."""
    attachment = _attachment_or_404(attachment_id)
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


@bp.post("/attachments/<int:attachment_id>/remove")
@login_required
def remove(attachment_id: int):
    """To htmx an empty answer (the file's list item goes); otherwise back to the post or
    event. The file itself is deleted once the removal is committed."""
    attachment = _attachment_or_404(attachment_id)
    if not policy.can_remove_attachment(current_user, attachment):
        abort(403)
    name = attachment.filename
    if attachment.event_id is not None:
        back = url_for(
            "timeline.event", pair_id=attachment.event.pair_id, event_id=attachment.event_id
        )
    else:
        post = attachment.post
        back = url_for("threads.show", thread_id=post.thread_id, _anchor=f"post-{post.id}")
        mark_changed(post.thread)  # readers with the thread open see the file go
    attachments.remove(attachment)
    db.session.commit()
    if wants_fragment():
        return ""
    flash(_("%(name)s was removed.", name=name), "success")
    return navigate(back)


@bp.app_template_global("format_size")
def format_size(size: int) -> str:
    return attachments.format_size(size)
