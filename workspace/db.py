"""The database: one engine per app, one session per app context, commit once."""

import math
import time

import click
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import create_engine, event, exc, make_url
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


def _configure_sqlite(engine: Engine, statement_timeout: float | None) -> None:
    busy_ms = SQLITE_BUSY_TIMEOUT_MS
    if statement_timeout:
        busy_ms = min(busy_ms, int(statement_timeout * 1000))

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, record):
        # We issue BEGIN ourselves (below), so the driver must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        if statement_timeout:
            # SQLite has no statement timeout: a progress handler, called every few thousand
            # steps of its virtual machine, interrupts a statement past its deadline (the
            # error is "interrupted"). Waiting for a lock is bounded by busy_timeout above.
            deadline = record.info["deadline"] = [math.inf]
            dbapi_connection.set_progress_handler(lambda: time.monotonic() > deadline[0], 10_000)

    if statement_timeout:

        @event.listens_for(engine, "before_cursor_execute")
        def start_clock(connection, _cursor, _statement, _parameters, _context, _executemany):
            connection.info["deadline"][0] = time.monotonic() + statement_timeout

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A request that may write takes the write lock at its first statement. Two
        # deferred transactions that both read and then try to write would deadlock, and
        # SQLite answers that with an immediate "database is locked" instead of waiting.
        # Reads (GET) stay deferred so they never wait for a writer under WAL.
        reads_only = has_request_context() and request.method in SAFE_METHODS
        connection.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")


def make_engine(url: str, statement_timeout: float | None = None) -> Engine:
    """The engine; ``statement_timeout`` (seconds) cuts off a statement that runs or waits
    for a lock longer than that (an OperationalError, answered 503 by workspace/errors.py)."""
    if url.startswith("sqlite"):
        busy = min(SQLITE_BUSY_TIMEOUT_MS / 1000, statement_timeout or math.inf)
        engine = create_engine(url, connect_args={"timeout": busy})
        _configure_sqlite(engine, statement_timeout)
        return engine
    if statement_timeout and url.startswith("postgresql"):
        # Given to the server at connection time, after any options already in the URL.
        parsed = make_url(url)
        options = parsed.query.get("options") or ""
        timeout = f"-c statement_timeout={int(statement_timeout * 1000)}"
        url = parsed.update_query_dict({"options": f"{options} {timeout}".strip()})
    # pre_ping: a connection left over from before a database restart is replaced, not used.
    return create_engine(url, pool_pre_ping=True)


def unavailable(error: BaseException) -> bool:
    """Whether an error means the database is out of reach for now (down, restarting, locked
    or too slow) rather than a bug: the request is answered 503 and may be tried again."""
    if isinstance(error, exc.OperationalError | exc.TimeoutError):
        return True
    return isinstance(error, exc.DBAPIError) and error.connection_invalidated


def init_app(app: Flask) -> None:
    limit = app.config.get("DATABASE_STATEMENT_TIMEOUT")
    if click.get_current_context(silent=True) is not None:
        # A `flask` command (migrations, synthetic data, backups) may rightly run long
        # statements, and no gunicorn timeout hangs over it: no limit there.
        limit = None
    engine = make_engine(app.config["DATABASE_URL"], limit)
    app.extensions["db_engine"] = engine

    # Anything not committed by the view is rolled back here.
    app.teardown_request(_end_unit_of_work)
    app.teardown_appcontext(_end_unit_of_work)


def _end_unit_of_work(_exc=None) -> None:
    """Rolls back what was not committed. A connection the server dropped (PostgreSQL
    restarting) can't roll back: it is thrown away, rather than turning the answer (a clean
    503 from workspace/errors.py) into a 500."""
    try:
        session.remove()
    except exc.DBAPIError as error:
        if not unavailable(error):
            raise
        try:
            session.registry().invalidate()
        finally:
            session.registry.clear()


def cache() -> dict:
    """A dict that lives as long as the current unit of work (one request)."""
    return session().info.setdefault("cache", {})


def engine_for(app: Flask) -> Engine:
    return app.extensions["db_engine"]
