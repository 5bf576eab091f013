"""Configuration read from the environment, with safe local defaults."""

import os
import secrets
from email.utils import parseaddr
from pathlib import Path

LANGUAGES = ("en", "fr", "nl", "it")


def secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance_path / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    # O_EXCL: when several workers start at once, only one writes; the others read its key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def from_environment(instance_path: Path) -> dict:
    env = os.environ.get
    return {
        "SECRET_KEY": secret_key(instance_path),
        "DATABASE_URL": env("DATABASE_URL") or f"sqlite:///{instance_path / 'workspace.db'}",
        "MAIL_SERVER": env("MAIL_SERVER"),
        "MAIL_PORT": int(env("MAIL_PORT", "25")),
        "MAIL_USE_TLS": env("MAIL_USE_TLS", "").lower() in ("1", "true", "yes"),
        "MAIL_USERNAME": env("MAIL_USERNAME"),
        "MAIL_PASSWORD": env("MAIL_PASSWORD"),
        "MAIL_SENDER": env("MAIL_SENDER", "Mentoring workspace <workspace@localhost>"),
        # Where people write about accessibility barriers and about their data; by default
        # the address mails come from (workspace/privacy/notices.py).
        "ACCESSIBILITY_CONTACT": env("ACCESSIBILITY_CONTACT")
        or parseaddr(env("MAIL_SENDER", "workspace@localhost"))[1],
        "PRIVACY_CONTACT": env("PRIVACY_CONTACT")
        or parseaddr(env("MAIL_SENDER", "workspace@localhost"))[1],
        # Where people reach the workspace; used for links in mails sent outside a request.
        "PUBLIC_URL": env("PUBLIC_URL", "http://127.0.0.1:5000"),
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI", "memory://"),
        "SESSION_COOKIE_SECURE": env("SESSION_COOKIE_SECURE", "").lower() in ("1", "true"),
        # How many reverse proxies in front of us set X-Forwarded-*; 0 trusts none of them,
        # so a spoofed X-Forwarded-For can't dodge the per-address rate limits.
        "FORWARDED_PROXIES": int(env("FORWARDED_PROXIES", "0")),
        # Rendered pages kept while the data is unchanged (workspace/page_cache.py): in each
        # worker (memory://, at most PAGE_CACHE_BYTES) or shared in Redis (redis://…, pages
        # up to PAGE_CACHE_BYTES each); PAGE_CACHE_BYTES=0 turns the cache off.
        "PAGE_CACHE_URL": env("PAGE_CACHE_URL", "memory://"),
        "PAGE_CACHE_BYTES": int(env("PAGE_CACHE_BYTES", str(32 * 1024 * 1024))),
        # Seconds one SQL statement may run (or wait for a lock) before it is cut off and the
        # request answered 503; kept well below gunicorn's timeout (gunicorn.conf.py), which
        # would kill the whole worker instead.
        "DATABASE_STATEMENT_TIMEOUT": float(
            env("DATABASE_STATEMENT_TIMEOUT") or statement_timeout(env("GUNICORN_TIMEOUT", "30"))
        ),
    }


def statement_timeout(gunicorn_timeout: str) -> float:
    """Two thirds of gunicorn's timeout: room left to answer the 503 before the worker is cut."""
    return max(1.0, float(gunicorn_timeout) * 2 / 3)


DEFAULTS = {
    "LANGUAGES": LANGUAGES,
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    "DEFAULT_USER_TIMEZONE": "Europe/Brussels",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "MAX_ATTACHMENT_BYTES": 10 * 1024 * 1024,  # per attached file (workspace/attachments.py)
    "INVITATION_DAYS": 14,
    "PASSWORD_RESET_SECONDS": 3600,
    "RATELIMIT_HEADERS_ENABLED": False,
    "RATELIMIT_STRATEGY": "moving-window",
}
