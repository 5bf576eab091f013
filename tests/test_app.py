"""The application shell: configuration, storage settings, health, headers, front end."""

import os
import re
import stat
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import make_test_app, make_user
from workspace import create_app
from workspace.config import secret_key
from workspace.models import DataVersion

ROOT = Path(__file__).resolve().parent.parent


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = secret_key(tmp_path)
    assert len(first) >= 64
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600
    assert secret_key(tmp_path) == first


def test_secret_key_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert secret_key(tmp_path) == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_default_database_is_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'workspace.db'}"
    app.extensions["db_engine"].dispose()


def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "instance")
    with app.extensions["db_engine"].connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") >= 5000
    app.extensions["db_engine"].dispose()


def test_concurrent_sqlite_writers_wait_instead_of_failing(tmp_path):
    """Two requests that read then write at the same time: with deferred transactions one
    would fail at once with "database is locked"; ours take the write lock up front."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    app = make_test_app(url, tmp_path / "instance")
    engine = app.extensions["db_engine"]
    with engine.begin() as conn:
        DataVersion.__table__.create(conn)  # every commit that writes sets a new one
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    errors, barrier = [], threading.Barrier(8)

    def increment():
        try:
            with app.test_request_context(method="POST"):
                barrier.wait()
                with engine.begin() as conn:
                    n = conn.exec_driver_sql("SELECT n FROM counter").scalar()
                    conn.exec_driver_sql("UPDATE counter SET n = ?", (n + 1,))
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=increment) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM counter").scalar() == 8
    engine.dispose()


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path):
    app = make_test_app("sqlite:////nonexistent/folder/x.db", tmp_path / "instance")
    assert app.test_client().get("/healthz").status_code == 503


@pytest.mark.parametrize("path", ["/signin", "/no-such-page", "/static/css/workspace.css"])
def test_security_headers_on_every_response(client, path):
    with client.get(path) as response:
        headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_signed_in_pages_are_not_cached(client, auth, session):
    auth.as_user(make_user("ana@example.org"))
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_session_cookie_is_http_only_and_same_site(client, session):
    make_user("ana@example.org")
    response = client.post(
        "/signin", data={"email": "ana@example.org", "password": "a fine long passphrase 7"}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_have_no_inline_script_or_style(client, auth, world):
    auth.as_user(world.admin)
    for path in ["/signin", "/", f"/pairs/{world.pair.id}", "/profile", "/admin/pairs"]:
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert "<style" not in html and " style=" not in html, path
        assert not re.search(r"\son[a-z]+=", html), path


def test_htmx_is_vendored_and_configured_safely(client):
    html = client.get("/signin").text
    (src,) = re.findall(r'<script src="(/static/vendor/htmx-[^"]+)"', html)
    assert (ROOT / src.lstrip("/")).stat().st_size > 10_000
    assert '"selfRequestsOnly": true' in html
    assert '"allowEval": false' in html
    assert '"includeIndicatorStyles": false' in html
    assert "X-CSRFToken" in html  # hx-headers on <body>: every htmx request carries it


def test_post_without_a_csrf_token_is_refused(tmp_path, database_url):
    app = make_test_app(database_url, tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert client.post("/language", data={"language": "fr"}).status_code == 400
    page = client.get("/signin").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
    response = client.post("/language", data={"language": "fr", "csrf_token": token.group(1)})
    assert response.status_code == 302
    response = client.post(
        "/language", data={"language": "fr"}, headers={"X-CSRFToken": token.group(1)}
    )
    assert response.status_code == 302
    app.extensions["db_engine"].dispose()


def test_errors_are_friendly_and_reveal_nothing(app, client, auth, session):
    auth.as_user(make_user("ana@example.org"))

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert "Incident reference" in response.text


def test_database_url_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    app = create_app(instance_path=str(tmp_path))
    assert sa.make_url(app.config["DATABASE_URL"]).database.endswith("other.db")
    app.extensions["db_engine"].dispose()
