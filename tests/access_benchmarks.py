"""Access matrix for the benchmarks and the self-assessment (see tests/test_access.py)."""

from access_rules import CORE, PAIR_MEMBERS, pair_scoped, signed_in

from workspace import db
from workspace.models import KeyFactor, KeyFactorText, MentoringTheme

# Rating is for the consultant and the core team; the admin and the network only read.
ASSESSORS = CORE - {"admin"}


# A valid rating of world.key_factor; its field names carry the key factor's id, so populate()
# fills it in for each world (the matrix's form data is not a function of the world).
VALID = {}


def populate(world):
    if getattr(world, "key_factor", None) is not None:
        return

    def factor(theme, code):
        kf = KeyFactor(theme=theme, code=code, position=1)
        kf.texts.append(
            KeyFactorText(language="en", title=code, why_how="Why.", guiding_questions="?")
        )
        db.session.add(kf)
        return kf

    world.key_factor = factor(world.pair.mentoring_theme, "access.own_theme")
    world.foreign_key_factor = factor(MentoringTheme.LANGUAGE_LEARNING, "access.other_theme")
    db.session.commit()
    prefix = f"f{world.key_factor.id}-"
    values = {"rating": "emerging", "target": "fully", "priority": "high", "language": "en"}
    VALID.clear()
    VALID.update({prefix + name: value for name, value in values.items()})


def _rate(w):
    return f"/pairs/{w.pair.id}/assessment/{w.key_factor.id}"


MATRIX = {
    "benchmarks.index": [("GET", "/benchmarks", None, signed_in(200))],
    "benchmarks.theme": [
        ("GET", "/benchmarks/employment", None, signed_in(200)),
        ("GET", "/benchmarks/nonsense", None, signed_in(404)),
    ],
    "benchmarks.assessment": [
        ("GET", "/pairs/{pair}/assessment", None, pair_scoped(200, CORE | PAIR_MEMBERS)),
        ("GET", "/pairs/999999/assessment", None, signed_in(404)),
    ],
    "benchmarks.rate": [
        # invalid: the form comes back with its errors
        ("POST", _rate, {"bogus": "1"}, pair_scoped(200, ASSESSORS)),
        # valid: a redirect, or to htmx the updated block ("nothing changed" the second time)
        ("POST", _rate, VALID, pair_scoped({303, 200}, ASSESSORS)),
        # a key factor of another theme, through this pair's URL
        (
            "POST",
            lambda w: f"/pairs/{w.pair.id}/assessment/{w.foreign_key_factor.id}",
            {},
            pair_scoped(404, ASSESSORS),
        ),
    ],
}
