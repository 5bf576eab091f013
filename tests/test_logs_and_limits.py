"""Secrets never reach the logs, and brute force is limited on every door (issue 5, items 4
and 5), beyond tests/test_auth.py (sign-in limits) and tests/test_rate_limits.py (Redis):

- passwords, session cookies, CSRF tokens and reset / invitation / calendar tokens are in no
  log record of the app during sign-in, reset, invitation acceptance and a 500 — nor in the
  access log of the dev server or of gunicorn (with gunicorn.conf.py), even as a referrer;
- the reset request and invitation acceptance are limited per account and per address, a
  spoofed X-Forwarded-For does not reset the count, and guessing link tokens is limited;
- the limiter's storage is the one RATELIMIT_STORAGE_URI names (Redis for several workers).
"""

import logging
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from conftest import PASSWORD, free_port, link_in, make_test_app, make_user, outbox
from workspace import create_app, db
from workspace.auth import services as accounts
from workspace.extensions import limiter
from workspace.models import Base, User

ROOT = Path(__file__).resolve().parent.parent
NEW_PASSWORD = "gentle rivers carry old maps"
INVITED_PASSWORD = "quiet lanterns above the harbour"


@pytest.fixture
def csrf_app(database_url, tmp_path):
    """CSRF on, so that the tokens really travel; a route that fails."""
    app = make_test_app(database_url, tmp_path / "instance", WTF_CSRF_ENABLED=True)

    @app.post("/boom")
    def boom():
        raise RuntimeError("the request failed")

    with app.app_context():
        yield app
    limiter.reset()
    app.extensions["db_engine"].dispose()


def _csrf(client, path="/signin") -> str:
    page = client.get(path).text
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def test_no_secret_reaches_the_app_log(csrf_app, session, caplog):
    app = csrf_app
    admin = make_user("admin@example.org", is_admin=True)
    make_user("ana@example.org")
    session.commit()
    admin_id = admin.id
    secrets = {PASSWORD, NEW_PASSWORD, INVITED_PASSWORD}
    client = app.test_client()
    with caplog.at_level(logging.DEBUG):
        # A failed and a good sign-in.
        token = _csrf(client)
        secrets.add(token)
        client.post("/signin", data={"email": "ana@example.org", "password": "wrong " + PASSWORD})
        response = client.post(
            "/signin", data={"email": "ana@example.org", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
        secrets.add(client.get_cookie("session", domain="workspace.test").value)
        # A 500 in a request that carries the cookie, the CSRF token and a password.
        response = client.post(
            "/boom",
            data={"password": PASSWORD, "csrf_token": token},
            headers={"X-CSRFToken": token},
        )
        assert response.status_code == 500
        # A password reset, asked and done.
        visitor = app.test_client()
        visitor.post(
            "/password/forgot",
            data={"email": "ana@example.org", "csrf_token": _csrf(visitor, "/password/forgot")},
        )
        link = link_in(outbox(app)[-1])
        secrets.add(link.rsplit("/", 1)[1])
        response = visitor.post(
            link,
            data={
                "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
                "csrf_token": _csrf(visitor, link),
            },
        )
        assert response.status_code == 302
        # An invitation, sent and accepted.
        with app.test_request_context():
            inviter = db.session.get(User, admin_id)
            accounts.invite("newcomer@example.org", inviter, "en", as_admin=True)
            db.session.commit()
        link = link_in(outbox(app)[-1])
        secrets.add(link.rsplit("/", 1)[1])
        newcomer = app.test_client()
        response = newcomer.post(
            link,
            data={
                "name": "New Comer",
                "language": "en",
                "password": INVITED_PASSWORD,
                "confirm": INVITED_PASSWORD,
                "csrf_token": _csrf(newcomer, link),
            },
        )
        assert response.status_code == 302, response.text[:500]
        secrets.add(newcomer.get_cookie("session", domain="workspace.test").value)
    assert any(r.exc_info for r in caplog.records)  # the 500 was logged, with its traceback
    logged = caplog.text + "\n".join(
        f"{r.getMessage()} {r.args!r} {getattr(r, 'exc_text', '')}" for r in caplog.records
    )
    assert_no_secret(logged, secrets)


def assert_no_secret(text: str, secrets: set[str]):
    for secret in secrets:
        assert secret not in text, f"a secret reached the log: {secret[:6]}…"


# Access logs ------------------------------------------------------------------------------

TOKENS = ("resetSECRET0123456789", "inviteSECRET0123456789", "feedSECRET0123456789")


def _paths_with_tokens() -> list[str]:
    reset, invite, feed = TOKENS
    return [f"/password/reset/{reset}", f"/invitations/{invite}", f"/calendar/{feed}.ics"]


def _fetch(url: str, referer: str | None = None) -> int:
    headers = {"Referer": referer} if referer else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_dev_servers_access_log_leaves_out_link_tokens(app, caplog):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            for path in _paths_with_tokens():
                assert _fetch(base + path) in (404, 200)
                # the next page's assets carry the token-bearing page as referrer
                _fetch(base + "/static/css/workspace.css", referer=base + path)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert len(lines) >= 6, lines
    assert any("/password/reset/[redacted]" in line for line in lines), lines
    assert_no_secret("\n".join(lines) + caplog.text, set(TOKENS))


def test_gunicorns_access_log_leaves_out_link_tokens_and_cookies(tmp_path):
    """gunicorn run with the project's gunicorn.conf.py, as in production (once, on SQLite)."""
    url = f"sqlite:///{tmp_path / 'g.db'}"
    engine = db.make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "DATABASE_URL": url,
        "SECRET_KEY": "gunicorn-test-secret",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    _fetch(base + "/healthz")
                    break
                except OSError:
                    assert time.monotonic() < deadline, log.read_text()
                    assert server.poll() is None, log.read_text()
                    time.sleep(0.2)
            for path in _paths_with_tokens():
                _fetch(base + path)
                request = urllib.request.Request(  # noqa: S310 (loopback)
                    base + "/static/css/workspace.css",
                    headers={"Referer": base + path, "Cookie": "session=cookieSECRET0123"},
                )
                urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 (loopback)
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = log.read_text()
    assert "/password/reset/[redacted]" in text, text  # the access log was written
    assert_no_secret(text, {*TOKENS, "cookieSECRET0123"})


# Brute force ------------------------------------------------------------------------------


def _from(app, address: str, **headers):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_reset_requests_are_limited_per_account(app, session):
    make_user("ana@example.org")
    session.commit()
    codes = [
        _from(app, f"10.3.0.{i}").post("/password/forgot", data={"email": "ana@example.org"})
        for i in range(4)
    ]
    assert [r.status_code for r in codes] == [302, 302, 302, 429]
    assert len(outbox(app)) == 3  # no more mail to the account than that
    assert "Too many attempts" in codes[-1].text


def test_reset_requests_are_limited_per_address_and_a_spoofed_forwarded_for_is_ignored(app):
    client = _from(app, "10.4.0.1")
    codes = [
        client.post(
            "/password/forgot",
            data={"email": f"u{i}@example.org"},
            headers={"X-Forwarded-For": f"192.0.2.{i}"},
        ).status_code
        for i in range(11)
    ]
    assert codes == [302] * 10 + [429]
    # Another address is not affected.
    assert (
        _from(app, "10.4.0.2").post("/password/forgot", data={"email": "x@example.org"}).status_code
        == 302
    )


def test_reset_and_invitation_forms_are_limited_per_address(app, session):
    admin = make_user("admin@example.org", is_admin=True)
    user = make_user("ana@example.org")
    session.commit()
    admin_id = admin.id
    with app.test_request_context():
        reset_link = f"/password/reset/{accounts.reset_token(user)}"
        inviter = db.session.get(User, admin_id)
        accounts.invite("newcomer@example.org", inviter, "en", as_admin=True)
        db.session.commit()
    invite_link = link_in(outbox(app)[-1])
    for link in (reset_link, invite_link):
        client = _from(app, "10.5.0.1")
        weak = {"name": "X", "language": "en", "password": "short", "confirm": "short"}
        codes = [
            client.post(link, data=weak, headers={"X-Forwarded-For": f"198.51.100.{i}"})
            for i in range(21)
        ]
        assert [r.status_code for r in codes] == [200] * 20 + [429], link
        # From another address the same link still works.
        assert _from(app, "10.5.0.2").get(link).status_code == 200


def test_guessing_link_tokens_is_limited_per_address(app, session):
    user = make_user("ana@example.org")
    session.commit()
    with app.test_request_context():
        valid = f"/password/reset/{accounts.reset_token(user)}"
    client = _from(app, "10.6.0.1")
    # Opening a real link again and again costs nothing ...
    assert {client.get(valid).status_code for _ in range(35)} == {200}
    # ... but made-up tokens run out.
    for prefix in ("/password/reset/", "/invitations/"):
        codes = [
            client.get(f"{prefix}guess{i}", headers={"X-Forwarded-For": f"192.0.2.{i}"})
            for i in range(31)
        ]
        assert [r.status_code for r in codes] == [404] * 30 + [429], prefix
    # Others are not affected.
    assert _from(app, "10.6.0.2").get("/invitations/guess").status_code == 404


def test_the_limit_store_is_the_configured_one(tmp_path, monkeypatch):
    """RATELIMIT_STORAGE_URI from the environment picks the storage every worker shares."""
    from limits.storage import MemoryStorage, RedisStorage
    from test_rate_limits import _redis_answers

    if not _redis_answers():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must test the shared rate limits: Redis is not answering")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    app = create_app({"TESTING": True}, instance_path=str(tmp_path / "i"))
    assert isinstance(limiter.storage, RedisStorage)
    assert limiter.storage.check()
    app.extensions["db_engine"].dispose()
    monkeypatch.delenv("RATELIMIT_STORAGE_URI")
    app = create_app({"TESTING": True}, instance_path=str(tmp_path / "j"))
    assert isinstance(limiter.storage, MemoryStorage)  # one worker alone: memory is enough
    app.extensions["db_engine"].dispose()
