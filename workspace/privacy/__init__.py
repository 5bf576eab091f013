"""Privacy: a person's data export and account erasure (and the other parts of the area:
consent and public notices). Each module registers its routes on ``bp`` when imported."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from . import consent, notices, register, routes  # noqa: E402, F401
