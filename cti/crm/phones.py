"""Phone numbers as the PBX hands them to us, turned into E.164 for storage and lookup.

Both sides of every match go through ``normalise`` with the same default region, so
``(212) 555-0147``, ``1 212 555 0147`` and ``+12125550147`` all find the same customer.
Numbers are accepted when they have a possible length for their country (not only when the
numbering plan lists them as allocated), so a CTI lookup never misses a customer because
the phonenumbers metadata is older than the number.
"""

from __future__ import annotations

import re

import phonenumbers

#: What Asterisk and SIP trunks put in CALLERID(num) when the caller hid their number.
WITHHELD_MARKERS = frozenset(
    {
        "anonymous",
        "restricted",
        "unknown",
        "<unknown>",
        "private",
        "withheld",
        "unavailable",
        "blocked",
    }
)

_URI = re.compile(r"^(?:sips?|tel):(?P<user>[^@;]*)", re.IGNORECASE)
_MAX_RAW_LENGTH = 64


def is_withheld(raw: str | None) -> bool:
    """True when there is no caller number to look up at all."""
    if raw is None:
        return True
    user = _strip_uri(raw).strip()
    return user == "" or user.lower() in WITHHELD_MARKERS


def normalise(raw: str | None, default_region: str = "US") -> str | None:
    """``raw`` in E.164 (``+12125550147``), or None when it is not a usable phone number."""
    if raw is None or is_withheld(raw) or len(raw) > _MAX_RAW_LENGTH:
        return None
    try:
        parsed = phonenumbers.parse(_strip_uri(raw).strip(), default_region.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def digits(raw: str) -> str:
    """Only the digits of ``raw``, for partial-number search."""
    return "".join(ch for ch in raw if ch.isdigit())


def _strip_uri(raw: str) -> str:
    match = _URI.match(raw.strip())
    return match.group("user") if match else raw
