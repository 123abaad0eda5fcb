"""The language of a page and what depends on it alone: the message catalogues (gettext, compiled from
``locale/*/LC_MESSAGES/messages.po``), and dates and numbers written as each language writes them (Babel's CLDR
data). The site's words are written in English in the templates and the code, French comes from its catalogue."""

import functools
import gettext
from datetime import date
from decimal import Decimal
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_decimal
from fastapi import Request

LANGS = ("fr", "en")  # the first is the default
LOCALE_DIR = Path(__file__).parent / "locale"


def lang_of(request: Request) -> str:
    """The page language: ``?lang=`` when it names one of LANGS, else French."""
    asked = request.query_params.get("lang")
    return asked if asked in LANGS else LANGS[0]


@functools.cache
def translations(lang: str) -> gettext.GNUTranslations:
    """The compiled catalogue of ``lang`` (a missing one is an error, not a silent English page)."""
    return gettext.translation("messages", LOCALE_DIR, [lang])


def readable_date(value: str, lang: str) -> str:
    """An xsd:date, gYearMonth or gYear as a reader writes it: « 6 juillet 2017 », « mai 2014 », « 2013 »;
    anything else as it is."""
    parts = value.split("-")
    if not 1 < len(parts) <= 3 or not all(p.isdigit() for p in parts):
        return value
    year, month, day = (int(p) for p in (*parts, "1")[:3])
    try:
        when = date(year, month, day)
    except ValueError:
        return value
    return format_date(when, "d MMMM y" if len(parts) == 3 else "MMMM y", locale=lang)


def readable_number(value: Decimal, lang: str) -> str:
    """A number with the grouping and decimal signs of ``lang``, every printed decimal kept (« 1 500,5 »)."""
    return format_decimal(value, locale=lang, decimal_quantization=False)
