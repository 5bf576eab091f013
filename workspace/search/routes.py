"""GET /search: the results page (the search box in the site header sends here)."""

import click
from flask import Blueprint, abort, current_app, request
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .. import db, policy
from ..htmx import render
from ..models import SearchKind
from ..page_cache import cached_page
from . import index, services

bp = Blueprint("search", __name__)

KIND_LABELS = {
    SearchKind.THREAD: _l("Threads"),
    SearchKind.POST: _l("Messages"),
    SearchKind.TASK: _l("Tasks"),
    SearchKind.EVENT: _l("Events"),
    SearchKind.SECTION: _l("Action-plan sections"),
}
RESULT_LABELS = {
    SearchKind.THREAD: _l("Thread"),
    SearchKind.POST: _l("Message"),
    SearchKind.TASK: _l("Task"),
    SearchKind.EVENT: _l("Event"),
    SearchKind.SECTION: _l("Action-plan section"),
}


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.get("/search")
@cached_page
@login_required
def results():
    if not policy.can_search(current_user):
        abort(403)
    query = request.args.get("q", "")[: services.MAX_QUERY_LENGTH]
    kind_arg = request.args.get("kind", "")
    kind = SearchKind(kind_arg) if kind_arg in SearchKind._value2member_map_ else None
    pairs = services.visible_pairs(current_user)
    pair_id = _int_arg("pair")
    if pair_id not in {p.id for p in pairs}:
        pair_id = None
    after = services.After.parse(request.args.get("after"))
    # Where the list's numbering starts (only for display: the keyset says what comes next).
    start = (_int_arg("start") or 1) if after else 1
    found, next_after = services.search(current_user, query, pair_id, kind, after, pairs)
    return render(
        "search/results.html",
        "search_results",
        query=query,
        searched=bool(services.terms(query)),
        kind=kind,
        kind_labels=KIND_LABELS,
        result_labels=RESULT_LABELS,
        pairs=pairs,
        pair_names={p.id: p.name for p in pairs},
        pair_id=pair_id,
        results=found,
        start=start,
        next_after=next_after,
        next_start=start + services.PAGE_SIZE,
    )


search_cli = AppGroup("search", help="The search index.")


@search_cli.command("reindex")
def reindex_command():
    """Rebuild the search index from the content (after bulk loads)."""
    counts = reindex()
    click.echo(", ".join(f"{n} {kind}" for kind, n in counts.items()) + " indexed")


def reindex() -> dict[str, int]:
    with db.engine_for(current_app).begin() as connection:
        return index.reindex(connection)
