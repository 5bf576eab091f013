"""DESIGN §2's table, asked of the policy module directly (no HTTP)."""

import pytest

from workspace import policy
from workspace.models import Role, Side

# role → (sees pair, sees core-only items, contributes, moderates, edits plan, comments)
TABLE = {
    "admin": (True, True, True, True, False, True),
    "consultant": (True, True, True, True, True, True),
    "mentor": (True, True, True, False, True, True),
    "mentee": (True, True, True, False, True, True),
    "partner": (True, True, True, False, True, True),
    "network_mentor": (True, False, False, False, False, True),
    "network_mentee": (True, False, False, False, False, True),
    "other_consultant": (False, False, False, False, False, False),
    "other_pair_member": (False, False, False, False, False, False),
    "nobody": (False, False, False, False, False, False),
}
CHECKS = (
    policy.can_see_pair,
    policy.can_see_core_only_items,
    policy.can_contribute,
    policy.can_moderate,
    policy.can_edit_plan,
    policy.can_comment,
)


@pytest.mark.parametrize("role", TABLE)
def test_pair_capabilities(app, world, role):
    user = getattr(world, role)
    with app.test_request_context():
        answers = tuple(check(user, world.pair) for check in CHECKS)
    assert answers == TABLE[role]


@pytest.mark.parametrize(
    ("role", "positions"),
    [
        ("admin", "all"),
        ("consultant", "all"),
        ("mentor", [(Role.NETWORK, Side.MENTOR)]),
        ("partner", [(Role.NETWORK, Side.MENTOR)]),
        ("mentee", [(Role.NETWORK, Side.MENTEE)]),
        ("network_mentor", []),
        ("other_consultant", []),
        ("nobody", []),
    ],
)
def test_who_may_invite_whom(app, world, role, positions):
    user = getattr(world, role)
    with app.test_request_context():
        allowed = policy.invitable(user, world.pair)
    if positions == "all":
        assert len(allowed) == 6 and (Role.MENTOR, Side.MENTOR) in allowed
    else:
        assert allowed == positions


def test_only_the_admin_manages_the_programme(app, world):
    with app.test_request_context():
        assert policy.can_manage_programme(world.admin)
        for role in ("consultant", "mentor", "network_mentor", "nobody"):
            assert not policy.can_manage_programme(getattr(world, role))


def test_profiles_are_visible_to_people_who_share_a_pair(app, world):
    with app.test_request_context():
        assert policy.can_see_profile(world.mentor, world.network_mentee)
        assert policy.can_see_profile(world.admin, world.other_pair_member)
        assert not policy.can_see_profile(world.mentor, world.other_pair_member)
        assert not policy.can_see_profile(world.nobody, world.mentor)


def test_a_consultant_sees_pairs_of_own_clusters_only(app, world, session):
    with app.test_request_context():
        assert policy.can_see_pair(world.consultant, world.pair)
        assert not policy.can_see_pair(world.consultant, world.other_pair)


def test_threads_by_role(app, world, session):
    from workspace.threads import services

    core = services.start_thread(
        world.mentor, title="Core", body="Only us", language="en", pair=world.pair
    )
    open_ = services.start_thread(
        world.mentor,
        title="Open",
        body="Everyone",
        language="en",
        pair=world.pair,
        open_to_network=True,
    )
    cluster = services.start_thread(
        world.consultant, title="Cluster", body="Pairs", language="en", cluster=world.cluster
    )
    session.flush()
    assert policy.can_see_thread(world.network_mentor, open_)
    assert not policy.can_see_thread(world.network_mentor, core)
    assert policy.can_reply(world.network_mentee, open_)
    assert policy.can_see_thread(world.partner, cluster)
    assert not policy.can_see_thread(world.network_mentor, cluster)
    assert not policy.can_see_thread(world.other_pair_member, cluster)
    assert policy.can_moderate_thread(world.consultant, cluster)
    assert not policy.can_moderate_thread(world.other_consultant, core)


def test_a_hidden_post_is_read_by_its_author_and_moderators_only(app, world, session):
    from workspace.models import ModerationKind
    from workspace.threads import services

    thread = services.start_thread(
        world.mentor, title="Visit", body="Plan", language="en", pair=world.pair
    )
    post = services.reply(thread, world.mentee, "Something unkind", "en")
    session.flush()
    services.moderate_post(post, world.consultant, ModerationKind.HIDE, "Keep it civil")
    session.flush()
    assert policy.can_read_post(world.mentee, post)  # the author
    assert policy.can_read_post(world.consultant, post)
    assert policy.can_read_post(world.admin, post)
    assert not policy.can_read_post(world.mentor, post)
    assert policy.can_read_thread(world.mentor, thread)
