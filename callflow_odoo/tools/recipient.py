"""How a message addresses the person it goes to: in their language, with
our number written the way they would dial it.

Pure functions, no database: callers pass the installed language codes.
"""

import phonenumbers
from babel.core import get_global
from babel.languages import get_official_languages

from .phone import format_number, region_of


def lang_for_country(country_code, installed):
    """The installed language (Odoo code, e.g. ``ja_JP``) people of
    ``country_code`` read, or None.

    The country's own variant first (``en_GB`` for GB), then the language's
    main variant (``en_US``: babel's likely subtags), then any variant.
    """
    if not country_code:
        return None
    country_code = country_code.upper()
    installed = list(installed)
    likely = get_global("likely_subtags")
    for language in get_official_languages(country_code, de_facto=True):
        main = likely.get(language, "").split("_")
        candidates = [f"{language}_{country_code}"]
        if len(main) > 1:
            candidates.append(f"{language}_{main[-1]}")
        candidates.append(language)
        for code in candidates:
            if code in installed:
                return code
        for code in installed:
            if code.startswith(f"{language}_"):
                return code
    return None


def lang_for_number(e164, installed):
    """The installed language of the country of ``e164``, or None."""
    try:
        return lang_for_country(region_of(e164), installed)
    except phonenumbers.NumberParseException:
        return None


def caller_number_for(caller_e164, recipient_e164):
    """Our number as the recipient dials it: national when they are in the
    same country, international otherwise."""
    if not caller_e164:
        return ""
    try:
        same_country = region_of(caller_e164) == region_of(recipient_e164)
    except phonenumbers.NumberParseException:
        same_country = False
    return format_number(caller_e164, "national" if same_country else "international")
