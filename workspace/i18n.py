"""Languages, time zones and locale-aware formatting (DESIGN §4)."""

from pathlib import Path

from babel import Locale, dates
from flask import Flask, current_app, request, session
from flask_babel import format_date, format_datetime, format_number, get_locale, to_user_timezone
from flask_login import current_user

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


def language_name(code: str) -> str:
    """A language's name in that language ("Nederlands"), as a switcher shows it."""
    try:
        return Locale.parse(code).get_display_name(code).capitalize()
    except (ValueError, LookupError):
        return code


def language_name_here(code: str) -> str:
    """A language's name in the reader's language."""
    try:
        return Locale.parse(code).get_display_name(get_locale()) or code
    except (ValueError, LookupError):
        return code


def format_when(moment) -> str:
    """Date and time to the minute, in the reader's zone and locale ("7 déc. 2022, 09:00")."""
    locale, local = get_locale(), to_user_timezone(moment)
    return (
        dates.get_datetime_format("medium", locale=locale)
        .replace("{1}", dates.format_date(local, "medium", locale=locale))
        .replace("{0}", dates.format_time(local, "short", locale=locale))
    )


def country_name(code: str) -> str:
    return get_locale().territories.get(code, code)


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
