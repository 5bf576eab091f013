"""Security headers on every response, cookies marked Secure under HTTPS, and secrets kept
out of the logs."""

import logging
import re

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


# URL segments that are secrets: reset and invitation tokens, calendar feed tokens.
_SECRET_SEGMENT = re.compile(r"(/(?:password/reset|invitations|calendar)/)[^/\s?#\"']+")
# Headers that carry credentials, whatever an access-log format asks for.
SECRET_HEADERS = ("cookie", "set-cookie", "authorization", "x-csrftoken", "x-csrf-token")


def redact(text: str) -> str:
    """``text`` with every secret token in a URL replaced by ``[redacted]``."""
    return _SECRET_SEGMENT.sub(r"\1[redacted]", text)


class RedactingFilter(logging.Filter):
    """Takes secret tokens out of a log record's message (the dev server's access log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def uses_https(app: Flask) -> bool:
    """Whether this request came over HTTPS (directly or through the trusted proxy), or the
    workspace is configured to be reached over HTTPS only."""
    config = app.config
    if config.get("SESSION_COOKIE_SECURE") or config.get("PREFERRED_URL_SCHEME") == "https":
        return True
    if str(config.get("PUBLIC_URL") or "").startswith("https://"):
        return True
    return has_request_context() and request.is_secure


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the workspace runs over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return uses_https(app)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    access_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactingFilter) for f in access_log.filters):
        access_log.addFilter(RedactingFilter())

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # Personal pages must not be kept by the browser or a proxy (a page from
        # workspace/page_cache.py says so already, and has no user loaded).
        if (
            headers.get("Cache-Control") != "no-store"
            and request.endpoint != "static"
            and current_user
            and current_user.is_authenticated
        ):
            headers["Cache-Control"] = "no-store"
        return response
