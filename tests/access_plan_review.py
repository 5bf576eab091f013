"""The review workflow in the access matrix (see tests/test_access.py).

One plan in each status (``world.review_plans``). A step its roles may take is sent with a
note too long to pass, so every request of the matrix leaves the status as it was.
"""

from access_rules import pair_scoped

from workspace import db
from workspace.models import PlanStatus
from workspace.plans import review, services

TOO_LONG = {"review-note": "x" * (review.NOTE_MAX + 1)}
SUBMITTERS = {"mentor", "mentee", "partner"}  # core members
EDITORS = {"consultant", "mentor", "mentee", "partner"}


def populate(world):
    if getattr(world, "review_plans", None) is not None:
        return
    world.review_plans = {}
    for status in PlanStatus:
        plan = services.create_plan(world.pair, f"Plan {status.value}", "en", world.mentor)
        plan.status = status
        world.review_plans[status] = plan
    db.session.commit()


def _plan(status, tail):
    return lambda w: f"/pairs/{w.pair.id}/plans/{w.review_plans[status].id}/{tail}"


MATRIX = {
    "plans.submit": [
        ("POST", _plan(PlanStatus.DRAFT, "submit"), TOO_LONG, pair_scoped(200, SUBMITTERS)),
        ("POST", _plan(PlanStatus.IN_REVIEW, "submit"), {}, pair_scoped(403, set())),
    ],
    "plans.approve": [
        (
            "POST",
            _plan(PlanStatus.IN_REVIEW, "approve"),
            TOO_LONG,
            pair_scoped(200, {"consultant"}),
        ),
        ("POST", _plan(PlanStatus.DRAFT, "approve"), {}, pair_scoped(403, set())),
    ],
    "plans.request_changes": [
        # without the note it needs
        (
            "POST",
            _plan(PlanStatus.IN_REVIEW, "request-changes"),
            {},
            pair_scoped(200, {"consultant"}),
        ),
        ("POST", _plan(PlanStatus.APPROVED, "request-changes"), {}, pair_scoped(403, set())),
    ],
    "plans.adopt": [
        ("POST", _plan(PlanStatus.APPROVED, "adopt"), TOO_LONG, pair_scoped(200, {"mentee"})),
        ("POST", _plan(PlanStatus.IN_REVIEW, "adopt"), {}, pair_scoped(403, set())),
    ],
    "plans.start_new_version": [
        # the new draft (a second request goes to the same one): 303, or HX-Redirect to htmx
        ("POST", _plan(PlanStatus.ADOPTED, "new-version"), {}, pair_scoped({303, 200}, EDITORS)),
        ("POST", _plan(PlanStatus.APPROVED, "new-version"), {}, pair_scoped(403, set())),
    ],
}
