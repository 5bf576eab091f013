"""A live server with the demo network, its mail sent over real SMTP, and Debian's Chromium."""

import os
import secrets
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from workspace import create_app, migrations
from workspace.demo import load

from .accounts import sign_in_page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, headless unless --headed. Missing: skip locally, fail in CI."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing"
        if os.environ.get("CI") == "true":
            pytest.fail(message + ": CI must run the browser tests")
        pytest.skip(message)
    return {
        "headless": True,
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url():
    """Replaces pytest-playwright's fallback ``base_url`` (an instance-method fixture that
    pytest 9 deprecates, an error here); each test's base URL is its live server's."""
    return None


@pytest.fixture
def browser_context_args(browser_context_args, live_server):
    """Pages open relative URLs on the live server, in English."""
    return {**browser_context_args, "base_url": live_server.url, "locale": "en-GB"}


@pytest.fixture
def live_server(tmp_path):
    """The app on 127.0.0.1 with a free port, CSRF on, the demo network in a SQLite file."""
    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(16),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}",
            "MAIL_SERVER": None,
            "RATELIMIT_STORAGE_URI": "memory://",
            "WTF_CSRF_ENABLED": True,
        },
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        migrations.upgrade(app)
        load()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = url  # where links in e-mails lead
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    yield SimpleNamespace(app=app, url=url)
    server.shutdown()
    thread.join()
    server.server_close()
    app.extensions["db_engine"].dispose()


@pytest.fixture
def mailbox(live_server, smtp_server):
    """The mails the live app sends, over SMTP, to the real server of tests/conftest.py."""
    live_server.app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    return smtp_server.mailbox.messages


@pytest.fixture
def sign_in(page):
    """Signs in through the form as a demo account, e.g. ``sign_in("admin")``, and waits
    until the browser has left the sign-in page."""

    def sign_in_as(account: str):
        sign_in_page(page, account)

    return sign_in_as
