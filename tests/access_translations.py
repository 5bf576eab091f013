"""Access matrix for plan translations and the glossary (see tests/test_access.py)."""

from access_rules import CORE, PAIR_MEMBERS, SIGNED_OUT, pair_scoped, signed_in

from workspace import db
from workspace.plans import services

# Who edits plan texts: the pair's core members and its consultant, not the admin.
TRANSLATORS = CORE - {"admin"}


def populate(world):
    if getattr(world, "translated_plan", None) is not None:
        return
    # The pair works in en and fr (tests/conftest.py): a plan in English, translated into fr.
    world.translated_plan = services.create_plan(world.pair, "Access plan", "en", world.mentor)
    world.other_pair_plan = services.create_plan(world.other_pair, "Theirs", "en", world.mentor)
    db.session.commit()


def keeps_text(ok, allowed):
    """Like pair_scoped, except that a signed-out POST with a text gets it back (401)."""
    inner = pair_scoped(ok, allowed)
    return lambda role: 401 if role == SIGNED_OUT else inner(role)


def _plan(suffix):
    return lambda w: f"/pairs/{w.pair.id}/plans/{w.translated_plan.id}{suffix(w)}"


def _section(lang):
    return _plan(lambda w: f"/sections/{w.translated_plan.sections[0].id}/translations/{lang}")


MATRIX = {
    "plans.translate": [
        ("GET", _section("fr"), None, pair_scoped(200, TRANSLATORS)),
        # an empty title: the form comes back with its error, nothing saved
        ("POST", _section("fr"), {"title": "", "body": "x"}, keeps_text(200, TRANSLATORS)),
        # the plan's own language and a language the pair does not work in
        ("GET", _section("en"), None, pair_scoped(404, TRANSLATORS)),
        ("GET", _section("nl"), None, pair_scoped(404, TRANSLATORS)),
        # another pair's plan through this pair's URL
        (
            "GET",
            lambda w: (
                f"/pairs/{w.pair.id}/plans/{w.other_pair_plan.id}"
                f"/sections/{w.other_pair_plan.sections[0].id}/translations/fr"
            ),
            None,
            pair_scoped(404, TRANSLATORS),
        ),
    ],
    "plans.translations": [
        ("GET", _plan(lambda w: "/translations"), None, pair_scoped(200, CORE | PAIR_MEMBERS)),
    ],
    "plans.glossary": [("GET", "/glossary?q=50%25_", None, signed_in(200))],
}
