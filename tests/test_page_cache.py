"""The page cache (workspace/page_cache.py): a repeated page is one indexed lookup, and
nothing that changed since, nor anyone else, ever gets it."""

import re

import sqlalchemy as sa
from test_threads import start

from workspace import db, page_cache
from workspace.models import DataVersion, Post, Thread, User
from workspace.threads import services

HOST = "workspace.test"  # SERVER_NAME in tests
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def statements_of(app, request):
    """The SQL statements one request runs, the data version a test commit sets aside."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if not statement.startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    engine = app.extensions["db_engine"]
    db.session.commit()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        response = request()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return response, seen


def token() -> int:
    db.session.expire_all()
    return db.session.get(DataVersion, 1).token


def test_a_repeated_page_is_one_lookup_with_a_fresh_csrf_token(app, client, auth, world):
    thread = start(world, body="Cached words")
    url = f"/threads/{thread.id}"
    auth.as_user(world.mentor)
    client.get("/")  # a new session's first page sets its CSRF secret: not kept
    first, rendered = statements_of(app, lambda: client.get(url))
    again, hit = statements_of(app, lambda: client.get(url))
    assert first.status_code == again.status_code == 200
    assert len(rendered) > 3 and "data_version" in rendered[0]
    assert hit == [rendered[0]], hit  # the token, by primary key: nothing else
    assert "Cached words" in again.text
    assert again.headers["Cache-Control"] == "no-store"
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    # Same page but for the CSRF tokens, which are this request's own and accepted.
    assert CSRF.sub("", again.text) == CSRF.sub("", first.text)
    csrf = CSRF.search(again.text).group(1)
    app.config["WTF_CSRF_ENABLED"] = True  # off in tests; this one checks the token
    refused = client.post(
        f"/threads/{thread.id}/reply",
        data={"csrf_token": csrf[:-2] + "xx", "body": "Forged", "language": "en"},
    )
    assert refused.status_code == 400
    reply = client.post(
        f"/threads/{thread.id}/reply",
        data={"csrf_token": csrf, "body": "Posted with a cached page token", "language": "en"},
    )
    assert reply.status_code in (200, 302, 303), reply.status_code
    assert "Posted with a cached page token" in client.get(url).text


def test_every_kind_of_write_shows_at_once(app, client, auth, world):
    thread = start(world, body="First words")
    auth.as_user(world.mentor)
    url = f"/threads/{thread.id}"
    assert "First words" in client.get(url).text
    # Through the ORM, committed outside any request.
    services.reply(thread, world.mentee, "A reply from the service", "en")
    db.session.commit()
    assert "A reply from the service" in client.get(url).text
    # A Core UPDATE, as bulk changes and compare-and-set steps write.
    db.session.execute(
        sa.update(type(thread)).where(type(thread).id == thread.id).values(title="Retitled")
    )
    db.session.commit()
    assert "Retitled" in client.get(url).text
    # Through another request.
    page = client.get(f"/pairs/{world.pair.id}/threads").text
    assert "Retitled" in page
    start(world, title="A second thread")
    assert "A second thread" in client.get(f"/pairs/{world.pair.id}/threads").text


def test_a_write_sets_a_new_token_and_a_read_or_a_rollback_does_not(app, world):
    before = token()
    db.session.execute(sa.select(Post.id)).all()
    db.session.commit()
    assert token() == before
    db.session.execute(sa.update(DataVersion).values(token=DataVersion.token))  # a write …
    db.session.rollback()  # … undone
    assert token() == before
    start(world)
    assert token() != before


def test_nobody_else_and_no_ended_session_gets_a_cached_page(app, client, auth, world):
    thread = start(world)
    url = f"/threads/{thread.id}"
    auth.as_user(world.mentor)
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # cached now
    auth.as_user(world.other_pair_member)
    assert client.get(url).status_code == 404
    auth.as_user(world.network_mentor)  # a core-team thread
    assert client.get(url).status_code == 404
    auth.as_user(world.mentor)
    assert client.get(url).status_code == 200
    world.mentor.end_all_sessions()  # a password reset elsewhere
    db.session.commit()
    response = client.get(url)
    assert response.status_code == 302 and "/signin" in response.headers["Location"]


def test_the_language_and_a_waiting_message_are_part_of_the_page(app, client, auth, world):
    thread = start(world)
    url = f"/threads/{thread.id}"
    auth.as_user(world.mentor)
    english = client.get(url).text
    with client.session_transaction() as s:
        s["locale"] = "fr"
    world.mentor.locale = None
    db.session.commit()
    french = client.get(url).text
    assert 'lang="fr"' in french and 'lang="en"' in english
    assert client.get(url).text == french or CSRF.sub("", client.get(url).text) == CSRF.sub(
        "", french
    )
    with client.session_transaction() as s:
        s["_flashes"] = [("success", "A message waiting to be shown")]
    assert "A message waiting to be shown" in client.get(url).text
    assert "A message waiting to be shown" not in client.get(url).text


def test_the_minute_and_htmx_headers_are_part_of_the_key(app, client, auth, world, monkeypatch):
    thread = start(world)
    url = f"/threads/{thread.id}"
    auth.as_user(world.mentor)
    client.get(url)
    client.get(url)
    _, hit = statements_of(app, lambda: client.get(url))
    assert len(hit) == 1
    _, htmx = statements_of(app, lambda: client.get(url, headers={"HX-Request": "true"}))
    assert len(htmx) > 1
    later = page_cache.time.time() + 60
    monkeypatch.setattr(page_cache.time, "time", lambda: later)
    _, next_minute = statements_of(app, lambda: client.get(url))
    assert len(next_minute) > 1


def test_the_cache_keeps_to_its_size(app):
    cache = page_cache.PageCache(max_bytes=100)
    entry = page_cache.Entry(b"x" * 40, 200, (), False)
    for key in "abc":
        cache.put(7, key, entry)
    assert list(cache.entries) == ["b", "c"] and cache.size == 80
    assert cache.get(7, "b") is entry
    cache.put(7, "d", entry)
    assert list(cache.entries) == ["b", "d"]
    assert cache.get(8, "b") is None and not cache.entries  # a new token: all gone
    cache.put(8, "big", page_cache.Entry(b"x" * 101, 200, (), False))
    assert not cache.entries


def test_turned_off_every_request_renders(tmp_path, database_url):
    from conftest import AuthActions, build_world, make_test_app

    app = make_test_app(database_url, tmp_path / "off", PAGE_CACHE_BYTES=0)
    with app.app_context():
        world = build_world()
        thread = start(world)
        client = app.test_client()
        AuthActions(client).as_user(world.mentor)
        client.get(f"/threads/{thread.id}")
        _, again = statements_of(app, lambda: client.get(f"/threads/{thread.id}"))
        assert len(again) > 3 and not any("data_version" in s for s in again)
    app.extensions["db_engine"].dispose()


def test_in_redis_pages_are_shared_by_hosts_and_redis_down_is_a_miss(tmp_path, database_url):
    """Two app instances (two hosts) on one database and one Redis (CI starts it on
    127.0.0.1:6379): what one rendered, the other serves; a write shows on both."""
    from conftest import AuthActions, build_world, make_test_app

    shared = {"SECRET_KEY": "one-key-for-every-host"}
    redis_url = "redis://127.0.0.1:6379/0"
    one = make_test_app(database_url, tmp_path / "one", PAGE_CACHE_URL=redis_url, **shared)
    two = make_test_app(database_url, tmp_path / "two", PAGE_CACHE_URL=redis_url, **shared)
    unreachable = "redis://127.0.0.1:1/0"
    down = make_test_app(database_url, tmp_path / "down", PAGE_CACHE_URL=unreachable, **shared)
    with one.app_context():
        world = build_world()
        thread = start(world, body="Shared words")
        thread_id, mentee_id, url = thread.id, world.mentee.id, f"/threads/{thread.id}"
        first = one.test_client()
        AuthActions(first).as_user(world.mentor)
        first.get("/")  # the session's CSRF secret is set: the next page is kept
        first.get(url)
        cookie = first.get_cookie("session", domain=HOST).value
    for app in (two, down):
        with app.app_context():
            client = app.test_client()
            client.set_cookie("session", cookie, domain=HOST)
            response, seen = statements_of(app, lambda c=client: c.get(url))
            assert response.status_code == 200 and "Shared words" in response.text
            assert (len(seen) == 1) is (app is two), seen  # a hit from Redis; a miss when down
    with one.app_context():
        thread, mentee = db.session.get(Thread, thread_id), db.session.get(User, mentee_id)
        services.reply(thread, mentee, "News", "en")
        db.session.commit()
    with two.app_context():
        client = two.test_client()
        client.set_cookie("session", cookie, domain=HOST)
        assert "News" in client.get(url).text
    for app in (one, two, down):
        app.extensions["db_engine"].dispose()
