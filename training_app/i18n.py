"""Languages: the one place that picks the language of a request and exports gettext helpers."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import current_app, g, has_request_context, request
from flask_babel import gettext as _  # noqa: F401  (re-exported)
from flask_babel import lazy_gettext as _l  # noqa: F401
from flask_babel import ngettext  # noqa: F401
from flask_login import current_user

LANGUAGE_COOKIE = "lang"


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


# Dates and numbers in UN style: English as in the UN's own documents (22 November 2026).
FORMAT_LOCALES = {"en": "en_GB"}


def format_locale(lang: str) -> str:
    return FORMAT_LOCALES.get(lang, lang)


def select_locale() -> str:
    if not has_request_context():  # a command or a background job: the default language
        return format_locale(g.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"])
    return format_locale(g.get("lang") or best_language())


@lru_cache(maxsize=32)
def text_direction(lang: str) -> str:
    return Locale.parse(lang).text_direction


@lru_cache(maxsize=8)
def _names(codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((code, Locale.parse(code).get_display_name(code)) for code in codes)


def language_names() -> list[tuple[str, str]]:
    """Each language named in itself, for the switcher."""
    return list(_names(tuple(languages())))
