"""Searching: the user's words, made safe, matched against ``search_document`` through the
database's full-text index, ranked, highlighted, limited to what the user may see (the
condition comes from ``policy.searchable_documents``) and paged by keyset (rank, id).

Speed: only the documents of the user's pairs and cluster threads are ranked. ``_scope``
names them in terms the indexes answer (pair ids, cluster thread ids), a superset of what the
policy lets the user find; the policy's condition still decides about every document. On
SQLite the full-text match is filtered by those document ids before anything else is read;
on PostgreSQL a few pairs' documents are read by pair and matched one by one, more pairs go
through the GIN index. Ranks are computed for the user's matches only, highlights for the
one page shown."""

import math
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy.dialects.postgresql import REAL, TSQUERY, TSVECTOR, array
from sqlalchemy.orm import selectinload

from .. import db, policy
from ..models import (
    Cluster,
    Membership,
    Pair,
    SearchDocument,
    SearchKind,
    Thread,
    cluster_consultant,
)
from .index import PG_CONFIGS, pg_config

PAGE_SIZE = 20
# PostgreSQL: up to this many pairs, their documents are read by pair and matched one by
# one (a pair has a few thousand); with more, the GIN index finds the matches.
FEW_PAIRS = 4
MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
# Private-use characters mark the matches in snippets; the text is escaped afterwards and
# only these markers become <mark>.
START, STOP = "\ue000", "\ue001"
_WORD = re.compile(r"\w+")
_MARKERS = re.compile(f"([{START}{STOP}])")
_AFTER = re.compile(r"(-?[0-9]{1,20}(?:\.[0-9]{1,20})?(?:e[-+]?[0-9]{1,3})?)_([0-9]{1,10})")


def terms(query: str) -> list[str]:
    """The words of a query. Everything else (quotes, operators, SQL or LIKE characters) is
    a separator: a query is a list of plain words that must all occur."""
    return _WORD.findall((query or "")[:MAX_QUERY_LENGTH])[:MAX_TERMS]


def marked(text: str | None) -> Markup:
    """Escape the text, then turn the match markers into <mark> (always balanced)."""
    out, open_ = [], False
    mark, unmark = Markup("<mark>"), Markup("</mark>")
    for part in _MARKERS.split(text or ""):
        if part == START:
            if not open_:
                out.append(mark)
                open_ = True
        elif part == STOP:
            if open_:
                out.append(unmark)
                open_ = False
        else:
            out.append(escape(part))
    if open_:
        out.append(unmark)
    return Markup("").join(out)


@dataclass(frozen=True)
class After:
    """Where a page of results ends: the rank and id of its last result (the keyset)."""

    rank: float
    id: int

    def __str__(self) -> str:
        return f"{self.rank!r}_{self.id}"

    @classmethod
    def parse(cls, value: str | None) -> "After | None":
        """From a URL; anything malformed means the first page."""
        match = _AFTER.fullmatch(value or "")
        if not match:
            return None
        after = cls(float(match[1]), int(match[2]))
        return after if math.isfinite(after.rank) and 0 < after.id < 2**31 else None


@dataclass
class Result:
    kind: SearchKind
    object_id: int
    pair_id: int | None
    cluster_name: str | None
    language: str
    title: Markup
    snippet: Markup
    url: str


def visible_pairs(user) -> list[Pair]:
    """The pairs the user sees, for the pair filter (one query with the city names)."""
    query = sa.select(Pair).options(selectinload(Pair.mentor_city), selectinload(Pair.mentee_city))
    if not user.is_admin:
        consulted = sa.select(cluster_consultant.c.cluster_id).where(
            cluster_consultant.c.user_id == user.id
        )
        query = query.where(
            sa.or_(
                Pair.id.in_(sa.select(Membership.pair_id).where(Membership.user_id == user.id)),
                Pair.cluster_id.in_(consulted),
            )
        )
    return list(db.session.scalars(query.order_by(Pair.id)))


def _url(row) -> str:
    kind = SearchKind(row.kind)
    if kind is SearchKind.THREAD:
        return url_for("threads.show", thread_id=row.thread_id)
    if kind is SearchKind.POST:
        return url_for("threads.show", thread_id=row.thread_id, _anchor=f"post-{row.object_id}")
    if kind is SearchKind.TASK:
        return url_for("tasks.edit", pair_id=row.pair_id, task_id=row.object_id)
    if kind is SearchKind.EVENT:
        return url_for("timeline.event", pair_id=row.pair_id, event_id=row.object_id)
    return url_for(
        "plans.show",
        pair_id=row.pair_id,
        plan_id=row.plan_id,
        lang=row.language,
        _anchor=f"section-{row.section_id}",
    )


D = SearchDocument


def _filters(user, pair_id, kind):
    conditions = [policy.searchable_documents(user)]
    if pair_id is not None:
        conditions.append(D.pair_id == pair_id)
    if kind is not None:
        conditions.append(D.kind == kind.value)
    return conditions


@dataclass
class Scope:
    """Where the documents a user may find can be, in terms the indexes answer: documents of
    these pairs, and of these cluster threads (a select of thread ids, or None)."""

    pair_ids: list[int]
    threads: sa.Select | None


def _scope(user, pair_id, pairs) -> Scope | None:
    """A superset of ``policy.searchable_documents`` (which still decides, document by
    document), or None for everything (admins). Documents outside pairs are those of cluster
    threads (threads and their posts, with the thread's id in ``thread_id``), which members
    find for their pairs' clusters and consultants for their clusters."""
    if pair_id is not None:
        return Scope([pair_id], None)
    if user.is_admin:
        return None
    pair_ids = sorted({p.id for p in pairs})
    clusters = sa.union(
        sa.select(cluster_consultant.c.cluster_id).where(cluster_consultant.c.user_id == user.id),
        sa.select(Pair.cluster_id).where(Pair.id.in_(pair_ids)),
    )
    threads = sa.select(Thread.id).where(Thread.pair_id.is_(None), Thread.cluster_id.in_(clusters))
    return Scope(pair_ids, threads)


def _sqlite_query(words, conditions, scope, after):
    fts = sa.table("search_fts", sa.column("rowid"))
    fts_column = sa.literal_column("search_fts")
    match = fts_column.op("MATCH")(" ".join(f'"{w}"' for w in words))
    rank = sa.func.bm25(fts_column, 10.0, 1.0)  # lower is better; a title match counts 10 times
    where = [match, *conditions]
    if scope is not None:
        mine = sa.select(D.id).where(D.pair_id.in_(scope.pair_ids))
        if scope.threads is not None:
            mine = sa.union_all(mine, sa.select(D.id).where(D.thread_id.in_(scope.threads)))
        # The unary + keeps the planner from looking each of the user's documents up in the
        # full-text index (one lookup each, re-ranked each time): the match is read once, in
        # rowid order, and each hit is checked against the (small) set of the user's ids
        # before its document is read.
        where.append(sa.literal_column("+search_fts.rowid").in_(mine))
    if after is not None:
        where.append(sa.or_(rank > after.rank, sa.and_(rank == after.rank, fts.c.rowid > after.id)))
    score = rank.label("score")
    page = (
        sa.select(fts.c.rowid.label("id"), score)
        .select_from(fts.join(D, D.id == fts.c.rowid))
        .where(*where)
        .order_by(score, fts.c.rowid)
        .limit(PAGE_SIZE + 1)
        .subquery("page")
    )
    # Highlights for the page only: the page drives, each of its rows looked up by rowid.
    return (
        sa.select(
            D,
            Cluster.name.label("cluster_name"),
            page.c.score,
            sa.func.highlight(fts_column, 0, START, STOP).label("title_marked"),
            sa.func.snippet(fts_column, 1, START, STOP, "…", 24).label("snippet_marked"),
        )
        .select_from(page)
        .join(fts, fts.c.rowid == page.c.id)
        .join(D, D.id == page.c.id)
        .outerjoin(Cluster, Cluster.id == D.cluster_id)
        .where(match)
        .order_by(page.c.score, page.c.id)
    )


def _pg_tsquery(text):
    """The words in every configuration (stemmed per language, and as written), each distinct
    form once: (english) | (french) | … (one value for the whole statement)."""
    every = [sa.literal_column(f"'{name}'::regconfig") for name in [*PG_CONFIGS.values(), "simple"]]
    forms = sa.func.unnest(array([sa.func.plainto_tsquery(c, text) for c in every])).alias("q")
    form = sa.literal_column("q", TSQUERY)
    joined = sa.func.string_agg(sa.distinct("(" + sa.cast(form, sa.Text) + ")"), " | ")
    return (
        sa.select(sa.cast(joined, TSQUERY))
        .select_from(forms)
        .where(sa.func.numnode(form) > 0)
        .scalar_subquery()
    )


def _pg_query(words, conditions, scope, after):
    text = " ".join(words)
    tsquery = _pg_tsquery(text)
    tsv = D.tsv
    where = list(conditions)
    if scope is not None:
        mine = [D.pair_id.in_(scope.pair_ids)]
        if scope.threads is not None:
            mine.append(D.thread_id == sa.any_(sa.func.array(scope.threads.scalar_subquery())))
        where.append(sa.or_(*mine))
        if len(scope.pair_ids) <= FEW_PAIRS:
            # Read the few pairs' documents by pair and match them one by one: cheaper than
            # the GIN index's list of every match in the programme for a frequent word. (The
            # planner cannot see that; an expression is no use for the GIN index.)
            tsv = sa.func.coalesce(D.tsv, sa.cast("", TSVECTOR))
    rank = sa.func.ts_rank(D.tsv, tsquery)  # higher is better; real
    where.append(tsv.op("@@")(tsquery))
    if after is not None:
        last = sa.cast(after.rank, REAL)
        where.append(sa.or_(rank < last, sa.and_(rank == last, D.id > after.id)))
    score = rank.label("score")
    page = (
        sa.select(D.id, score)
        .where(*where)
        .order_by(score.desc(), D.id)
        .limit(PAGE_SIZE + 1)
        .subquery("page")
    )
    own = sa.func.plainto_tsquery(pg_config(D.language), text)
    options = (
        f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=12, "
        'MaxFragments=2, FragmentDelimiter=" … "'
    )
    return (
        sa.select(
            D,
            Cluster.name.label("cluster_name"),
            page.c.score,
            sa.func.ts_headline(
                pg_config(D.language),
                D.title,
                own,
                f"StartSel={START}, StopSel={STOP}, HighlightAll=true",
            ).label("title_marked"),
            sa.func.ts_headline(pg_config(D.language), D.body, own, options).label(
                "snippet_marked"
            ),
        )
        .join(page, page.c.id == D.id)
        .outerjoin(Cluster, Cluster.id == D.cluster_id)
        .order_by(page.c.score.desc(), D.id)
    )


def search(
    user, query: str, pair_id=None, kind=None, after: After | None = None, pairs=None
) -> tuple[list[Result], After | None]:
    """One page of results (best first), after ``after`` if given, and where the next page
    starts (None on the last page): one SQL statement, and one more (the user's pairs) unless
    ``pairs`` (``visible_pairs(user)``) is given."""
    words = terms(query)
    if not words:
        return [], None
    if pairs is None and pair_id is None and not user.is_admin:
        pairs = visible_pairs(user)
    conditions = _filters(user, pair_id, kind)
    scope = _scope(user, pair_id, pairs)
    build = _pg_query if db.session.get_bind().dialect.name == "postgresql" else _sqlite_query
    rows = db.session.execute(build(words, conditions, scope, after)).all()
    results = []
    for row in rows[:PAGE_SIZE]:
        doc = row.SearchDocument
        results.append(
            Result(
                kind=doc.kind,
                object_id=doc.object_id,
                pair_id=doc.pair_id,
                cluster_name=row.cluster_name,
                language=doc.language,
                title=marked(row.title_marked) if row.title_marked else escape(doc.title),
                snippet=marked(row.snippet_marked),
                url=_url(doc),
            )
        )
    last = rows[PAGE_SIZE - 1] if len(rows) > PAGE_SIZE else None
    return results, After(last.score, last.SearchDocument.id) if last else None
