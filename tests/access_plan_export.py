"""Access matrix for the plan export (see tests/test_access.py): everyone who sees the pair,
network members too, exports its plans in the plan's languages."""

from access_rules import CORE, PAIR_MEMBERS, pair_scoped

from workspace import db
from workspace.plans import services

READERS = CORE | PAIR_MEMBERS


def populate(world):
    if getattr(world, "export_plan", None) is not None:
        return
    world.export_plan = services.create_plan(world.pair, "Export plan", "en", world.mentor)
    world.other_export_plan = services.create_plan(world.other_pair, "Theirs", "en", world.mentor)
    db.session.commit()


def _export(extension, query, plan="export_plan"):
    return lambda w: f"/pairs/{w.pair.id}/plans/{getattr(w, plan).id}/export.{extension}{query}"


MATRIX = {
    "plans.export_pdf": [
        ("GET", _export("pdf", "?lang=fr&comments=1"), None, pair_scoped(200, READERS)),
        # a language the pair does not work in
        ("GET", _export("pdf", "?lang=nl"), None, pair_scoped(404, READERS)),
    ],
    "plans.export_docx": [
        ("GET", _export("docx", "?lang=en"), None, pair_scoped(200, READERS)),
        # another pair's plan through this pair's URL
        ("GET", _export("docx", "", "other_export_plan"), None, pair_scoped(404, READERS)),
    ],
}
