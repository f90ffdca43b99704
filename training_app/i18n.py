"""Languages, in one place: which language a request is in, the gettext helpers, and the
formatting of dates, numbers, countries and contingents. Everything below the views takes the
language as an argument (`in_language(lang)` around its labels), never the request's."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache

from babel import Locale
from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import numbers as babel_numbers
from flask import current_app, g, has_request_context, request
from flask_babel import force_locale, get_locale, ngettext, pgettext  # noqa: F401
from flask_babel import gettext as _  # noqa: F401  (re-exported)
from flask_babel import lazy_gettext as _l  # noqa: F401
from flask_login import current_user

LANGUAGE_COOKIE = "lang"
# Dates and numbers in UN style: English as in the UN's own documents (22 November 2026).
FORMAT_LOCALES = {"en": "en_GB"}


def languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def best_language() -> str:
    """For a request without a language in its URL: the user's choice, then Accept-Language."""
    langs = languages()
    if getattr(current_user, "is_authenticated", False) and current_user.language in langs:
        return current_user.language
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in langs:
        return cookie
    return request.accept_languages.best_match(langs) or current_app.config[
        "BABEL_DEFAULT_LOCALE"]


def format_locale(lang: str) -> str:
    return FORMAT_LOCALES.get(lang, lang)


def select_locale() -> str:
    if not has_request_context():  # a command or a background job: the default language
        return format_locale(g.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"])
    return format_locale(g.get("lang") or best_language())


@contextmanager
def in_language(lang: str):
    """Interface strings in `lang` inside the block, whatever the request's language."""
    with force_locale(format_locale(lang)):
        yield


@lru_cache(maxsize=32)
def text_direction(lang: str) -> str:
    return Locale.parse(lang).text_direction


@lru_cache(maxsize=8)
def _names(codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((code, Locale.parse(code).get_display_name(code)) for code in codes)


def language_names() -> list[tuple[str, str]]:
    """Each language named in itself, for the switcher."""
    return list(_names(tuple(languages())))


def format_date(value: date | datetime, lang: str, fmt: str = "long") -> str:
    """A date in the language's own format (22 November 2026, 2026年11月22日, ...)."""
    return babel_dates.format_date(value, fmt, locale=format_locale(lang))


def format_datetime(value: datetime, lang: str, fmt: str = "medium") -> str:
    return babel_dates.format_datetime(value, fmt, locale=format_locale(lang))


def format_number(value: int | float, lang: str) -> str:
    return babel_numbers.format_decimal(value, locale=format_locale(lang))


def format_list(items: list[str], style: str = "standard") -> str:
    """Items joined the current language's way: "a, b or c", "a أو b", "a或b" (style "or")."""
    return babel_lists.format_list(list(items), style=style, locale=get_locale() or "en")


def format_percent(fraction: float, lang: str) -> str:
    """A share as a percentage the language's way (80 %, 80%, ٨٠٪ ...)."""
    return babel_numbers.format_percent(fraction, locale=format_locale(lang))


# Codes Babel lists that are not countries a contingent comes from
NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}


@lru_cache(maxsize=8)
def countries(lang: str) -> tuple[tuple[str, str], ...]:
    """ISO 3166 countries named in `lang`, in that language's order."""
    names = Locale.parse(lang).territories
    return tuple(sorted(((code, name) for code, name in names.items()
                         if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES),
                        key=lambda item: item[1]))


def country_name(code: str, lang: str) -> str:
    return Locale.parse(lang).territories.get(code, code)


def contingent_label(contingent, lang: str | None = None) -> str:
    """The one way a contingent is named: "Ghana — GHANBATT" in a language, "GH — GHANBATT"
    where no language applies (a signed certificate, a bundle)."""
    if contingent is None:
        return ""
    country = country_name(contingent.country, lang) if lang else contingent.country
    return f"{country} — {contingent.unit}"
