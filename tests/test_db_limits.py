"""A database statement that hangs (a slow query, a lock held elsewhere) is cut off well before
gunicorn would kill the worker, and the reader gets a clean 503 rather than a traceback or a
timeout; once the database answers again, so does the workspace (issue 6, item 5)."""

import runpy
import sqlite3
import time
from pathlib import Path

import click
import pytest
import sqlalchemy as sa

from conftest import DATABASES, make_test_app, make_user
from workspace import config
from workspace import db as database

ROOT = Path(__file__).resolve().parent.parent
# SQLite has no server that could drop a connection.
ONLY_POSTGRESQL = pytest.mark.parametrize(
    "database_url", [d for d in DATABASES if d != "sqlite"], indirect=True
)
LIMIT = 0.5  # seconds: DATABASE_STATEMENT_TIMEOUT for these tests


def test_the_statement_timeout_is_below_gunicorns_timeout(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_STATEMENT_TIMEOUT", raising=False)
    monkeypatch.delenv("GUNICORN_TIMEOUT", raising=False)
    gunicorn_timeout = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["timeout"]
    limit = config.from_environment(tmp_path)["DATABASE_STATEMENT_TIMEOUT"]
    assert 1 <= limit < gunicorn_timeout - 5
    monkeypatch.setenv("GUNICORN_TIMEOUT", "90")
    assert config.from_environment(tmp_path)["DATABASE_STATEMENT_TIMEOUT"] == 60
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "2.5")
    assert config.from_environment(tmp_path)["DATABASE_STATEMENT_TIMEOUT"] == 2.5


def _slow_statement(url: str) -> str:
    if url.startswith("sqlite"):
        # Counts to a billion: minutes of work for SQLite's virtual machine.
        return (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000)"
            " SELECT count(*) FROM n"
        )
    return "SELECT pg_sleep(30)"


def test_a_slow_statement_is_cut_off_and_the_connection_stays_usable(database_url):
    engine = database.make_engine(database_url, statement_timeout=LIMIT)
    try:
        with engine.connect() as conn:
            started = time.monotonic()
            with pytest.raises(sa.exc.OperationalError) as raised:
                conn.execute(sa.text(_slow_statement(database_url)))
            took = time.monotonic() - started
            assert LIMIT <= took + 0.05 < LIMIT + 2, took
            assert database.unavailable(raised.value)
            conn.rollback()
            # The next statement gets a fresh deadline.
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


def test_without_a_limit_nothing_is_cut(database_url):
    engine = database.make_engine(database_url)
    try:
        with engine.connect() as conn:
            quick = "SELECT 1" if database_url.startswith("sqlite") else "SELECT pg_sleep(0.6)"
            conn.execute(sa.text(quick))
    finally:
        engine.dispose()


@pytest.fixture
def limited_app(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path / "instance", DATABASE_STATEMENT_TIMEOUT=LIMIT)
    with app.app_context():
        yield app
    app.extensions["db_engine"].dispose()


class _Lock:
    """Another process's transaction that holds what a request needs: the write lock on
    SQLite, an exclusive lock on the accounts table on PostgreSQL."""

    def __init__(self, url: str):
        self.url = url

    def __enter__(self):
        if self.url.startswith("sqlite"):
            self.conn = sqlite3.connect(sa.make_url(self.url).database, isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("UPDATE user_account SET name = name")
        else:
            self.engine = sa.create_engine(self.url)
            self.conn = self.engine.connect()
            self.conn.execute(sa.text("LOCK TABLE user_account IN ACCESS EXCLUSIVE MODE"))
        return self

    def __exit__(self, *_exc):
        self.conn.rollback()
        self.conn.close()
        if not self.url.startswith("sqlite"):
            self.engine.dispose()


def test_a_request_blocked_by_a_lock_gets_a_clean_503_within_the_limit(limited_app, database_url):
    client = limited_app.test_client()
    user = make_user("ana@example.org", locale="fr")
    with client.session_transaction() as s:
        database.session.commit()
        s["_user_id"] = user.get_id()
        s["_fresh"] = True
    # A write on SQLite (reads never wait for the writer there); any request on PostgreSQL.
    request = (
        (lambda: client.post("/threads/1/read"))
        if database_url.startswith("sqlite")
        else (lambda: client.get("/"))
    )
    with _Lock(database_url):
        started = time.monotonic()
        response = request()
        took = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert took < LIMIT + 2, took
    assert response.headers["Retry-After"] == "5"
    assert response.headers["Cache-Control"] == "no-store"
    page = response.text
    assert 'lang="fr"' in page  # the reader's language, known before the database failed
    assert "Traceback" not in page and "OperationalError" not in page
    assert "sqlalchemy" not in page.lower()
    # The lock is gone: the same request is answered as usual.
    assert request().status_code in (200, 404)


@ONLY_POSTGRESQL
def test_a_connection_dropped_by_the_server_is_replaced_unnoticed(limited_app, database_url):
    """As after a PostgreSQL restart: the pooled connection is dead; pre-ping replaces it."""
    client = limited_app.test_client()
    user = make_user("ana@example.org")
    with client.session_transaction() as s:
        database.session.commit()
        s["_user_id"] = user.get_id()
        s["_fresh"] = True
    assert client.get("/").status_code == 200
    database.session.commit()
    engine = database.engine_for(limited_app)
    pids = _pooled_backends(engine)
    assert pids
    killer = sa.create_engine(database_url)
    with killer.begin() as conn:
        for pid in pids:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()
    assert client.get("/").status_code == 200


def _pooled_backends(engine) -> list[int]:
    """The server process ids of the connections resting in the engine's pool."""
    connections = []
    while engine.pool.checkedin():
        connections.append(engine.pool.connect())
    pids = [conn.dbapi_connection.info.backend_pid for conn in connections]
    for conn in connections:
        conn.close()
    return pids


@ONLY_POSTGRESQL
def test_a_transaction_whose_connection_died_ends_without_an_error(limited_app, database_url):
    """PostgreSQL restarting under a request: rolling back at the end of the request fails on
    the dead connection; the connection is thrown away and the answer stays the clean 503."""
    with limited_app.test_request_context("/"):
        database.session.execute(sa.text("SELECT 1"))  # a transaction is open
        pid = database.session.connection().connection.dbapi_connection.info.backend_pid
        killer = sa.create_engine(database_url)
        with killer.begin() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()
        time.sleep(0.2)
        database._end_unit_of_work()
        assert database.session.execute(sa.text("SELECT 1")).scalar() == 1
        database._end_unit_of_work()


def _limit_in_force(app) -> bool:
    engine = database.engine_for(app)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return "deadline" in conn.info
        return conn.execute(sa.text("SHOW statement_timeout")).scalar() != "0"


def test_flask_commands_run_without_the_limit(database_url, tmp_path):
    """Migrations, synthetic data and backups may rightly run long statements."""
    served = make_test_app(database_url, tmp_path / "a", DATABASE_STATEMENT_TIMEOUT=LIMIT)
    with click.Context(click.Command("demo")):
        command = make_test_app(database_url, tmp_path / "b", DATABASE_STATEMENT_TIMEOUT=LIMIT)
    try:
        assert _limit_in_force(served)
        assert not _limit_in_force(command)
    finally:
        database.engine_for(served).dispose()
        database.engine_for(command).dispose()
