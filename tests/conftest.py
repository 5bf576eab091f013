"""Fixtures: an app on a real database (SQLite always, PostgreSQL when TEST_DATABASE_URL is
set), a client, an ``auth`` helper, factories and a small world of every role."""

import contextvars
import os
import re
import secrets
import socket
from contextlib import contextmanager
from datetime import date
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as email_policy
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import event

from workspace import create_app
from workspace import db as database
from workspace.auth.services import hash_password
from workspace.models import (
    Base,
    Cluster,
    Membership,
    MentoringTheme,
    Organisation,
    OrganisationKind,
    Pair,
    PairStatus,
    Role,
    Side,
    User,
)

PASSWORD = "a fine long passphrase 7"
_PASSWORD_HASH = hash_password(PASSWORD)

PG_URL = os.environ.get("TEST_DATABASE_URL")
if os.environ.get("CI") == "true" and not PG_URL:
    raise pytest.UsageError("CI must run the PostgreSQL tests: set TEST_DATABASE_URL")
DATABASES = ["sqlite"] + (["postgresql"] if PG_URL else [])


@contextmanager
def postgres_schema(prefix: str):
    """The URL of a new, empty schema in the PostgreSQL test database, dropped afterwards:
    parallel runs and tests that empty their database never collide."""
    schema = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url():
    """The session's PostgreSQL schema, with every table."""
    with postgres_schema("test") as url:
        engine = sa.create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        yield url


class Client(FlaskClient):
    """Commits what the test has set up before each request, as a real user would find it,
    and lets the test read what the request wrote. Each request runs in a fresh context, as
    in production: it gets its own app context and ``g`` instead of the test's."""

    def open(self, *args, **kwargs):
        if not has_app_context():
            return super().open(*args, **kwargs)
        database.session.commit()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            database.session.expire_all()


def make_test_app(database_url: str, instance: Path, **config):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-" + secrets.token_hex(8),
            "DATABASE_URL": database_url,
            "WTF_CSRF_ENABLED": False,
            "MAIL_SERVER": None,
            "SERVER_NAME": "workspace.test",
            **config,
        },
        instance_path=str(instance),
    )
    app.test_client_class = Client
    return app


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        engine = database.make_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        yield url
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path / "instance")
    with app.app_context():
        yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    return database.session


class AuthActions:
    def __init__(self, client):
        self.client = client

    def sign_in(self, email: str, password: str = PASSWORD):
        return self.client.post("/signin", data={"email": email, "password": password})

    def as_user(self, user: User | None):
        """Start a session as this user without the sign-in form (it is rate-limited)."""
        database.session.commit()
        with self.client.session_transaction() as s:
            s.clear()
            if user is not None:
                s["_user_id"] = user.get_id()
                s["_fresh"] = True
        return user

    def sign_out(self):
        return self.client.post("/signout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


# Factories ------------------------------------------------------------------------------


def make_org(name: str, kind=OrganisationKind.CITY, country="BE") -> Organisation:
    org = Organisation(name=name, kind=kind, country=country)
    database.session.add(org)
    return org


def make_user(email: str, name: str | None = None, **extra) -> User:
    user = User(
        email=email,
        name=name or email.split("@")[0].replace(".", " ").title(),
        password_hash=_PASSWORD_HASH,
        locale=extra.pop("locale", "en"),
        **extra,
    )
    database.session.add(user)
    return user


def make_pair(mentor: str, mentee: str, cluster: Cluster | None = None, **extra) -> Pair:
    pair = Pair(
        mentor_city=make_org(mentor),
        mentee_city=make_org(mentee, country="FR"),
        cluster=cluster,
        mentoring_theme=extra.pop("mentoring_theme", MentoringTheme.CITY_FOR_ALL),
        themes=extra.pop("themes", ["housing"]),
        focus=extra.pop("focus", f"{mentor} helps {mentee}"),
        working_languages=extra.pop("working_languages", ["en", "fr"]),
        status=PairStatus.ACTIVE,
        starts_on=date(2021, 1, 1),
        **extra,
    )
    database.session.add(pair)
    return pair


def add_member(pair: Pair, user: User, role: Role, side: Side | None = None) -> Membership:
    from workspace.models import side_for

    membership = Membership(pair=pair, user=user, role=role, side=side_for(role, side))
    database.session.add(membership)
    return membership


ROLES = (
    "admin",
    "consultant",
    "other_consultant",
    "mentor",
    "mentee",
    "partner",
    "network_mentor",
    "network_mentee",
    "other_pair_member",
    "nobody",
)


@pytest.fixture
def world(app):
    return build_world()


def build_world() -> SimpleNamespace:
    """Pair A in cluster 1 with one person in every role; pair B in cluster 2."""
    c1, c2 = Cluster(name="Cluster one"), Cluster(name="Cluster two")
    database.session.add_all([c1, c2])
    pair = make_pair("Mentorville", "Menteeburg", cluster=c1)
    other_pair = make_pair("Elsewhere", "Faraway", cluster=c2)
    w = SimpleNamespace(pair=pair, other_pair=other_pair, cluster=c1, other_cluster=c2)
    w.admin = make_user("admin@example.org", "Ada Admin", is_admin=True)
    w.consultant = make_user("consultant@example.org", "Cora Consultant")
    w.other_consultant = make_user("other.consultant@example.org", "Otto Consultant")
    c1.consultants.append(w.consultant)
    c2.consultants.append(w.other_consultant)
    w.mentor = make_user("mentor@example.org", "Mona Mentor")
    w.mentee = make_user("mentee@example.org", "Manu Mentee")
    w.partner = make_user("partner@example.org", "Pat Partner")
    w.network_mentor = make_user("network.mentor@example.org", "Nina Network")
    w.network_mentee = make_user("network.mentee@example.org", "Ned Network")
    w.other_pair_member = make_user("other@example.org", "Olga Other")
    w.nobody = make_user("nobody@example.org", "Noor Nobody")
    add_member(pair, w.mentor, Role.MENTOR)
    add_member(pair, w.mentee, Role.MENTEE)
    add_member(pair, w.partner, Role.PARTNER, Side.MENTOR)
    add_member(pair, w.network_mentor, Role.NETWORK, Side.MENTOR)
    add_member(pair, w.network_mentee, Role.NETWORK, Side.MENTEE)
    add_member(other_pair, w.other_pair_member, Role.MENTOR)
    database.session.commit()
    return w


# Helpers --------------------------------------------------------------------------------


NEW_VERSION = ("UPDATE data_version", "INSERT INTO data_version")


@contextmanager
def count_queries(app):
    """Counts the SQL statements the app runs inside the block to render its pages: with the
    page cache off (tests/test_page_cache.py counts its hits and misses)."""
    statements: list[str] = []
    engine = app.extensions["db_engine"]
    cache = app.extensions.pop("page_cache", None)

    def record(conn, cursor, statement, *args):
        # Transaction control is not a query, nor the new data version a commit sets.
        if not statement.startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK", *NEW_VERSION)):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
        if cache is not None:
            app.extensions["page_cache"] = cache


def outbox(app) -> list[EmailMessage]:
    """The mails written to instance/outbox/, oldest first."""
    folder = Path(app.instance_path) / "outbox"
    paths = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [message_from_bytes(p.read_bytes(), policy=email_policy) for p in paths]


def link_in(message: EmailMessage) -> str:
    """The path of the one workspace link in a mail."""
    body = message.get_content()
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, body
    return match.group(1)


class _Mailbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.content, policy=email_policy))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1; ``.port`` to send to, ``.mailbox`` to read."""
    from aiosmtpd.controller import Controller

    mailbox = _Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.mailbox = mailbox
    yield controller
    controller.stop()
