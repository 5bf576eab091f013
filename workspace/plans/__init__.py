"""Action plans: sections with revisions and safe concurrent editing, translations, actions,
comments, the review workflow and export (DESIGN §5)."""

from flask import Blueprint

bp = Blueprint("plans", __name__)

# What other parts of the area add to the plan page: functions (plan, language) -> dict of
# template variables, each loading its data in a fixed number of queries.
PLAN_PAGE_EXTRAS = []


def plan_page_extra(function):
    PLAN_PAGE_EXTRAS.append(function)
    return function


# Text editors whose POST must survive an expired CSRF token: endpoint -> function() that
# re-renders the editor with the submitted text (see routes.csrf_failed).
CSRF_RESCUES = {}


# Each part of the area registers its routes on ``bp`` when imported.
from . import actions, comments, export, review, routes, translations  # noqa: E402, F401
