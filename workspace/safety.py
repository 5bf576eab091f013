"""Small guards shared by several areas."""

from urllib.parse import urlsplit

from flask import Flask, abort, request
from flask import Request as FlaskRequest
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter


def safe_next_url(target: str | None) -> str | None:
    """A ?next= target only when it stays on our origin: a path, never another host."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


# Numbers and text from a request that the database could not take -----------------------------

# Ids, counts and cursors are INTEGER columns: 32-bit on PostgreSQL (64-bit on SQLite). A
# value beyond that is no row, not a 500 ("integer out of range").
DB_INT_MAX = 2**31 - 1


def db_int(value) -> int:
    """``int(value)``, refusing (ValueError) what no integer column can hold."""
    number = int(value)
    if not -DB_INT_MAX - 1 <= number <= DB_INT_MAX:
        raise ValueError("out of the database's range")
    return number


class RequestParameters(ImmutableMultiDict):
    """Query and form values: ``.get(name, type=int)`` gives the default, as for any value
    that is not a number, for a number no integer column can hold."""

    def get(self, key, default=None, type=None):
        return super().get(key, default, db_int if type is int else type)


class Request(FlaskRequest):
    parameter_storage_class = RequestParameters


class DbIntConverter(IntegerConverter):
    """``<int:id>`` in a URL: beyond an integer column, no route matches (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=DB_INT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _has_nul(values) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values)


def init_app(app: Flask) -> None:
    """Before any route is added: ids in URLs, query strings and forms stay in the
    database's range, and a NUL character (which PostgreSQL cannot store in text, and which
    no form of ours asks for) is refused with 400 before a view sees it."""
    app.request_class = Request
    app.url_map.converters["int"] = DbIntConverter

    @app.before_request
    def refuse_nul_characters():
        if _has_nul(request.args.items(multi=True)) or (
            request.method != "GET" and _has_nul(request.form.items(multi=True))
        ):
            abort(400)
