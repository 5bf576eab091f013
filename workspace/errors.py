"""Friendly error pages, in the reader's language, with no internals."""

import logging
import secrets

from flask import Flask, current_app, g, render_template, request, session
from flask_babel import force_locale
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    RequestEntityTooLarge,
    ServiceUnavailable,
)

from . import db
from .attachments import format_size, max_bytes, max_request_bytes

log = logging.getLogger(__name__)


def _too_large_upload():
    """A form with files over MAX_CONTENT_LENGTH: Werkzeug refuses it before any view runs
    (so nothing was saved); say the limit and how to get the text back."""
    referrer = request.referrer or ""
    same_site = referrer.startswith(request.host_url)
    rule = request.url_rule
    if same_site:
        back = referrer
    elif rule is not None and "GET" in (rule.methods or ()):
        back = request.path
    else:
        back = None
    page = render_template(
        "errors/too_large.html",
        code=RequestEntityTooLarge.code,
        limit=format_size(max_request_bytes()),
        each=format_size(max_bytes()),
        back=back,
    )
    return page, RequestEntityTooLarge.code


def _database_unavailable(error: Exception):
    """The database is down, restarting, locked or too slow: a 503 that asks to try again in
    a moment. Rendered without touching the database: the reader counts as signed out for
    this page (their loaded preferences are kept for its language)."""
    user = g.get("_login_user")
    loaded = getattr(user, "__dict__", {})
    languages = current_app.config["LANGUAGES"]
    locale = loaded.get("locale") if loaded.get("locale") in languages else None
    if locale is None and session.get("locale") in languages:
        locale = session["locale"]
    locale = locale or request.accept_languages.best_match(languages) or "en"
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 (the connection is gone; it is dropped at teardown)
        log.debug("rollback after a database error failed", exc_info=True)
    g._login_user = current_app.login_manager.anonymous_user()
    reason = str(getattr(error, "orig", None) or error).splitlines()[0:1]
    log.warning("database unavailable (answered 503): %s", reason[0] if reason else "")
    with force_locale(locale):
        page = render_template("errors/error.html", code=ServiceUnavailable.code)
    headers = {"Retry-After": "5", "Cache-Control": "no-store"}
    return page, ServiceUnavailable.code, headers


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == RequestEntityTooLarge.code and request.mimetype == "multipart/form-data":
            return _too_large_upload()
        return render_template("errors/error.html", code=error.code), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        if db.unavailable(error):
            return _database_unavailable(error)
        db.session.rollback()
        incident = secrets.token_hex(4)
        log.exception("incident %s", incident)
        return (
            render_template("errors/error.html", code=InternalServerError.code, incident=incident),
            500,
        )
