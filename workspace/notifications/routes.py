from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from .. import db
from ..htmx import render, wants_fragment
from ..models import Notification, utcnow
from ..safety import safe_next_url
from .services import describe

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PAGE_SIZE = 30


@bp.get("/")
@login_required
def index():
    """The user's notifications, newest first, paged by keyset (?before=<id>)."""
    before = request.args.get("before", type=int)
    query = (
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .options(joinedload(Notification.actor), joinedload(Notification.pair))
        .order_by(Notification.id.desc())
        .limit(PAGE_SIZE + 1)
    )
    if before:
        query = query.where(Notification.id < before)
    notes = list(db.session.scalars(query))
    more = len(notes) > PAGE_SIZE
    notes = notes[:PAGE_SIZE]
    return render(
        "notifications/index.html",
        "notification_list",
        notes=notes,
        describe=describe,
        next_before=notes[-1].id if more else None,
    )


@bp.post("/<int:note_id>/read")
@login_required
def read(note_id: int):
    note = db.session.get(Notification, note_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
    return _back()


@bp.post("/read-all")
@login_required
def read_all():
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return _back()


def _back():
    if wants_fragment():
        return index()
    return redirect(safe_next_url(request.form.get("next")) or url_for(".index"), code=303)
