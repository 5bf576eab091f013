"""Rate limits shared between workers through Redis (RATELIMIT_STORAGE_URI)."""

import os
import secrets
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import make_test_app

ROOT = Path(__file__).resolve().parent.parent
REDIS_URI = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_uri():
    if not _redis_answers():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must test the shared rate limits: Redis is not answering")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return REDIS_URI


def test_another_worker_process_sees_the_same_sign_in_limit(redis_uri, tmp_path):
    """A separate process (another gunicorn worker) spends the account's ten attempts;
    this process then finds the account limited."""
    account = f"target-{secrets.token_hex(6)}@example.org"
    worker = textwrap.dedent(
        f"""
        from conftest import make_test_app
        from pathlib import Path
        app = make_test_app("sqlite:///{tmp_path / "other.db"}", Path("{tmp_path / "other"}"),
                            RATELIMIT_STORAGE_URI="{redis_uri}")
        from workspace.models import Base
        Base.metadata.create_all(app.extensions["db_engine"])
        for i in range(10):
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"10.9.0.{{i}}"
            status = client.post("/signin", data={{"email": "{account}", "password": "x"}}).status_code
            assert status == 200, status
        app.extensions["db_engine"].dispose()
        """
    )
    subprocess.run(
        [sys.executable, "-W", "error", "-c", worker],
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])},
    )

    from workspace.models import Base

    app = make_test_app(
        f"sqlite:///{tmp_path / 'this.db'}", tmp_path / "this", RATELIMIT_STORAGE_URI=redis_uri
    )
    Base.metadata.create_all(app.extensions["db_engine"])
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.1.1"
    response = client.post("/signin", data={"email": account, "password": "x"})
    assert response.status_code == 429
    other = client.post("/signin", data={"email": "someone.else@example.org", "password": "x"})
    assert other.status_code == 200
    app.extensions["db_engine"].dispose()
