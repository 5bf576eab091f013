"""The public privacy notice and accessibility statement, one long text per language.

The texts are whole templates (``templates/privacy/notice_<lang>.html``,
``statement_<lang>.html``) rather than hundreds of gettext strings: a legal text reads and
is reviewed as a whole. The page around them (title, version, links) goes through gettext.
"""

from email.utils import parseaddr

from flask import current_app
from flask import render_template as render_page
from flask_babel import get_locale

from . import bp

# The version of the privacy notice that support-network members consent to. Change it
# (and the four texts) together: every consent records the version it was given to.
PRIVACY_NOTICE_VERSION = "2026-11-22"
# Languages with their own text; any other locale reads the English one.
TEXT_LANGUAGES = ("en", "fr", "nl", "it")


def text_language() -> str:
    """The language of the text to show: the reader's, if we have it, else English."""
    language = get_locale().language if get_locale() else "en"
    return language if language in TEXT_LANGUAGES else "en"


def contact_address(key: str) -> str:
    """A contact address from the configuration, else the address mails are sent from."""
    configured = current_app.config.get(key)
    if configured:
        return configured
    return parseaddr(current_app.config.get("MAIL_SENDER") or "")[1]


@bp.get("/privacy")
def privacy_notice():
    language = text_language()
    return render_page(
        "privacy/notice.html",
        text=f"privacy/notice_{language}.html",
        text_language=language,
        version=PRIVACY_NOTICE_VERSION,
        contact=contact_address("PRIVACY_CONTACT"),
    )


@bp.get("/accessibility")
def accessibility_statement():
    language = text_language()
    return render_page(
        "privacy/statement.html",
        text=f"privacy/statement_{language}.html",
        text_language=language,
        contact=contact_address("ACCESSIBILITY_CONTACT"),
    )
