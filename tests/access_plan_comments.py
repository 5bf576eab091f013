"""Plan comments in the access matrix (see tests/test_access.py).

``world.comments_plan`` is a draft with a comment by a network member on its first section
(``world.plan_comment``); ``world.adopted_comments_plan`` is adopted, so closed to comments.
"""

from access_rules import CORE, PAIR_MEMBERS, pair_scoped

from workspace import db
from workspace.models import PlanStatus
from workspace.plans import comments, services

EVERYONE = CORE | PAIR_MEMBERS  # who sees the pair comments, network members too
# Resolve / reopen: the comment's author (a network member) and the plan's editors.
RESOLVERS = {"consultant", "mentor", "mentee", "partner", "network_mentor"}


def populate(world):
    if getattr(world, "comments_plan", None) is not None:
        return
    world.comments_plan = services.create_plan(world.pair, "Commented", "en", world.mentor)
    section = world.comments_plan.sections[0]
    world.plan_comment = comments.add_comment(section, world.network_mentor, "A remark", "en")
    world.adopted_comments_plan = services.create_plan(world.pair, "Adopted", "en", world.mentor)
    world.adopted_comments_plan.status = PlanStatus.ADOPTED
    db.session.commit()


def _plan(suffix, adopted=False):
    def url(w):
        plan = w.adopted_comments_plan if adopted else w.comments_plan
        tail = suffix(w, plan) if callable(suffix) else suffix
        return f"/pairs/{w.pair.id}/plans/{plan.id}{tail}"

    return url


def _section(w, plan):
    return f"/sections/{plan.sections[0].id}/comments"


def _comment(action):
    return lambda w, plan: f"/comments/{w.plan_comment.id}/{action}"


MATRIX = {
    "plans.comment": [
        # an empty comment: the form again, with its error
        ("POST", _plan(_section), {"lang": "en"}, pair_scoped(200, EVERYONE)),
        ("POST", _plan(_section, adopted=True), {}, pair_scoped(403, set())),
        ("POST", _plan("/sections/999999/comments"), {}, pair_scoped(404, EVERYONE)),
    ],
    "plans.reply_to_comment": [
        ("POST", _plan(_comment("replies")), {}, pair_scoped(200, EVERYONE)),
        ("POST", _plan("/comments/999999/replies"), {}, pair_scoped(404, EVERYONE)),
    ],
    # Written, then the section's comments (htmx) or back to the plan (303).
    "plans.resolve_comment": [
        ("POST", _plan(_comment("resolve")), {}, pair_scoped({303, 200}, RESOLVERS)),
    ],
    "plans.reopen_comment": [
        ("POST", _plan(_comment("reopen")), {}, pair_scoped({303, 200}, RESOLVERS)),
    ],
}
