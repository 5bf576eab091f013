"""Rendered pages kept, per process, for as long as nothing in the database changes.

Every transaction that writes gives the one row of ``data_version`` a new random token as it
commits (engine events below, so ORM sessions, Core statements and ``flask`` commands alike).
A view marked ``@cached_page`` is stored under that token and under everything else the
response depends on: the URL, the host, Accept-Language, the htmx headers, the session's
content (who is signed in with which session token, a chosen language) and the minute, since
pages compare with "now" (upcoming events, overdue tasks, who is editing). The next identical
request costs one indexed lookup of the token: no sign-in check, access decision or render,
because with the same data and the same session they would come out the same.

Any write anywhere changes the token and empties the cache, so a stale page cannot be served
(beyond the minute). The price is a short life when the whole programme writes often: the
cache serves repeated reads between writes (reloads, back and forth, htmx redraws).

The CSRF token in a stored page is replaced on every hit with the current request's.

Where pages are kept: in each worker's memory by default (``PAGE_CACHE_URL=memory://``; a
worker renders a page once for itself), or in Redis (``redis://…``), shared by every worker
and host, each page for two minutes at most. Either way the database's token decides whether
an entry is still good, so no worker ever depends on another's.
"""

import hashlib
import json
import logging
import secrets
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps

import sqlalchemy as sa
from flask import Flask, current_app, g, make_response, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import db

# Statements that do not change data; anything else (INSERT, UPDATE, DELETE, DDL, a WITH
# that might write) marks its transaction as a writer.
READ_ONLY = ("SELECT", "PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SHOW")
READ_TOKEN = sa.text("SELECT token FROM data_version WHERE id = 1")
SET_TOKEN = sa.text("UPDATE data_version SET token = :token WHERE id = 1")
FIRST_TOKEN = sa.text("INSERT INTO data_version (id, token) VALUES (1, :token)")
CSRF_MARK = b"\x00csrf\x00"
REDIS_SECONDS = 120  # a page in Redis outlives its token by no more than this
log = logging.getLogger("workspace.page_cache")
WROTE = "page_cache_wrote"
UNWATCHED = "page_cache_unwatched"


# The data version -----------------------------------------------------------------------


def _note_write(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    if UNWATCHED not in conn.info and not statement.lstrip()[:9].upper().startswith(READ_ONLY):
        conn.info[WROTE] = True


def _new_token_on_commit(conn) -> None:
    if conn.info.pop(WROTE, False):
        new_token(conn)
        conn.info.pop(WROTE, None)  # set again by the UPDATE itself


def _forget_writes(conn) -> None:
    conn.info.pop(WROTE, None)


def new_token(conn) -> None:
    """Gives the data a new version (also by hand, after a restore that bypasses us)."""
    token = {"token": secrets.randbits(62)}
    if conn.execute(SET_TOKEN, token).rowcount == 0:  # the row was truncated away (tests)
        conn.execute(FIRST_TOKEN, token)


@contextmanager
def unwatched(conn):
    """Writes on ``conn`` inside the block set no data version (migrations)."""
    conn.info[UNWATCHED] = True
    try:
        yield conn
    finally:
        conn.info.pop(UNWATCHED, None)
        conn.info.pop(WROTE, None)


def watch(engine: Engine) -> None:
    if not event.contains(engine, "commit", _new_token_on_commit):
        event.listen(engine, "after_cursor_execute", _note_write)
        event.listen(engine, "commit", _new_token_on_commit)
        event.listen(engine, "rollback", _forget_writes)


# The cache ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]
    has_csrf: bool

    def response(self):
        body = self.body
        if self.has_csrf:
            body = body.replace(CSRF_MARK, generate_csrf().encode())
        return current_app.response_class(body, self.status, list(self.headers))

    def dumps(self) -> bytes:
        head = json.dumps([self.status, self.headers, self.has_csrf]).encode()
        return head + b"\n" + self.body

    @classmethod
    def loads(cls, raw: bytes) -> "Entry":
        head, _newline, body = raw.partition(b"\n")
        status, headers, has_csrf = json.loads(head)
        return cls(body, status, tuple(map(tuple, headers)), has_csrf)


class PageCache:
    """Entries for one data token, least recently used dropped beyond ``max_bytes``."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.token: int | None = None
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()  # the dev server and tests run threads

    def _start(self, token: int) -> None:
        self.token, self.size = token, 0
        self.entries.clear()

    def get(self, token: int, key: str) -> Entry | None:
        with self.lock:
            if token != self.token:
                self._start(token)
                return None
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, token: int, key: str, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes:
            return
        with self.lock:
            if token != self.token:
                self._start(token)
            old = self.entries.pop(key, None)
            self.size += len(entry.body) - (len(old.body) if old else 0)
            self.entries[key] = entry
            while self.size > self.max_bytes:
                _key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped.body)


class RedisPageCache:
    """Entries shared by every worker and host: named by the token and a digest of the
    request's key (which holds the session's secrets), gone after ``REDIS_SECONDS``. Redis
    out of reach is a miss, not an error: the page is rendered."""

    def __init__(self, url: str, max_bytes: int):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.max_bytes = max_bytes
        self.errors = (redis.RedisError, OSError)

    @staticmethod
    def _name(token: int, key: str) -> str:
        return f"workspace:page:{token}:{hashlib.sha256(key.encode()).hexdigest()}"

    def get(self, token: int, key: str) -> Entry | None:
        try:
            raw = self.redis.get(self._name(token, key))
        except self.errors as error:
            log.warning("page cache: Redis unavailable (%s)", error)
            return None
        return Entry.loads(raw) if raw else None

    def put(self, token: int, key: str, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes:
            return
        try:
            self.redis.set(self._name(token, key), entry.dumps(), ex=REDIS_SECONDS)
        except self.errors as error:
            log.warning("page cache: Redis unavailable (%s)", error)


def request_key() -> str | None:
    """Everything a cached page's response depends on besides the data, or None when this
    request is not to be cached (signed out, or a message waiting to be shown)."""
    if "_user_id" not in session or "_flashes" in session:
        return None
    headers = request.headers
    htmx = [(k, v) for k, v in headers.items() if k[:3].lower() == "hx-"]
    return repr(
        (
            request.host,
            request.scheme,
            request.full_path,
            headers.get("Accept-Language"),
            headers.get("If-None-Match"),
            htmx,
            sorted(session.items()),
            int(time.time() // 60),
        )
    )


def _entry(response) -> Entry | None:
    """What is kept of a finished page: only an HTML 200 (or a 304 to the same validator)
    that left the session as it was and wrote nothing it didn't commit."""
    if (
        response.status_code not in (200, 304)
        or response.mimetype != "text/html"
        or response.direct_passthrough
        or response.is_streamed
        or session.modified
        or db.session().connection().info.get(WROTE)
        or "Set-Cookie" in response.headers
    ):
        return None
    body = response.get_data()
    csrf = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    has_csrf = bool(csrf) and csrf.encode() in body
    if has_csrf:
        body = body.replace(csrf.encode(), CSRF_MARK)
    # Personal pages are not kept by browsers or proxies (as workspace/security.py says for
    # every signed-in page; said here so that a hit needs no user loaded).
    headers = [
        (k, v) for k, v in response.headers.items() if k not in ("Content-Length", "Cache-Control")
    ]
    return Entry(body, response.status_code, (*headers, ("Cache-Control", "no-store")), has_csrf)


def cached_page(view):
    """Serves the view's page from the cache while the data and the request are the same.
    Goes above ``login_required``: a hit needs no user loaded."""

    @wraps(view)
    def cached(*args, **kwargs):
        cache: PageCache | RedisPageCache | None = current_app.extensions.get("page_cache")
        key = request_key() if cache is not None and request.method == "GET" else None
        token = db.session.execute(READ_TOKEN).scalar() if key is not None else None
        if token is None:
            return view(*args, **kwargs)
        if (entry := cache.get(token, key)) is not None:
            return entry.response()
        response = make_response(view(*args, **kwargs))
        if (entry := _entry(response)) is not None:
            cache.put(token, key, entry)
        return response

    return cached


def init_app(app: Flask) -> None:
    watch(db.engine_for(app))
    size, url = app.config["PAGE_CACHE_BYTES"], app.config["PAGE_CACHE_URL"]
    if not size:
        return
    if url.startswith(("redis://", "rediss://", "unix://")):
        app.extensions["page_cache"] = RedisPageCache(url, size)
    elif url == "memory://":
        app.extensions["page_cache"] = PageCache(size)
    else:
        raise ValueError(f"PAGE_CACHE_URL is memory:// or redis://…, not {url!r}")
