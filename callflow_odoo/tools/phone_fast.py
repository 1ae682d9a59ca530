"""A shortcut through ``phonenumbers.parse`` for the common shapes.

Building a call list parses each source number once, and
``phonenumbers.parse`` spends most of its time finding a number in free
text (normalising digit by digit, looking for extensions, RFC 3966, an
international prefix). Text already cleaned by ``phone.clean_input`` is
plain ASCII digits and separators, so those steps are known in advance;
:func:`quick_parse` then runs the library's own remaining steps (country
code, national prefix, lengths) and gives the same ``PhoneNumber``. Any
other shape returns None and the caller uses ``phonenumbers.parse``.
"""

import re

from phonenumbers import PhoneMetadata, PhoneNumber
from phonenumbers import phonenumberutil as pnu

_SEPARATORS = str.maketrans("", "", " -.()/")
_STRIP_KEEPS = (
    pnu.ValidationResult.TOO_SHORT,
    pnu.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    pnu.ValidationResult.INVALID_LENGTH,
)
# The library's internals this shortcut retraces. Should a release of
# phonenumbers rename one, the shortcut steps aside and every number goes
# through ``phonenumbers.parse`` as before: slower, never wrong.
AVAILABLE = all(
    hasattr(pnu, name)
    for name in (
        "_MIN_LENGTH_FOR_NSN",
        "_MAX_LENGTH_FOR_NSN",
        "_MAX_LENGTH_COUNTRY_CODE",
        "_maybe_strip_national_prefix_carrier_code",
        "_test_number_length",
        "_set_italian_leading_zeros_for_phone_number",
        "COUNTRY_CODE_TO_REGION_CODE",
        "region_code_for_country_code",
    )
)


def quick_parse(cleaned, region):
    """``phonenumbers.parse(cleaned, region)`` for ``cleaned`` made of ASCII
    digits and separators (one leading ``+`` at most), or None when the
    text takes a path of the library's not retraced here."""
    if not AVAILABLE:
        return None
    digits = cleaned.translate(_SEPARATORS)
    plus = digits[:1] == "+"
    if plus:
        digits = digits[1:]
    if not (digits.isascii() and digits.isdigit() and 3 <= len(digits) <= 17):
        return None
    if plus:
        country_code, national = _country_code(digits)
        if not country_code:
            return None
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(
            country_code, pnu.region_code_for_country_code(country_code)
        )
    else:
        metadata = PhoneMetadata.metadata_for_region(region or "", None)
        if metadata is None or digits.startswith(str(metadata.country_code)):
            return None
        if metadata.international_prefix and re.match(
            metadata.international_prefix, digits
        ):
            return None
        country_code, national = metadata.country_code, digits
    if metadata is None or len(national) < pnu._MIN_LENGTH_FOR_NSN:
        return None
    _carrier, stripped, _ = pnu._maybe_strip_national_prefix_carrier_code(
        national, metadata
    )
    if pnu._test_number_length(stripped, metadata) not in _STRIP_KEEPS:
        national = stripped
    if not pnu._MIN_LENGTH_FOR_NSN <= len(national) <= pnu._MAX_LENGTH_FOR_NSN:
        return None
    numobj = PhoneNumber(country_code=country_code)
    pnu._set_italian_leading_zeros_for_phone_number(national, numobj)
    numobj.national_number = int(national)
    return numobj


def _country_code(digits):
    """``(country code, rest)`` of the digits after a ``+``, as the library
    reads them; ``(0, None)`` when none."""
    if len(digits) <= pnu._MIN_LENGTH_FOR_NSN or digits[0] == "0":
        return 0, None
    for length in range(1, min(len(digits), pnu._MAX_LENGTH_COUNTRY_CODE) + 1):
        if int(digits[:length]) in pnu.COUNTRY_CODE_TO_REGION_CODE:
            return int(digits[:length]), digits[length:]
    return 0, None
