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


# Each part of the area registers its routes on ``bp`` when imported.
from . import routes  # noqa: E402, F401
