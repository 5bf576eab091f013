"""Friendly error pages, in the reader's language, with no internals."""

import logging
import secrets

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

from . import db

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
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
