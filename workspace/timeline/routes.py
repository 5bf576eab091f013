from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask import render_template as render_page
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import attachments, db, policy
from ..htmx import navigate, render, wants_fragment
from ..models import EventKind, Pair, utcnow
from ..page_cache import cached_page
from . import ical, services
from .forms import (
    ACTIVITY_KINDS,
    EVENT_KINDS,
    EventForm,
    FilterForm,
    FollowUpForm,
    ParticipantsForm,
    VisitRecordForm,
    filter_options,
)
from .services import Cursor, Filter

bp = Blueprint("timeline", __name__)


def in_zone(moment, timezone: str):
    """An aware time moved to another zone, for ``format_datetime(..., rebase=False)``."""
    return moment.astimezone(ZoneInfo(timezone))


TEMPLATE_HELPERS = {
    "event_kinds": EVENT_KINDS,
    "activity_kinds": ACTIVITY_KINDS,
    "in_zone": in_zone,
}


# The timeline ---------------------------------------------------------------------------


def _timeline_context(pair: Pair) -> dict:
    form = FilterForm(formdata=request.args)
    kind = form.kind.data or ""
    flt = Filter.parse(kind)
    cursor = Cursor.decode(request.args.get("before"))
    upcoming, entries, next_cursor, (tag, newest, events) = services.timeline_page(
        pair, current_user, flt, cursor, utcnow()
    )
    return {
        **TEMPLATE_HELPERS,
        "pair": pair,
        "form_options": filter_options(),
        "kind": kind,
        "cursor": cursor,
        "upcoming": upcoming,
        "entries": entries,
        "next_cursor": next_cursor,
        "tag": tag,
        "newest": newest,
        "events": events,
        "fresh": [],
    }


@bp.get("/pairs/<int:pair_id>/timeline")
@cached_page
@login_required
def index(pair_id: int):
    pair = policy.pair_or_404(pair_id)
    context = _timeline_context(pair)
    body, headers = render("timeline/index.html", "timeline", **context)
    return body, {**headers, "ETag": f'"{context["tag"]}"'}


@bp.get("/pairs/<int:pair_id>/timeline/new")
@login_required
def poll(pair_id: int):
    """New activity since the page's newest entry, and the upcoming events again when they
    changed since ?events=; 304 when nothing changed."""
    pair = policy.pair_or_404(pair_id)
    tag, newest, events = services.stamp(pair)
    if tag in request.if_none_match:
        return Response(status=304, headers={"ETag": f'"{tag}"', "Vary": "HX-Request"})
    if not wants_fragment():
        target = url_for("timeline.index", pair_id=pair.id, kind=request.args.get("kind") or None)
        return redirect(target, code=303)
    kind = request.args.get("kind", "")
    after = request.args.get("after", type=int, default=newest)
    flt = Filter.parse(kind)
    fresh, upcoming = services.news(
        pair, current_user, flt, after, utcnow(), upcoming=request.args.get("events") != events
    )
    body, headers = render(
        "timeline/index.html",
        "new_entries",
        **TEMPLATE_HELPERS,
        pair=pair,
        kind=kind,
        tag=tag,
        newest=newest,
        events=events,
        fresh=fresh,
        upcoming=upcoming,
    )
    return body, {**headers, "ETag": f'"{tag}"'}


# Events ---------------------------------------------------------------------------------


def _event_fields(form: EventForm) -> dict:
    timezone = form.timezone.data
    return {
        "kind": EventKind(form.kind.data),
        "title": form.title.data.strip(),
        "description": form.description.data or "",
        "language": form.language.data,
        "timezone": timezone,
        "starts_at": services.to_utc(form.starts_at.data, timezone),
        "ends_at": services.to_utc(form.ends_at.data, timezone),
        "place": (form.place.data or "").strip(),
        "online_url": (form.online_url.data or "").strip(),
    }


@bp.route("/pairs/<int:pair_id>/events/new", methods=["GET", "POST"])
@login_required
def create(pair_id: int):
    pair = policy.pair_or_404(pair_id, may=policy.can_manage_events)
    form = EventForm(languages=pair.working_languages)
    if not form.is_submitted():
        form.timezone.data = current_user.timezone
        form.language.data = (pair.working_languages or ["en"])[0]
    if form.validate_on_submit():
        event = services.create_event(pair, current_user, **_event_fields(form))
        attachments.save_all(form.files, event=event, user=current_user)
        db.session.commit()
        flash(_("The event was added to the timeline."), "success")
        return navigate(url_for("timeline.event", pair_id=pair.id, event_id=event.id))
    return render("timeline/edit.html", "event_form", pair=pair, form=form, event=None)


@bp.get("/pairs/<int:pair_id>/events/<int:event_id>")
@login_required
def event(pair_id: int, event_id: int):
    pair = policy.pair_or_404(pair_id)
    ev = services.event_or_404(pair, event_id, with_people=True)
    return render_page(
        "timeline/event.html",
        **TEMPLATE_HELPERS,
        pair=pair,
        event=ev,
        follow_ups=services.follow_up_tasks(ev),
        follow_up_form=FollowUpForm() if services.follow_ups_available() else None,
    )


@bp.route("/pairs/<int:pair_id>/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(pair_id: int, event_id: int):
    pair = policy.pair_or_404(pair_id, may=policy.can_manage_events)
    ev = services.event_or_404(pair, event_id, with_people=True)
    form = EventForm(languages=pair.working_languages, obj=ev)
    if not form.is_submitted():
        form.kind.data = ev.kind.value
        form.starts_at.data = services.to_local(ev.starts_at, ev.timezone)
        form.ends_at.data = services.to_local(ev.ends_at, ev.timezone)
    if form.validate_on_submit():
        changed = services.change_event(ev, current_user, **_event_fields(form))
        if attachments.save_all(form.files, event=ev, user=current_user) or changed:
            db.session.commit()
            flash(_("The event was changed."), "success")
        return navigate(url_for("timeline.event", pair_id=pair.id, event_id=ev.id))
    return render("timeline/edit.html", "event_form", pair=pair, form=form, event=ev)


@bp.route("/pairs/<int:pair_id>/events/<int:event_id>/visit", methods=["GET", "POST"])
@login_required
def record_visit(pair_id: int, event_id: int):
    """The study visit's record: agenda, what was seen, findings."""
    pair = policy.pair_or_404(pair_id, may=policy.can_manage_events)
    ev = services.event_or_404(pair, event_id, with_people=True)
    if not ev.is_study_visit:
        abort(404)
    form = VisitRecordForm(obj=ev)
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data or "" for name in services.VISIT_FIELDS}
        if services.change_event(ev, current_user, **fields):
            db.session.commit()
            flash(_("The record of the visit was saved."), "success")
        return navigate(url_for("timeline.event", pair_id=pair.id, event_id=ev.id))
    return render("timeline/visit.html", "visit_form", pair=pair, form=form, event=ev)


@bp.route("/pairs/<int:pair_id>/events/<int:event_id>/participants", methods=["GET", "POST"])
@login_required
def participants(pair_id: int, event_id: int):
    pair = policy.pair_or_404(pair_id, may=policy.can_manage_events)
    ev = services.event_or_404(pair, event_id, with_people=True)
    members = services.pair_members(pair)
    organisations = services.pair_organisations(pair, members)
    form = ParticipantsForm(members, organisations)
    if not form.is_submitted():
        form.people.data = [p.user_id for p in ev.participants if p.user_id is not None]
        form.organisations.data = [
            p.organisation_id for p in ev.participants if p.organisation_id is not None
        ]
    if form.validate_on_submit():
        services.set_participants(
            ev, members, form.people.data or [], organisations, form.organisations.data or []
        )
        db.session.commit()
        flash(_("The participants were saved."), "success")
        return navigate(url_for("timeline.event", pair_id=pair.id, event_id=ev.id))
    return render("timeline/participants.html", "participants_form", pair=pair, form=form, event=ev)


@bp.post("/pairs/<int:pair_id>/events/<int:event_id>/follow-ups")
@login_required
def add_follow_up(pair_id: int, event_id: int):
    """A follow-up task made from the visit page, in the pair's follow-up list."""
    pair = policy.pair_or_404(pair_id, may=policy.can_manage_tasks)
    ev = services.event_or_404(pair, event_id, with_people=True)
    if not ev.is_study_visit or not services.follow_ups_available():
        abort(404)
    form = FollowUpForm()
    if form.validate_on_submit():
        services.add_follow_up(ev, pair, current_user, form.title.data.strip())
        db.session.commit()
        flash(_("The follow-up task was added."), "success")
        return navigate(url_for("timeline.event", pair_id=pair.id, event_id=ev.id))
    return render_page(
        "timeline/event.html",
        **TEMPLATE_HELPERS,
        pair=pair,
        event=ev,
        follow_ups=services.follow_up_tasks(ev),
        follow_up_form=form,
    )


# Calendar feeds -------------------------------------------------------------------------


@bp.get("/calendar")
@login_required
def feeds():
    token = services.existing_feed_token(current_user)
    pair_ids = services.feed_pair_ids(current_user)
    pairs = (
        db.session.scalars(
            select(Pair)
            .where(Pair.id.in_(pair_ids))
            .options(joinedload(Pair.mentor_city), joinedload(Pair.mentee_city))
            .order_by(Pair.id)
        ).all()
        if token
        else []
    )
    return render_page("timeline/feeds.html", token=token, pairs=pairs)


@bp.post("/calendar/regenerate")
@login_required
def regenerate_feed():
    services.feed_token(current_user, renew=True)
    db.session.commit()
    flash(_("Your calendar links were renewed; the old ones no longer work."), "success")
    return redirect(url_for("timeline.feeds"), code=303)


def _ics(body: bytes, name: str) -> Response:
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'inline; filename="{name}.ics"',
            "Cache-Control": "private, no-cache",
        },
    )


@bp.get("/calendar/<token>.ics")
def user_feed(token: str):
    user = services.user_by_feed_token(token)
    if user is None:
        abort(404)
    events = services.feed_events(services.feed_pair_ids(user))
    return _ics(ical.feed(_("Mentoring workspace: %(name)s", name=user.name), events), "workspace")


@bp.get("/calendar/<token>/pairs/<int:pair_id>.ics")
def pair_feed(token: str, pair_id: int):
    user = services.user_by_feed_token(token)
    pair = db.session.get(Pair, pair_id) if user is not None else None
    if pair is None or not policy.can_see_pair(user, pair):
        abort(404)
    events = services.feed_events([pair.id])
    return _ics(ical.feed(pair.name, events), f"pair-{pair.id}")
