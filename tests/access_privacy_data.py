"""Data export and account erasure in the access matrix: everyone signed in reaches their own
data and erasure page; only the programme administrator lists and erases other people."""

from access_rules import admin_only, signed_in

MATRIX = {
    "privacy.your_data": [("GET", "/privacy/data", None, signed_in(200))],
    "privacy.export_data": [("POST", "/privacy/data/export", None, signed_in(200))],
    "privacy.erase_account": [
        ("GET", "/privacy/erase", None, signed_in(200)),
        # A wrong password: the form again, with its error, and nothing erased.
        ("POST", "/privacy/erase", {"password": "not the password"}, signed_in(200)),
    ],
    "privacy.people": [("GET", "/admin/people", None, admin_only(200))],
    "privacy.erase_person": [
        ("GET", lambda w: f"/admin/people/{w.nobody.id}/erase", None, admin_only(200)),
        # Erased with a redirect (to htmx, HX-Redirect); the second request finds it erased.
        (
            "POST",
            lambda w: f"/admin/people/{w.nobody.id}/erase",
            {"confirm": "y"},
            admin_only({303, 200}),
        ),
        ("GET", "/admin/people/999999/erase", None, admin_only(404)),
    ],
}


def populate(world):
    """Nothing to add: the world's people are what these routes work on."""
