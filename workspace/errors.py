"""Friendly error pages, in the reader's language, with no internals."""

import logging
import secrets

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

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
        db.session.rollback()
        incident = secrets.token_hex(4)
        log.exception("incident %s", incident)
        return (
            render_template("errors/error.html", code=InternalServerError.code, incident=incident),
            500,
        )
