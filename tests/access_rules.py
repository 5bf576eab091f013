"""Expected answers by role, for the access matrix (tests/test_access.py and the
``tests/access_<area>.py`` modules that add their routes to it)."""

SIGNED_OUT = "signed_out"
PAIR_MEMBERS = {"mentor", "mentee", "partner", "network_mentor", "network_mentee"}
CORE = {"admin", "consultant", "mentor", "mentee", "partner"}
OUTSIDERS = {"other_consultant", "other_pair_member", "nobody"}


def public(ok):
    return lambda role: ok


def signed_in(ok):
    return lambda role: 302 if role == SIGNED_OUT else ok


def pair_scoped(ok, allowed):
    """404 for outsiders, 403 for members without the right, ``ok`` for the allowed."""

    def expect(role):
        if role == SIGNED_OUT:
            return 302
        if role in OUTSIDERS:
            return 404
        return ok if role in allowed else 403

    return expect


def admin_only(ok):
    def expect(role):
        if role == SIGNED_OUT:
            return 302
        return ok if role == "admin" else 403

    return expect


def matrix_path(path, world) -> str:
    """A matrix entry's path on ``world``: a function of the world, or a template whose
    ``{pair}``, ``{other_pair}``, ``{org}``, ``{cluster}`` and ``{membership}`` are filled in."""
    if callable(path):
        return path(world)
    return path.format(
        pair=world.pair.id,
        other_pair=world.other_pair.id,
        org=world.pair.mentor_city.id,
        cluster=world.cluster.id,
        membership=world.pair.memberships[0].id,
    )
