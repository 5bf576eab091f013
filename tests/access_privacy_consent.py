"""Consent, public notices and the visibility register in the access matrix.

The notices are public; a consent is its giver's own (anyone else's is not found); the
register of who sees which pair is for the programme administrator."""

from access_rules import SIGNED_OUT, admin_only, public, signed_in

from workspace import db
from workspace.models import Consent


def populate(world):
    if hasattr(world, "network_consent"):
        return
    world.network_consent = Consent(
        user=world.network_mentor, pair=world.pair, notice_version="2026-11-22", locale="en"
    )
    db.session.add(world.network_consent)
    db.session.commit()


def own_only(ok):
    """The network member's own consent; anyone else's is not found."""

    def expect(role):
        if role == SIGNED_OUT:
            return 302
        return ok if role == "network_mentor" else 404

    return expect


def _withdraw(world) -> str:
    return f"/privacy/consents/{world.network_consent.id}/withdraw"


MATRIX = {
    "privacy.privacy_notice": [("GET", "/privacy", None, public(200))],
    "privacy.accessibility_statement": [("GET", "/accessibility", None, public(200))],
    "privacy.consents": [("GET", "/privacy/consents", None, signed_in(200))],
    "privacy.withdraw_consent": [
        ("GET", _withdraw, None, own_only(200)),
        # A redirect to the consents page, or to htmx an HX-Redirect there.
        ("POST", _withdraw, None, own_only({303, 200})),
    ],
    "privacy.register": [
        ("GET", "/admin/register", None, admin_only(200)),
        ("GET", "/admin/register?pair={pair}", None, admin_only(200)),
    ],
}
