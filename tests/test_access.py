"""The access matrix: every route × every role × method, with and without htmx.

Outsiders get 404 for anything pair-scoped, a member without the right 403, the signed-out
visitor the sign-in page. A route missing here fails ``test_every_route_is_in_the_matrix``.

Each feature area adds its routes in a module ``tests/access_<area>.py`` with a ``MATRIX``
of the same shape and a ``populate(world)`` that adds the objects its paths name. A path is a
format string over the world's attributes (``{pair.id}``) or a function of the world.
"""

import importlib
from pathlib import Path

import pytest
from access_rules import (
    CORE,
    PAIR_MEMBERS,
    SIGNED_OUT,
    admin_only,
    pair_scoped,
    public,
    signed_in,
)

from conftest import ROLES

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
    if callable(path):
        path = path(world)
    else:
        path = path.format(
            pair=world.pair.id,
            other_pair=world.other_pair.id,
            org=world.pair.mentor_city.id,
            cluster=world.cluster.id,
            membership=world.pair.memberships[0].id,
        )
    for headers in ({}, {"HX-Request": "true"}):
        response = client.open(path, method=method, data=data, headers=headers)
        expected = expect(role)
        expected = expected if isinstance(expected, set) else {expected}
        assert response.status_code in expected, (headers, response.text[:500])
