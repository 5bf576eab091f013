"""The search index: one plain-text document per searchable object (DESIGN §3, Search).

Kept up to date by ``workspace.search.index`` (session events) and rebuilt by
``flask --app wsgi search reindex``. The full-text parts depend on the database: on SQLite an
FTS5 table ``search_fts`` over this table, kept in sync by triggers; on PostgreSQL the
``tsv`` column (a ``tsvector`` in the document's language configuration) with a GIN index.
Both are created by ``workspace.search.schema`` (with ``create_all`` and in the migration).
"""

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, code_enum, utcnow


class SearchKind(enum.StrEnum):
    THREAD = "thread"
    POST = "post"
    TASK = "task"
    EVENT = "event"
    SECTION = "section"  # one text (source or translation) of a plan section


class SearchDocument(Base):
    """What search sees of one object, with the facts access depends on (pair, cluster,
    core-team only, hidden), so that access is decided inside the search query."""

    __tablename__ = "search_document"
    __table_args__ = (
        UniqueConstraint("kind", "object_id", name="kind_object"),
        Index("ix_search_document_pair_id", "pair_id"),
        Index("ix_search_document_tsv", "tsv", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SearchKind] = mapped_column(code_enum(SearchKind))
    object_id: Mapped[int]
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"))
    # Set for cluster threads (and their posts) only; a pair's cluster is read from the pair.
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("thread.id", ondelete="CASCADE"), index=True
    )
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    section_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_section.id", ondelete="CASCADE"), index=True
    )
    core_only: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(10), default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # plain text, never HTML
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # PostgreSQL: the document's tsvector; unused (NULL) on SQLite, which has search_fts.
    tsv: Mapped[str | None] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))

    def __repr__(self) -> str:
        return f"<SearchDocument {self.kind} {self.object_id}>"


# The database-specific parts ---------------------------------------------------------

FTS_TABLE = "search_fts"

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "title, body, content='search_document', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS search_document_ai AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS search_document_ad AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS search_document_au AFTER UPDATE OF title, body "
    "ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_document_au",
    "DROP TRIGGER IF EXISTS search_document_ad",
    "DROP TRIGGER IF EXISTS search_document_ai",
    "DROP TABLE IF EXISTS search_fts",
]


def install(execute, dialect_name: str) -> None:
    """Create the FTS parts; ``execute`` runs one SQL string (``op.execute`` or a
    connection's ``exec_driver_sql``)."""
    if dialect_name == "sqlite":
        for statement in SQLITE_CREATE:
            execute(statement)


def uninstall(execute, dialect_name: str) -> None:
    if dialect_name == "sqlite":
        for statement in SQLITE_DROP:
            execute(statement)


def include_name(name, type_, parent_names) -> bool:
    """For Alembic's autogenerate: the FTS5 table and its shadow tables are not models."""
    return not (type_ == "table" and name and name.startswith(FTS_TABLE))


@event.listens_for(SearchDocument.__table__, "after_create")
def _after_create(target, connection, **kw):
    install(connection.exec_driver_sql, connection.dialect.name)


@event.listens_for(SearchDocument.__table__, "before_drop")
def _before_drop(target, connection, **kw):
    uninstall(connection.exec_driver_sql, connection.dialect.name)
