"""The database: one engine per app, one session per app context, commit once."""

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _unit_of_work() -> int:
    """One session per request; outside requests (CLI, tests), one per app context.

    Not simply per app context: a request reuses an app context that is already pushed
    (as in tests), and must still get a fresh session and fresh per-request caches.
    """
    if has_request_context():
        return id(request._get_current_object())
    return id(g._get_current_object())


class AppSession(Session):
    """A session bound to the engine of the app in context (tests run several apps)."""

    def get_bind(self, *args, **kwargs):
        return current_app.extensions["db_engine"]


session: scoped_session[Session] = scoped_session(
    sessionmaker(class_=AppSession, expire_on_commit=False), scopefunc=_unit_of_work
)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # We issue BEGIN ourselves (below), so the driver must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A request that may write takes the write lock at its first statement. Two
        # deferred transactions that both read and then try to write would deadlock, and
        # SQLite answers that with an immediate "database is locked" instead of waiting.
        # Reads (GET) stay deferred so they never wait for a writer under WAL.
        reads_only = has_request_context() and request.method in SAFE_METHODS
        connection.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine

    # Anything not committed by the view is rolled back here.
    app.teardown_request(lambda _exc: session.remove())
    app.teardown_appcontext(lambda _exc: session.remove())


def cache() -> dict:
    """A dict that lives as long as the current unit of work (one request)."""
    return session().info.setdefault("cache", {})


def engine_for(app: Flask) -> Engine:
    return app.extensions["db_engine"]
