"""Thread routes in the access matrix (see tests/test_access.py).

``world.thread`` is core-team only, started by the mentor (``world.post``);
``world.open_thread`` is open to the network, with a post by a network member
(``world.network_post``); ``world.cluster_thread`` is a discussion of the world's cluster.
"""

from access_rules import CORE, OUTSIDERS, PAIR_MEMBERS, SIGNED_OUT, pair_scoped
from sqlalchemy import select

from workspace import db
from workspace.models import Post
from workspace.threads import services

MODERATORS = {"admin", "consultant"}
NETWORK = {"network_mentor", "network_mentee"}


def core_thread(ok, allowed=CORE):
    """A core-only thread: network members don't see it (404) like outsiders."""

    def expect(role):
        if role == SIGNED_OUT:
            return 302
        if role in OUTSIDERS or role in NETWORK:
            return 404
        return ok if role in allowed else 403

    return expect


def cluster_scoped(ok):
    """Cluster threads: its consultants, admins and core members of its pairs; else 404."""

    def expect(role):
        if role == SIGNED_OUT:
            return 302
        return ok if role in CORE else 404

    return expect


def cluster_moderation(ok):
    """A cluster thread's moderation: its moderators; core members see it but may not."""

    def expect(role):
        if role == SIGNED_OUT:
            return 302
        if role in MODERATORS:
            return ok
        return 403 if role in CORE else 404

    return expect


def moderators_anywhere(ok):
    def expect(role):
        if role == SIGNED_OUT:
            return 302
        return ok if role in MODERATORS | {"other_consultant"} else 403

    return expect


def populate(world):
    if getattr(world, "thread", None) is not None:
        return
    world.thread = services.start_thread(
        world.mentor, pair=world.pair, title="Core talk", body="Core words", language="en"
    )
    world.open_thread = services.start_thread(
        world.mentor,
        pair=world.pair,
        title="Open talk",
        body="Open words",
        language="en",
        open_to_network=True,
    )
    world.network_post = services.reply(world.open_thread, world.network_mentor, "Hi", "en")
    world.cluster_thread = services.start_thread(
        world.consultant,
        cluster=world.cluster,
        title="Cluster talk",
        body="Cluster words",
        language="en",
    )
    db.session.flush()
    world.post = db.session.scalar(select(Post).where(Post.thread_id == world.thread.id))
    db.session.commit()


def _t(attribute, suffix=""):
    return lambda w: f"/threads/{getattr(w, attribute).id}{suffix}"


def _p(attribute, suffix=""):
    return lambda w: f"/posts/{getattr(w, attribute).id}{suffix}"


ALL = CORE | PAIR_MEMBERS

MATRIX = {
    "threads.index": [("GET", "/pairs/{pair}/threads", None, pair_scoped(200, ALL))],
    "threads.create": [
        ("GET", "/pairs/{pair}/threads/new", None, pair_scoped(200, CORE)),
        ("POST", "/pairs/{pair}/threads/new", {"title": ""}, pair_scoped(200, CORE)),
    ],
    "threads.cluster_index": [
        ("GET", "/clusters/{cluster}/threads", None, cluster_scoped(200)),
        ("GET", "/clusters/999999/threads", None, lambda r: 302 if r == SIGNED_OUT else 404),
    ],
    "threads.cluster_create": [
        ("GET", "/clusters/{cluster}/threads/new", None, cluster_scoped(200)),
        ("POST", "/clusters/{cluster}/threads/new", {"title": ""}, cluster_scoped(200)),
    ],
    "threads.show": [
        ("GET", _t("thread"), None, core_thread(200)),
        ("GET", _t("open_thread"), None, pair_scoped(200, ALL)),
        ("GET", _t("cluster_thread"), None, cluster_scoped(200)),
        ("GET", "/threads/999999", None, lambda r: 302 if r == SIGNED_OUT else 404),
    ],
    "threads.reply": [
        ("POST", _t("thread", "/reply"), {"body": ""}, core_thread(200)),
        ("POST", _t("open_thread", "/reply"), {"body": ""}, pair_scoped(200, ALL)),
        ("POST", _t("cluster_thread", "/reply"), {"body": ""}, cluster_scoped(200)),
    ],
    "threads.poll": [
        ("GET", _t("thread", "/poll?after=0"), None, core_thread(200)),
        ("GET", _t("cluster_thread", "/poll?after=0"), None, cluster_scoped(200)),
    ],
    "threads.mark_read": [
        ("POST", _t("thread", "/read"), {}, core_thread({303, 204})),
        ("POST", _t("open_thread", "/read"), {}, pair_scoped({303, 204}, ALL)),
    ],
    "threads.subscribe": [
        ("POST", _t("thread", "/subscription"), {"state": "follow"}, core_thread({303, 200})),
    ],
    "threads.edit_post": [
        ("GET", _p("post", "/edit"), None, core_thread(200, {"mentor"})),
        ("POST", _p("post", "/edit"), {"body": ""}, core_thread(200, {"mentor"})),
        ("GET", _p("network_post", "/edit"), None, pair_scoped(200, {"network_mentor"})),
    ],
    "threads.delete_post": [
        # The first request deletes; the second (with htmx) finds it already deleted.
        ("POST", _p("post", "/delete"), None, core_thread({303, 403}, {"mentor"})),
        ("POST", _p("network_post", "/delete"), None, pair_scoped({303, 403}, {"network_mentor"})),
    ],
    "threads.post_history": [
        ("GET", _p("post", "/history"), None, core_thread(200)),
    ],
    "threads.moderate_thread": [
        ("GET", _t("thread", "/moderate"), None, core_thread(200, MODERATORS)),
        ("POST", _t("thread", "/moderate"), {"reason": ""}, core_thread(200, MODERATORS)),
        ("GET", _t("open_thread", "/moderate"), None, pair_scoped(200, MODERATORS)),
        ("GET", _t("cluster_thread", "/moderate"), None, cluster_moderation(200)),
    ],
    "threads.moderate_post": [
        ("GET", _p("post", "/moderate?action=hide"), None, core_thread(200, MODERATORS)),
        ("POST", _p("post", "/moderate"), {"reason": ""}, core_thread(200, MODERATORS)),
        ("GET", _p("network_post", "/moderate"), None, pair_scoped(200, MODERATORS)),
    ],
    "threads.moderation": [
        ("GET", "/moderation", None, moderators_anywhere(200)),
        ("POST", "/moderation", {"reason": ""}, moderators_anywhere(200)),
    ],
}
