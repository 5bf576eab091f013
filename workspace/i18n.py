"""Languages, time zones and locale-aware formatting (DESIGN §4)."""

from datetime import UTC
from functools import lru_cache
from pathlib import Path

from babel import Locale, dates
from flask import Flask, current_app, request, session
from flask_babel import (
    format_date,
    format_datetime,
    format_number,
    get_locale,
    get_timezone,
    get_translations,
)
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from .extensions import babel
from .models import utcnow


def select_locale() -> str:
    """The saved preference, else an explicit switch, else Accept-Language, else en."""
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def select_timezone() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return current_app.config["DEFAULT_USER_TIMEZONE"]


@lru_cache(maxsize=256)
def language_name(code: str) -> str:
    """A language's name in that language ("Nederlands"), as a switcher shows it."""
    try:
        return Locale.parse(code).get_display_name(code).capitalize()
    except (ValueError, LookupError):
        return code


def language_name_here(code: str) -> str:
    """A language's name in the reader's language."""
    return _language_name_in(code, str(get_locale()))


@lru_cache(maxsize=1024)
def _language_name_in(code: str, locale: str) -> str:
    try:
        return Locale.parse(code).get_display_name(locale) or code
    except (ValueError, LookupError):
        return code


def format_when(moment) -> str:
    """Date and time to the minute, in the reader's zone and locale ("7 déc. 2022, 09:00")."""
    return _format_when(moment, str(get_locale()), get_timezone())


@lru_cache(maxsize=8192)
def _format_when(moment, locale: str, zone) -> str:
    # Pure, and slow in Babel (~40 µs): a thread or timeline read again and again shows the
    # same moments, so they are formatted once per process and locale.
    if moment.tzinfo is None:  # stored in UTC (models.utcnow), naive on SQLite
        moment = moment.replace(tzinfo=UTC)
    local = zone.normalize(moment.astimezone(zone))  # pytz zones, as Flask-Babel's
    return (
        dates.get_datetime_format("medium", locale=locale)
        .replace("{1}", dates.format_date(local, "medium", locale=locale))
        .replace("{0}", dates.format_time(local, "short", locale=locale))
    )


def country_name(code: str) -> str:
    return get_locale().territories.get(code, code)


def template_helpers() -> dict:
    """``_``, ``gettext``, ``ngettext`` and ``format_when`` for templates, bound to this
    request's catalogue, locale and zone once. Flask-Babel's own callables look them up
    again for every string, through a dozen context lookups each, and a page has hundreds.
    Same behaviour as Jinja's newstyle gettext: escaped under autoescape, always %-formatted.
    (Macros imported without context use the global, unbound ones: same answers.)"""
    bound: dict = {}  # looked up at first use: a template may render without a request

    def catalogue():
        if not bound:
            bound.update(catalogue=get_translations(), locale=str(get_locale()))
            bound["zone"] = get_timezone()
        return bound["catalogue"]

    # The evaluation context only (for autoescape), not the template context: Jinja makes a
    # copy of the template context for each call of a function that takes it from inside a
    # loop or block that sets variables, and a page makes hundreds of such calls.
    @pass_eval_context
    def gettext(eval_ctx, string, **variables):
        return _formatted(eval_ctx, catalogue().ugettext(string), variables)

    @pass_eval_context
    def ngettext(eval_ctx, singular, plural, num, **variables):
        variables.setdefault("num", num)
        return _formatted(eval_ctx, catalogue().ungettext(singular, plural, num), variables)

    def format_when(moment) -> str:
        catalogue()
        return _format_when(moment, bound["locale"], bound["zone"])

    # "_" too: Jinja's own "_" is an alias that looks "gettext" up again on every call.
    return {"_": gettext, "gettext": gettext, "ngettext": ngettext, "format_when": format_when}


def _formatted(eval_ctx, text: str, variables: dict):
    # The catalogue is ours, trusted as Jinja trusts it; the variables are escaped. Without
    # variables and without "%" the %-formatting would change nothing ("%%" must still
    # become "%"), so it is skipped.
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704
    return text % variables if variables or "%" in text else text


def init_app(app: Flask, translations: Path) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(translations)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(
        get_locale=get_locale,
        language_name=language_name,
        language_name_here=language_name_here,
        format_date=format_date,
        format_datetime=format_datetime,
        country_name=country_name,
        format_when=format_when,
        now_utc=utcnow,
    )
    app.jinja_env.filters["format_number"] = format_number
    app.context_processor(template_helpers)
