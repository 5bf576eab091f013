"""The access matrix: every route × every role × method, with and without htmx.

Outsiders get 404 for anything pair-scoped, a member without the right 403, the signed-out
visitor the sign-in page. A route missing here fails ``test_every_route_is_in_the_matrix``.

Each feature area adds its routes in a module ``tests/access_<area>.py`` with a ``MATRIX``
of the same shape and a ``populate(world)`` that adds the objects its paths name. A path is a
format string over the world's attributes (``{pair.id}``) or a function of the world.
"""

import importlib
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from access_rules import (
    CORE,
    PAIR_MEMBERS,
    SIGNED_OUT,
    admin_only,
    matrix_path,
    pair_scoped,
    public,
    signed_in,
)

from conftest import DATABASES, PG_URL, ROLES, build_world, make_test_app, postgres_schema
from workspace import db as database
from workspace.extensions import limiter
from workspace.models import Base

# endpoint → [(method, path, form data, expectation)]; paths are formatted with the world.
MATRIX = {
    "health.healthz": [("GET", "/healthz", None, public(200))],
    "auth.sign_in": [
        ("GET", "/signin", None, lambda r: 200 if r == SIGNED_OUT else 302),
        (
            "POST",
            "/signin",
            {"email": "x@example.org", "password": "x"},
            lambda r: 200 if r == SIGNED_OUT else 302,
        ),
    ],
    "auth.sign_out": [("POST", "/signout", None, public(302))],
    "auth.forgot_password": [("GET", "/password/forgot", None, public(200))],
    "auth.reset_password": [("GET", "/password/reset/forged", None, public(404))],
    "auth.accept_invitation": [("GET", "/invitations/forged", None, public(404))],
    "auth.profile": [("GET", "/profile", None, signed_in(200))],
    "auth.change_password": [("POST", "/profile/password", {}, signed_in(200))],
    "auth.set_language": [("POST", "/language", {"language": "fr"}, public(302))],
    "pairs.home": [("GET", "/", None, signed_in(200))],
    "pairs.overview": [
        ("GET", "/pairs/{pair}", None, pair_scoped(200, CORE | PAIR_MEMBERS)),
        ("GET", "/pairs/999999", None, signed_in(404)),
    ],
    "pairs.invite": [
        ("GET", "/pairs/{pair}/invite", None, pair_scoped(200, CORE)),
        ("POST", "/pairs/{pair}/invite", {"email": "bad"}, pair_scoped(200, CORE)),
    ],
    "admin.index": [("GET", "/admin/", None, admin_only(200))],
    "admin.organisations": [("GET", "/admin/organisations", None, admin_only(200))],
    "admin.edit_organisation": [
        ("GET", "/admin/organisations/new", None, admin_only(200)),
        ("GET", "/admin/organisations/{org}", None, admin_only(200)),
        ("POST", "/admin/organisations/{org}", {"name": ""}, admin_only(200)),
    ],
    "admin.pairs": [("GET", "/admin/pairs", None, admin_only(200))],
    "admin.edit_pair": [
        ("GET", "/admin/pairs/new", None, admin_only(200)),
        ("GET", "/admin/pairs/{pair}", None, admin_only(200)),
        ("POST", "/admin/pairs/{pair}", {"mentor_city": "x"}, admin_only(200)),
    ],
    "admin.members": [
        ("GET", "/admin/pairs/{pair}/members", None, admin_only(200)),
        ("POST", "/admin/pairs/{pair}/members", {"email": "bad"}, admin_only(200)),
    ],
    "admin.change_member": [
        (
            "POST",
            "/admin/pairs/{pair}/members/{membership}",
            {"position": "mentor:mentor"},
            admin_only({303, 200}),
        ),  # a redirect, or to htmx the updated list
    ],
    "admin.remove_member": [
        ("POST", "/admin/pairs/{other_pair}/members/{membership}/remove", None, admin_only(404)),
    ],
    "admin.clusters": [("GET", "/admin/clusters", None, admin_only(200))],
    "admin.edit_cluster": [
        ("GET", "/admin/clusters/new", None, admin_only(200)),
        ("GET", "/admin/clusters/{cluster}", None, admin_only(200)),
        ("POST", "/admin/clusters/{cluster}", {"name": ""}, admin_only(200)),
    ],
    "admin.add_consultant": [
        ("POST", "/admin/clusters/{cluster}/consultants", {"email": "bad"}, admin_only(200)),
    ],
    "admin.remove_consultant": [
        ("POST", "/admin/clusters/{cluster}/consultants/999999/remove", None, admin_only(303)),
    ],
    "admin.invitations": [
        ("GET", "/admin/invitations", None, admin_only(200)),
        ("POST", "/admin/invitations", {"email": "bad"}, admin_only(200)),
    ],
}

AREAS = [
    importlib.import_module(path.stem)
    for path in sorted(Path(__file__).parent.glob("access_*.py"))
    if path.stem != "access_rules"
]
for area in AREAS:
    assert not MATRIX.keys() & area.MATRIX.keys(), f"{area.__name__} repeats endpoints"
    MATRIX.update(area.MATRIX)

CASES = [
    pytest.param(endpoint, i, role, id=f"{endpoint}-{i}-{role}")
    for endpoint, requests in MATRIX.items()
    for i in range(len(requests))
    for role in (*ROLES, SIGNED_OUT)
]


# One world per database, built once: each case starts from a copy of it -----------------
#
# Populating the world for every area costs more than the two requests a case makes, and each
# case needs its own copy (it may change what it finds). So per database kind the populated
# database and instance folder (uploads) are built once, one app serves every case, and
# before each case the case database and folder are reset to copies of them.


def _refs(value):
    """The world's values with each row replaced by (class, id), to load again in a copy."""
    if isinstance(value, Base):
        return ("row", type(value), value.id)
    if isinstance(value, dict):
        return {key: _refs(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_refs(item) for item in value]
    return value


def _load(ref):
    if isinstance(ref, tuple) and len(ref) == 3 and ref[0] == "row":
        return database.session.get(ref[1], ref[2])
    if isinstance(ref, dict):
        return {key: _load(item) for key, item in ref.items()}
    if isinstance(ref, list):
        return [_load(item) for item in ref]
    return ref


class LazyWorld:
    """The world of a copied database: each object loaded when a case first asks for it."""

    def __init__(self, refs: dict):
        self._refs = refs

    def __getattr__(self, name: str):
        if name not in self._refs:
            raise AttributeError(name)
        value = _load(self._refs[name])
        setattr(self, name, value)
        return value


def _populate(app) -> dict:
    with app.app_context():
        world = build_world()
        for area in AREAS:
            area.populate(world)
        database.session.commit()
        refs = {name: _refs(value) for name, value in vars(world).items()}
        database.session.remove()
    app.extensions["db_engine"].dispose()
    return refs


def _schema_of(url: str) -> str:
    return sa.make_url(url).query["options"].split("=", 1)[1]


def _copy_schema_sql(source: str, target: str) -> str:
    """Empty ``target``'s tables, copy ``source``'s rows into them and move each id sequence
    on past them: one round trip."""
    tables = ", ".join(f'"{target}"."{t.name}"' for t in Base.metadata.sorted_tables)
    statements = [
        f"TRUNCATE {tables}",
        "SET LOCAL session_replication_role = replica",  # the FK cycles
    ]
    for table in Base.metadata.sorted_tables:
        statements.append(
            f'INSERT INTO "{target}"."{table.name}" SELECT * FROM "{source}"."{table.name}"'
        )
        if "id" in table.c and table.c.id.primary_key:
            sequence = f"""pg_get_serial_sequence('"{target}"."{table.name}"', 'id')"""
            statements.append(
                f"SELECT setval({sequence}, COALESCE(MAX(id), 0) + 1, false) "
                f'FROM "{source}"."{table.name}"'
            )
    return ";\n".join(statements)


@pytest.fixture(scope="session")
def access_worlds(tmp_path_factory):
    """Per database kind, made on first use: the app every case of that kind runs on, the
    world's references, and ``reset()`` that puts a fresh copy of the world in place."""
    made = {}
    cleanups = []

    def world_for(kind: str):
        if kind in made:
            return made[kind]
        folder = tmp_path_factory.mktemp(f"access-{kind}")
        template_instance, case_instance = folder / "template", folder / "instance"
        if kind == "sqlite":
            template_url = f"sqlite:///{folder / 'world.db'}"
            case_url = f"sqlite:///{folder / 'case.db'}"
        else:
            for prefix in ("access_world", "access_case"):
                schema = postgres_schema(prefix)
                cleanups.append(schema)
            template_url, case_url = (schema.__enter__() for schema in cleanups[-2:])
        for url in (template_url, case_url):
            engine = sa.create_engine(url)
            Base.metadata.create_all(engine)
            engine.dispose()
        # One secret for both: tokens derived from it in the world (feeds) must hold in copies.
        secret = f"access-world-{kind}"
        refs = _populate(make_test_app(template_url, template_instance, SECRET_KEY=secret))
        app = make_test_app(case_url, case_instance, SECRET_KEY=secret)

        if kind == "sqlite":

            def reset_database():
                app.extensions["db_engine"].dispose()
                for leftover in ("case.db-wal", "case.db-shm"):  # the last case's writes
                    (folder / leftover).unlink(missing_ok=True)
                shutil.copyfile(folder / "world.db", folder / "case.db")

        else:
            admin = sa.create_engine(PG_URL)
            cleanups.append(admin)
            copy = _copy_schema_sql(_schema_of(template_url), _schema_of(case_url))

            def reset_database():
                with admin.begin() as conn:
                    conn.exec_driver_sql(copy)

        def reset():
            reset_database()
            shutil.rmtree(case_instance, ignore_errors=True)
            shutil.copytree(template_instance, case_instance)
            limiter.reset()

        made[kind] = SimpleNamespace(app=app, refs=refs, reset=reset)
        return made[kind]

    yield world_for
    for kind in made.values():
        kind.app.extensions["db_engine"].dispose()
    for resource in reversed(cleanups):
        if isinstance(resource, sa.engine.Engine):
            resource.dispose()
        else:
            resource.__exit__(None, None, None)


@pytest.fixture(params=DATABASES)
def database_kind(request):
    return request.param


@pytest.fixture
def app(database_kind, access_worlds):
    """The shared app of this database kind on a fresh copy of the populated world (instead
    of conftest's app on an empty database)."""
    kind = access_worlds(database_kind)
    kind.reset()
    with kind.app.app_context():
        yield kind.app
        database.session.remove()


@pytest.fixture
def world(app, access_worlds, database_kind):
    return LazyWorld(access_worlds(database_kind).refs)


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert endpoints - MATRIX.keys() == set(), "routes without an access test"
    assert MATRIX.keys() - endpoints == set(), "access tests for routes that are gone"


@pytest.mark.parametrize(("endpoint", "index", "role"), CASES)
def test_access(client, auth, world, endpoint, index, role):
    method, path, data, expect = MATRIX[endpoint][index]
    for area in AREAS:
        area.populate(world)
    auth.as_user(None if role == SIGNED_OUT else getattr(world, role))
    path = matrix_path(path, world)
    for headers in ({}, {"HX-Request": "true"}):
        response = client.open(path, method=method, data=data, headers=headers)
        expected = expect(role)
        expected = expected if isinstance(expected, set) else {expected}
        assert response.status_code in expected, (headers, response.text[:500])
