"""Keeping ``search_document`` up to date.

One statement per kind, ``INSERT … SELECT … ON CONFLICT (kind, object_id) DO UPDATE``, builds
documents straight from the content tables: for a few objects after each flush (session
events below), and for all of them in ``reindex`` (after bulk loads that fire no ORM events,
such as ``flask demo synth``). Text is indexed as written (Markdown, plain text), never as
HTML. Hidden content (hidden or deleted posts, hidden threads and their posts) keeps its
document with ``hidden`` set, so hiding and restoring need no re-indexing of the text.
"""

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.dialects import postgresql, sqlite

from ..db import AppSession
from ..models import (
    Event,
    Plan,
    PlanSection,
    Post,
    PostRevision,
    SearchDocument,
    SearchKind,
    SectionRevision,
    SectionText,
    Task,
    TaskList,
    Thread,
    utcnow,
)

D = SearchDocument.__table__.c
COLUMNS = [
    "kind",
    "object_id",
    "pair_id",
    "cluster_id",
    "thread_id",
    "plan_id",
    "section_id",
    "core_only",
    "hidden",
    "language",
    "title",
    "body",
    "updated_at",
]

# Content language → PostgreSQL text-search configuration (stemming, stop words).
PG_CONFIGS = {"en": "english", "fr": "french", "nl": "dutch", "it": "italian"}


def pg_config(language):
    """The regconfig for a language expression (``simple`` for any other language)."""
    code = sa.func.substr(language, 1, 2)
    return sa.case(
        *[
            (code == lang, sa.literal_column(f"'{name}'::regconfig"))
            for lang, name in PG_CONFIGS.items()
        ],
        else_=sa.literal_column("'simple'::regconfig"),
    )


def pg_tsvector(language, title, body):
    config = pg_config(language)
    return sa.func.setweight(sa.func.to_tsvector(config, title), sa.literal_column("'A'")).op("||")(
        sa.func.setweight(sa.func.to_tsvector(config, body), sa.literal_column("'B'"))
    )


def _no_id():
    return sa.cast(sa.null(), sa.Integer)


def _text(value):
    return sa.func.coalesce(value, "")


def _lines(*values):
    out = _text(values[0])
    for value in values[1:]:
        out = out + "\n" + _text(value)
    return out


def _sources(now):
    """kind → (select of the document columns, the id column it is filtered on)."""
    now = sa.literal(now, SearchDocument.__table__.c.updated_at.type)
    no = sa.false()
    threads = sa.select(
        sa.literal(SearchKind.THREAD.value).label("kind"),
        Thread.id,
        Thread.pair_id,
        Thread.cluster_id,
        Thread.id.label("thread_id"),
        _no_id().label("plan_id"),
        _no_id().label("section_id"),
        sa.not_(Thread.open_to_network).label("core_only"),
        Thread.hidden,
        Thread.language,
        Thread.title,
        sa.literal("").label("body"),
        now,
    )
    revision = sa.orm.aliased(PostRevision)
    posts = (
        sa.select(
            sa.literal(SearchKind.POST.value).label("kind"),
            Post.id,
            Thread.pair_id,
            Thread.cluster_id,
            Thread.id.label("thread_id"),
            _no_id().label("plan_id"),
            _no_id().label("section_id"),
            sa.not_(Thread.open_to_network).label("core_only"),
            sa.or_(Post.hidden, Post.deleted_at.is_not(None), Thread.hidden).label("hidden"),
            Post.language,
            Thread.title,
            _text(revision.body).label("body"),
            now,
        )
        .join(Thread, Thread.id == Post.thread_id)
        .outerjoin(revision, revision.id == Post.current_revision_id)
    )
    tasks = sa.select(
        sa.literal(SearchKind.TASK.value).label("kind"),
        Task.id,
        Task.pair_id,
        _no_id().label("cluster_id"),
        _no_id().label("thread_id"),
        _no_id().label("plan_id"),
        _no_id().label("section_id"),
        no.label("core_only"),
        no.label("hidden"),
        sa.literal("").label("language"),
        Task.title,
        _text(Task.notes).label("body"),
        now,
    )
    events = sa.select(
        sa.literal(SearchKind.EVENT.value).label("kind"),
        Event.id,
        Event.pair_id,
        _no_id().label("cluster_id"),
        _no_id().label("thread_id"),
        _no_id().label("plan_id"),
        _no_id().label("section_id"),
        no.label("core_only"),
        no.label("hidden"),
        Event.language,
        Event.title,
        _lines(Event.place, Event.description, Event.agenda, Event.what_was_seen, Event.findings),
        now,
    )
    current = sa.orm.aliased(SectionRevision)
    sections = (
        sa.select(
            sa.literal(SearchKind.SECTION.value).label("kind"),
            SectionText.id,
            Plan.pair_id,
            _no_id().label("cluster_id"),
            _no_id().label("thread_id"),
            Plan.id.label("plan_id"),
            PlanSection.id.label("section_id"),
            no.label("core_only"),
            no.label("hidden"),
            SectionText.language,
            current.title,
            _text(current.body).label("body"),
            now,
        )
        .join(PlanSection, PlanSection.id == SectionText.section_id)
        .join(Plan, Plan.id == PlanSection.plan_id)
        .join(current, current.id == SectionText.current_revision_id)
    )
    return {
        SearchKind.THREAD: (threads, Thread.id),
        SearchKind.POST: (posts, Post.id),
        SearchKind.TASK: (tasks, Task.id),
        SearchKind.EVENT: (events, Event.id),
        SearchKind.SECTION: (sections, SectionText.id),
    }


def _with_tsv(select, dialect_name):
    """On PostgreSQL, the select gains the tsvector computed from its own columns."""
    if dialect_name != "postgresql":
        return select, COLUMNS
    sub = select.subquery()
    cols = [sub.c[i] for i in range(len(COLUMNS))]
    language, title, body = cols[9], cols[10], cols[11]
    wrapped = sa.select(*cols, pg_tsvector(language, title, body))
    return wrapped, [*COLUMNS, "tsv"]


def _insert(dialect_name):
    return (postgresql if dialect_name == "postgresql" else sqlite).insert(SearchDocument)


def upsert(connection, kind: SearchKind, ids=None, in_threads=None) -> None:
    """(Re)build the documents of ``kind`` for the objects ``ids`` (all when None), or for
    the posts of the threads ``in_threads``."""
    name = connection.dialect.name
    select, key = _sources(utcnow())[kind]
    # SQLite needs a WHERE in INSERT … SELECT … ON CONFLICT (a parsing ambiguity).
    if in_threads is not None:
        select = select.where(Post.thread_id.in_(sorted(in_threads)))
    else:
        select = select.where(key.in_(sorted(ids)) if ids is not None else key.is_not(None))
    select, columns = _with_tsv(select, name)
    insert = _insert(name).from_select(columns, select)
    insert = insert.on_conflict_do_update(
        index_elements=["kind", "object_id"],
        set_={c: insert.excluded[c] for c in columns if c not in ("kind", "object_id")},
    )
    connection.execute(insert)


def remove(connection, kind: SearchKind, ids) -> None:
    connection.execute(
        sa.delete(SearchDocument).where(D.kind == kind.value, D.object_id.in_(sorted(ids)))
    )


def reindex(connection) -> dict[str, int]:
    """Rebuild the whole index in one transaction: documents, then the full-text index."""
    from ..models.search import SQLITE_CREATE, SQLITE_DROP

    name = connection.dialect.name
    if name == "sqlite":
        for statement in SQLITE_DROP[:3]:  # the triggers: the FTS table is rebuilt at once
            connection.exec_driver_sql(statement)
        connection.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")
    connection.execute(sa.delete(SearchDocument))
    for select, key in _sources(utcnow()).values():
        select, columns = _with_tsv(select.where(key.is_not(None)), name)
        connection.execute(_insert(name).from_select(columns, select))
    if name == "sqlite":
        connection.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        for statement in SQLITE_CREATE[1:]:
            connection.exec_driver_sql(statement)
    counts = dict(connection.execute(sa.select(D.kind, sa.func.count()).group_by(D.kind)).all())
    return {kind.value: counts.get(kind.value, 0) for kind in SearchKind}


# Session events -------------------------------------------------------------------------

WATCHED_THREAD_ATTRIBUTES = ("title", "hidden", "open_to_network", "language")


def _changed(obj, attributes) -> bool:
    state = inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attributes)


def _before_flush(session, flush_context, instances) -> None:
    """Tasks go with their list by the database's cascade, unseen by the ORM."""
    lists = [o.id for o in session.deleted if isinstance(o, TaskList) and o.id is not None]
    if lists:
        tasks = sa.select(Task.id).where(Task.list_id.in_(lists))
        session.connection().execute(
            sa.delete(SearchDocument).where(D.kind == SearchKind.TASK.value, D.object_id.in_(tasks))
        )


def _after_flush(session, flush_context) -> None:
    changed: dict[SearchKind, set[int]] = defaultdict(set)
    gone: dict[SearchKind, set[int]] = defaultdict(set)
    thread_posts: set[int] = set()
    for obj in session.new | session.dirty:
        if isinstance(obj, Post):
            changed[SearchKind.POST].add(obj.id)
        elif isinstance(obj, PostRevision):
            changed[SearchKind.POST].add(obj.post_id)
        elif isinstance(obj, Thread):
            if obj in session.new or _changed(obj, WATCHED_THREAD_ATTRIBUTES):
                changed[SearchKind.THREAD].add(obj.id)
                if obj not in session.new:
                    thread_posts.add(obj.id)
        elif isinstance(obj, Task):
            changed[SearchKind.TASK].add(obj.id)
        elif isinstance(obj, Event):
            changed[SearchKind.EVENT].add(obj.id)
        elif isinstance(obj, SectionText):
            changed[SearchKind.SECTION].add(obj.id)
        elif isinstance(obj, SectionRevision):
            changed[SearchKind.SECTION].add(obj.text_id)
    kinds = {Post: SearchKind.POST, Thread: SearchKind.THREAD, Task: SearchKind.TASK}
    kinds |= {Event: SearchKind.EVENT, SectionText: SearchKind.SECTION}
    for obj in session.deleted:
        kind = kinds.get(type(obj))
        if kind is not None and obj.id is not None:
            gone[kind].add(obj.id)
    if not (changed or gone or thread_posts):
        return
    connection = session.connection()
    for kind, ids in gone.items():
        remove(connection, kind, ids)
        changed[kind] -= ids
    for kind, ids in changed.items():
        ids.discard(None)
        if ids:
            upsert(connection, kind, ids)
    if thread_posts:  # a thread's title, visibility or language goes to its posts
        upsert(connection, SearchKind.POST, in_threads=thread_posts)


def listen() -> None:
    """Keep the index in sync with every session of the app (idempotent)."""
    if not event.contains(AppSession, "after_flush", _after_flush):
        event.listen(AppSession, "before_flush", _before_flush)
        event.listen(AppSession, "after_flush", _after_flush)
