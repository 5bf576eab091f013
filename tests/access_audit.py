"""The audit log in the access matrix: the programme administrator's only."""

from access_rules import admin_only

MATRIX = {
    "admin.audit": [
        ("GET", "/admin/audit", None, admin_only(200)),
        ("GET", "/admin/audit?date_from=2023-02-29&pair=x", None, admin_only(200)),
    ],
}


def populate(world):
    """The log needs nothing of its own: an empty one is shown as such."""
