"""The calling window, checked in the callee's local time at dial time (DST included).

A number may sit in several zones (phonenumbers gives every zone its prefix covers); it may
be called only when the window is open in *every* one of them, so the strictest hours apply.
A number with no known zone follows the campaign's policy: skipped, or treated as in the
zone the campaign names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as pn_timezone

from dialer.campaign import CallingWindow, CampaignSpec, UnknownZonePolicy

UNKNOWN = "Etc/Unknown"


@dataclass(frozen=True, slots=True)
class WindowCheck:
    open: bool
    reason: str  # why not, in a sentence; "" when open


def zones_for(e164_number: str) -> tuple[str, ...]:
    """The IANA zones the number may be in (empty when unknown)."""
    return zones_of(phonenumbers.parse(e164_number, None), e164_number)


def zones_of(number: phonenumbers.PhoneNumber, e164_number: str) -> tuple[str, ...]:
    """The zones of a valid, parsed number. The zone tables go by prefix, never down to the
    last four digits, so numbers that differ only there share one lookup."""
    prefix = e164_number[:-4]
    zones = _BY_PREFIX.get(prefix)
    if zones is None:
        found = pn_timezone.time_zones_for_geographical_number(number)
        zones = tuple(z for z in found if z != UNKNOWN)
        if len(_BY_PREFIX) < MAX_PREFIXES:
            _BY_PREFIX[prefix] = zones
    return zones


MAX_PREFIXES = 100_000
_BY_PREFIX: dict[str, tuple[str, ...]] = {}


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def window_open(window: CallingWindow, zone: str, now: float) -> bool:
    local = datetime.fromtimestamp(now, UTC).astimezone(_zone(zone))
    return local.isoweekday() in window.days and window.start <= local.time() < window.end


def may_call(spec: CampaignSpec, zones: Sequence[str], now: float) -> WindowCheck:
    """Whether a number in ``zones`` may be dialled at ``now`` (clock seconds, UTC epoch)."""
    if not zones:
        if spec.unknown_zone is UnknownZonePolicy.SKIP or spec.assume_zone is None:
            return WindowCheck(False, "time zone unknown, and the campaign skips such numbers")
        zones = (spec.assume_zone,)
    closed = [z for z in zones if not window_open(spec.window, z, now)]
    if closed:
        return WindowCheck(False, f"outside the calling window in {', '.join(sorted(closed))}")
    return WindowCheck(True, "")
