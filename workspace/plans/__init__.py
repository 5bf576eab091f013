"""Action plans: sections with revisions and safe concurrent editing, translations, actions,
comments, the review workflow and export (DESIGN §5)."""

from flask import Blueprint

bp = Blueprint("plans", __name__)

# Each part of the area registers its routes on ``bp`` when imported.
from . import routes  # noqa: E402, F401
