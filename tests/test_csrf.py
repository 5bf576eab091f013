"""Sessions and CSRF, over every route of the access matrix: each state-changing request
without a CSRF token or with another session's token is refused — as a plain form and with
htmx — and changes nothing; a GET never changes data, even for the most privileged roles.

One world, with CSRF protection on, serves all requests (tests/test_access.py's MATRIX names
the requests; its ``populate`` functions the objects they touch)."""

import pytest
import sqlalchemy as sa
from access_rules import matrix_path
from flask_wtf.csrf import generate_csrf
from test_access import AREAS, MATRIX

from conftest import build_world, make_test_app
from workspace import db
from workspace.extensions import limiter
from workspace.models import Base

WRITES = ("POST", "PUT", "PATCH", "DELETE")
# Text editors that, on a CSRF failure, give the submitted text back instead of a bare 400
# (workspace/plans CSRF_RESCUES): they answer 200 with the editor, having saved nothing, or
# the 403/404 the editor itself would answer.
RESCUED = {"plans.edit_section", "plans.translate"}


@pytest.fixture
def app(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path / "instance", WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
    app.extensions["db_engine"].dispose()
    limiter.reset()


@pytest.fixture
def world(app):
    world = build_world()
    for area in AREAS:
        area.populate(world)
    db.session.commit()
    return world


def url(path, world) -> str:
    return matrix_path(path, world)


def snapshot() -> dict:
    """Every row of every table: what a refused request must leave exactly as it was."""
    db.session.commit()  # read what the requests committed, not an older snapshot
    return {
        table.name: sorted(map(repr, db.session.execute(sa.select(table)).all()))
        for table in Base.metadata.sorted_tables
    }


def row_counts() -> dict:
    db.session.commit()
    return {
        table.name: db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar()
        for table in Base.metadata.sorted_tables
    }


def foreign_token(app) -> str:
    """A valid token of another session: signed with our key, but not this session's."""
    with app.test_request_context():
        return generate_csrf()


def writes(world):
    for endpoint, requests in MATRIX.items():
        for method, path, data, _expect in requests:
            if method in WRITES:
                yield endpoint, method, url(path, world), data


def test_every_write_refuses_a_missing_or_foreign_token(app, client, auth, world):
    auth.as_user(world.admin)
    client.get("/")  # the session gets its own token
    foreign = foreign_token(app)
    cases = list(writes(world))
    assert len({endpoint for endpoint, *_ in cases}) > 50  # the matrix, not a sample
    before = snapshot()
    for endpoint, method, path, data in cases:
        for token in (None, foreign):
            for htmx in (False, True):
                form = dict(data or {})
                headers = {"HX-Request": "true"} if htmx else {}
                if token is not None:
                    form["csrf_token"] = token
                    headers["X-CSRFToken"] = token
                response = client.open(path, method=method, data=form, headers=headers)
                expected = {400, 200, 403, 404} if endpoint in RESCUED else {400}
                assert response.status_code in expected, (endpoint, token, htmx)
                if response.status_code == 200:
                    assert "nothing was saved" in response.text, endpoint
    assert snapshot() == before


def test_the_right_token_gets_through(app, client, auth, world):
    """The control for the test above: with this session's token, a write is accepted."""
    auth.as_user(world.mentor)
    client.get("/")
    with client.session_transaction() as s:
        raw = s["csrf_token"]
    with app.test_request_context():
        from flask import session

        session["csrf_token"] = raw
        token = generate_csrf()
    response = client.post("/language", data={"language": "fr", "csrf_token": token})
    assert response.status_code == 302
    response = client.post(
        "/language", data={"language": "nl"}, headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert response.status_code in {200, 302}


@pytest.mark.parametrize("role", ["admin", "mentor"])
def test_get_never_changes_data(client, auth, world, role):
    auth.as_user(getattr(world, role))
    before = row_counts()
    for endpoint, requests in MATRIX.items():
        for method, path, _data, _expect in requests:
            if method != "GET":
                continue
            for headers in ({}, {"HX-Request": "true"}):
                client.get(url(path, world), headers=headers)
                assert row_counts() == before, endpoint
