"""IDOR beyond pair objects (tests/test_idor.py): cluster threads and their posts, routes
only consultants or admins may use, the admin area as a non-admin, and the plan editor's
presence heartbeat and Markdown preview of another pair. Each refused request answers 403
or 404 and leaves every row of every table as it was (issue 5, item 1); a control request
with the same data by someone allowed really changes rows, so the refusals are the checks at
work and not a bad form."""

import pytest
from flask import url_for
from sqlalchemy import func, select
from test_idor import snapshot

from workspace import db
from workspace.models import PlanStatus, Post, SectionPresence
from workspace.plans import review
from workspace.plans import services as plans
from workspace.threads import services as threads

HX = {"HX-Request": "true"}
REFUSED = (403, 404)


def attempt(client, auth, user, url, data, headers=None):
    auth.as_user(user)
    return client.post(url, data=data, headers=headers or {})


def assert_refused_and_unchanged(client, auth, attackers, url, data):
    before = snapshot()
    for attacker, headers in zip(attackers, ({}, HX, {}, HX), strict=False):
        response = attempt(client, auth, attacker, url, data, headers)
        assert response.status_code in REFUSED, (attacker.email, url, response.status)
        assert snapshot() == before, (attacker.email, url)


# Cluster threads ---------------------------------------------------------------------------


@pytest.fixture
def cluster_talk(world):
    """A thread of the OTHER cluster (cluster two), started by its consultant, with a reply
    by the member of its pair; and a thread of the world's own cluster."""
    theirs = threads.start_thread(
        world.other_consultant,
        cluster=world.other_cluster,
        title="Their cluster talk",
        body="Cluster two only",
        language="en",
    )
    reply = threads.reply(theirs, world.other_pair_member, "Their reply", "en")
    ours = threads.start_thread(
        world.consultant, cluster=world.cluster, title="Our talk", body="Ours", language="en"
    )
    db.session.commit()
    first = db.session.scalar(select(Post).where(Post.thread_id == theirs.id))
    return theirs, first, reply, ours


CLUSTER_WRITES = [
    ("/threads/{t.id}/reply", lambda w: {"body": "Planted", "language": "en"}),
    ("/threads/{t.id}/moderate", lambda w: {"action": "lock", "reason": "Spam"}),
    ("/threads/{t.id}/moderate", lambda w: {"action": "hide", "reason": "Spam"}),
    ("/threads/{t.id}/read", lambda w: {"up_to": 999999}),
    ("/threads/{t.id}/subscription", lambda w: {"state": "follow"}),
    ("/posts/{p.id}/edit", lambda w: {"body": "Hijacked"}),
    ("/posts/{r.id}/edit", lambda w: {"body": "Hijacked"}),
    ("/posts/{r.id}/delete", lambda w: {}),
    ("/posts/{p.id}/moderate", lambda w: {"action": "hide", "reason": "Spam"}),
    (
        "/clusters/{w.other_cluster.id}/threads/new",
        lambda w: {"title": "Planted", "body": "Planted", "language": "en"},
    ),
]


@pytest.mark.parametrize(("tail", "data"), CLUSTER_WRITES, ids=[c[0] for c in CLUSTER_WRITES])
def test_another_clusters_threads_cannot_be_changed(client, auth, world, cluster_talk, tail, data):
    """The consultant of cluster one (a moderator there) and a core member of its pair."""
    theirs, first, reply, _ours = cluster_talk
    url = tail.format(t=theirs, p=first, r=reply, w=world)
    assert_refused_and_unchanged(
        client, auth, [world.consultant, world.mentor, world.network_mentor], url, data(world)
    )


def test_bulk_moderation_ignores_another_clusters_posts(client, auth, world, cluster_talk):
    _theirs, first, reply, _ours = cluster_talk
    before = snapshot()
    auth.as_user(world.consultant)
    response = client.post(
        "/moderation", data={"posts": [first.id, reply.id], "action": "hide", "reason": "Spam"}
    )
    assert response.status_code < 500
    assert snapshot() == before


def test_the_cluster_thread_writes_work_for_its_own_cluster(client, auth, world, cluster_talk):
    """Control: the other cluster's consultant can do what was refused above."""
    theirs, first, _reply, _ours = cluster_talk
    before = snapshot()
    auth.as_user(world.other_consultant)
    response = client.post(f"/threads/{theirs.id}/reply", data={"body": "Mine", "language": "en"})
    assert response.status_code in (200, 303), response.status
    response = client.post(
        f"/posts/{first.id}/moderate", data={"action": "hide", "reason": "Off topic"}
    )
    assert response.status_code in (200, 303), response.status
    assert snapshot() != before


@pytest.mark.parametrize(
    ("tail", "data"),
    [
        ("/threads/{o.id}/reply", {"body": "Planted", "language": "en"}),
        ("/clusters/{w.cluster.id}/threads/new", {"title": "x", "body": "x", "language": "en"}),
        ("/threads/{o.id}/subscription", {"state": "follow"}),
    ],
    ids=["reply", "start", "follow"],
)
def test_network_members_stay_out_of_their_own_clusters_threads(
    client, auth, world, cluster_talk, tail, data
):
    """Cluster threads are for the core teams of its pairs and its consultants."""
    ours = cluster_talk[3]
    url = tail.format(o=ours, w=world)
    assert_refused_and_unchanged(
        client, auth, [world.network_mentor, world.network_mentee], url, data
    )


# Moderators' and consultants' rights, asked for by core members ----------------------------


@pytest.fixture
def plan_in_review(world):
    plan = plans.create_plan(world.pair, "Our plan", "en", world.mentor)
    db.session.flush()
    review.move(plan, "submit", world.mentor)
    db.session.commit()
    assert plan.status is PlanStatus.IN_REVIEW
    return plan


@pytest.mark.parametrize("step", ["approve", "request-changes"])
def test_only_a_consultant_approves_or_sends_back(client, auth, world, plan_in_review, step):
    url = f"/pairs/{world.pair.id}/plans/{plan_in_review.id}/{step}"
    data = {"review-note": "Fine by me"}
    attackers = [world.mentor, world.mentee, world.partner, world.network_mentee]
    assert_refused_and_unchanged(client, auth, attackers, url, data)
    # ... and the consultant of another cluster is an outsider here.
    assert_refused_and_unchanged(client, auth, [world.other_consultant], url, data)
    # Control: the cluster's consultant may.
    auth.as_user(world.consultant)
    assert client.post(url, data=data).status_code in (200, 303)
    db.session.expire_all()
    assert plan_in_review.status is not PlanStatus.IN_REVIEW


def test_only_moderators_moderate_in_their_own_pair(client, auth, world):
    thread = threads.start_thread(
        world.mentee, pair=world.pair, title="Ours", body="Ours", language="en"
    )
    db.session.commit()
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    members = [world.mentor, world.mentee, world.partner]
    hide = {"action": "hide", "reason": "Spam"}
    assert_refused_and_unchanged(client, auth, members, f"/posts/{post.id}/moderate", hide)
    assert_refused_and_unchanged(client, auth, members, f"/threads/{thread.id}/moderate", hide)
    assert_refused_and_unchanged(client, auth, members, "/moderation", {"posts": [post.id], **hide})


# The admin area ----------------------------------------------------------------------------


def admin_posts(app, world):
    """Every state-changing admin route, with the ids of the world's objects: routes added
    later are included without a change here."""
    values = {
        "pair_id": world.pair.id,
        "membership_id": world.pair.memberships[0].id,
        "organisation_id": world.pair.mentor_city.id,
        "cluster_id": world.cluster.id,
        "user_id": world.consultant.id,
    }
    urls = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or "POST" not in rule.methods:
            continue
        with app.test_request_context():
            urls.add(url_for(rule.endpoint, **{a: values.get(a, 1) for a in rule.arguments}))
    return sorted(urls)


# One form that fills every admin form: valid enough for each to write if it were allowed.
ADMIN_DATA = {
    "name": "Hijacked name",
    "kind": "city",
    "country": "BE",
    "email": "nobody@example.org",
    "position": "partner:mentee",
    "offer": "admin",
    "language": "en",
    "pairs": [],
    "reason": "Hijacked",
}


@pytest.mark.parametrize("role", ["consultant", "mentor", "network_mentor", "nobody"])
def test_the_admin_area_refuses_non_admins_and_changes_nothing(app, client, auth, world, role):
    urls = admin_posts(app, world)
    assert len(urls) >= 8, urls
    before = snapshot()
    auth.as_user(getattr(world, role))
    for url in urls:
        for headers in ({}, HX):
            response = client.post(url, data=ADMIN_DATA, headers=headers)
            assert response.status_code in REFUSED, (role, url, response.status)
    assert snapshot() == before, role


def test_the_admin_form_data_really_writes_for_an_admin(app, client, auth, world):
    """Control for the test above, on the routes that change the world's objects."""
    auth.as_user(world.admin)
    membership = world.pair.memberships[0]
    for url in (
        f"/admin/organisations/{world.pair.mentor_city.id}",
        f"/admin/clusters/{world.cluster.id}/consultants",
        f"/admin/pairs/{world.pair.id}/members/{membership.id}",
    ):
        before = snapshot()
        response = client.post(url, data=ADMIN_DATA)
        assert response.status_code in (200, 303), (url, response.status)
        assert snapshot() != before, url


# Presence heartbeat and Markdown preview of another pair ----------------------------------


@pytest.fixture
def their_section(world):
    plan = plans.create_plan(world.other_pair, "Their plan", "en", world.other_pair_member)
    own = plans.create_plan(world.pair, "Our plan", "en", world.mentor)
    db.session.commit()
    return plan, plan.sections[0], own


def _section_urls(world, plan, section, own):
    tail = f"/sections/{section.id}"
    return [
        f"/pairs/{world.other_pair.id}/plans/{plan.id}{tail}",  # the honest URL
        f"/pairs/{world.pair.id}/plans/{plan.id}{tail}",  # their plan under our pair
        f"/pairs/{world.pair.id}/plans/{own.id}{tail}",  # their section under our plan
    ]


def test_presence_heartbeat_on_another_pairs_section(client, auth, world, their_section):
    plan, section, own = their_section
    before = snapshot()
    for base in _section_urls(world, plan, section, own):
        for attacker in (world.mentor, world.consultant, world.admin):
            auth.as_user(attacker)
            response = client.post(base + "/presence?lang=en", headers=HX)
            if attacker is world.admin:  # admins see every pair, but don't edit plans
                assert response.status_code in REFUSED, (base, response.status)
                continue
            assert response.status_code == 404, (attacker.email, base, response.status)
            assert "Their" not in response.text
            response = client.post(base + "/presence/leave", headers=HX)
            assert response.status_code == 404, (attacker.email, base, response.status)
    assert snapshot() == before
    assert db.session.scalar(select(func.count()).select_from(SectionPresence)) == 0


def test_someone_elses_presence_is_not_ended_by_a_member_of_another_pair(
    client, auth, world, their_section
):
    plan, section, own = their_section
    auth.as_user(world.other_pair_member)
    tail = f"/pairs/{world.other_pair.id}/plans/{plan.id}/sections/{section.id}"
    assert client.post(tail + "/presence?lang=en", headers=HX).status_code == 200
    before = snapshot()
    for base in _section_urls(world, plan, section, own):
        auth.as_user(world.mentor)
        assert client.post(base + "/presence/leave", headers=HX).status_code == 404
    assert snapshot() == before


def test_markdown_preview_of_another_pairs_section(client, auth, world, their_section):
    plan, section, own = their_section
    marker = "**previewed-secretly**"
    for base in _section_urls(world, plan, section, own):
        for attacker in (world.mentor, world.consultant, world.network_mentor):
            auth.as_user(attacker)
            response = client.post(base + "/preview", data={"body": marker}, headers=HX)
            # 404, or 403 for a network member under their own pair's plan: either way the
            # section is neither found nor rendered
            expected = REFUSED if attacker is world.network_mentor else (404,)
            assert response.status_code in expected, (attacker.email, base, response.status)
            assert "previewed-secretly" not in response.text
    # Control: their own member gets the preview.
    auth.as_user(world.other_pair_member)
    response = client.post(
        _section_urls(world, plan, section, own)[0] + "/preview",
        data={"body": marker},
        headers=HX,
    )
    assert response.status_code == 200
    assert "<strong>previewed-secretly</strong>" in response.text


def test_a_network_member_gets_no_preview_or_presence_in_their_own_pair(client, auth, world):
    plan = plans.create_plan(world.pair, "Our plan", "en", world.mentor)
    db.session.commit()
    base = f"/pairs/{world.pair.id}/plans/{plan.id}/sections/{plan.sections[0].id}"
    before = snapshot()
    auth.as_user(world.network_mentor)
    assert client.post(base + "/preview", data={"body": "*x*"}).status_code == 403
    assert client.post(base + "/presence?lang=en").status_code == 403
    assert snapshot() == before
