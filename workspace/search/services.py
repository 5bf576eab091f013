"""Searching: the user's words, made safe, matched against ``search_document`` through the
database's full-text index, ranked, highlighted, limited to what the user may see (the
condition comes from ``policy.searchable_documents``) and paged."""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload

from .. import db, policy
from ..models import Cluster, Membership, Pair, SearchDocument, SearchKind, cluster_consultant
from .index import PG_CONFIGS, pg_config

PAGE_SIZE = 20
MAX_OFFSET = 200  # ten pages: past that, the user should say more precisely what they want
MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
# Private-use characters mark the matches in snippets; the text is escaped afterwards and
# only these markers become <mark>.
START, STOP = "\ue000", "\ue001"
_WORD = re.compile(r"\w+")
_MARKERS = re.compile(f"([{START}{STOP}])")


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


def _sqlite_query(words, conditions, offset):
    fts = sa.table("search_fts", sa.column("rowid"))
    match = sa.literal_column("search_fts").op("MATCH")(" ".join(f'"{w}"' for w in words))
    rank = sa.func.bm25(sa.literal_column("search_fts"), 10.0, 1.0)
    joined = fts.join(D, D.id == fts.c.rowid)
    page = (
        sa.select(D.id)
        .select_from(joined)
        .where(match, *conditions)
        .order_by(rank, D.id)
        .limit(PAGE_SIZE + 1)
        .offset(offset)
    )
    fts_column = sa.literal_column("search_fts")
    return (
        sa.select(
            D,
            Cluster.name.label("cluster_name"),
            sa.func.highlight(fts_column, 0, START, STOP).label("title_marked"),
            sa.func.snippet(fts_column, 1, START, STOP, "…", 24).label("snippet_marked"),
        )
        .select_from(joined)
        .outerjoin(Cluster, Cluster.id == D.cluster_id)
        .where(match, fts.c.rowid.in_(page))
        .order_by(rank, D.id)
    )


def _pg_query(words, conditions, offset):
    text = " ".join(words)
    every = [sa.literal_column(f"'{name}'::regconfig") for name in [*PG_CONFIGS.values(), "simple"]]
    tsquery = sa.func.plainto_tsquery(every[0], text)
    for config in every[1:]:
        tsquery = tsquery.op("||")(sa.func.plainto_tsquery(config, text))
    rank = sa.func.ts_rank(D.tsv, tsquery).label("rank")
    page = (
        sa.select(D.id, rank)
        .where(D.tsv.op("@@")(tsquery), *conditions)
        .order_by(rank.desc(), D.id)
        .limit(PAGE_SIZE + 1)
        .offset(offset)
        .subquery()
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
        .order_by(page.c.rank.desc(), D.id)
    )


def search(user, query: str, pair_id=None, kind=None, offset=0) -> tuple[list[Result], bool]:
    """One page of results (best first) and whether there are more: one SQL statement."""
    words = terms(query)
    if not words:
        return [], False
    offset = max(0, min(offset, MAX_OFFSET))
    conditions = _filters(user, pair_id, kind)
    build = _pg_query if db.session.get_bind().dialect.name == "postgresql" else _sqlite_query
    rows = db.session.execute(build(words, conditions, offset)).all()
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
    more = len(rows) > PAGE_SIZE and offset + PAGE_SIZE <= MAX_OFFSET
    return results, more
