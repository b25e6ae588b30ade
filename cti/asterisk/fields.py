"""Reading AMI header values: numbers, caller ids, channel names, durations, timestamps.

Every reader returns ``None`` for a missing or malformed value and logs a warning for a
malformed one, so that one odd header costs that value and never the event that carries it.
"""

from __future__ import annotations

import re
from datetime import datetime

import structlog

from cti.asterisk.ami import Event

log = structlog.get_logger(__name__)

_UNKNOWN = frozenset({"", "<unknown>", "unknown", "anonymous", "<none>"})
# ``Local/1002@agents-00000006;1`` -> ``Local/1002@agents``; ``PJSIP/bob-0000001a`` -> ``PJSIP/bob``
_CHANNEL_SUFFIX = re.compile(r"-[0-9a-fA-F]+(?:;[12])?$")
_LOCAL_HALF = re.compile(r";([12])$")


def integer(event: Event, name: str) -> int | None:
    value = event.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value.strip())
    except ValueError:
        log.warning("ami_malformed_field", ami_event=event.name, field=name, value=value[:40])
        return None


def number(event: Event, name: str) -> float | None:
    value = event.get(name)
    if value is None or value == "":
        return None
    try:
        return float(value.strip())
    except ValueError:
        log.warning("ami_malformed_field", ami_event=event.name, field=name, value=value[:40])
        return None


def flag(event: Event, name: str) -> bool:
    """``Paused: 1`` / ``true`` / ``yes`` (anything else is False)."""
    return (event.get(name) or "").strip().lower() in ("1", "true", "yes", "on")


def text(event: Event, name: str) -> str | None:
    """A header that means nothing when empty (``PausedReason:``) as None."""
    value = event.get(name)
    return value if value else None


def caller_id(value: str | None) -> str | None:
    """``<unknown>`` and friends mean no caller id."""
    if value is None or value.strip().lower() in _UNKNOWN:
        return None
    return value


def device(channel: str) -> str:
    """The device a channel runs on: its name less Asterisk's per-call suffix."""
    return _CHANNEL_SUFFIX.sub("", channel)


def interface_device(interface: str) -> str:
    """A member's interface as a device: ``Local/1001@agents/n`` -> ``Local/1001@agents``."""
    local = interface.startswith("Local/") and interface.endswith("/n")
    return interface[:-2] if local else interface


def local_sibling(channel: str) -> str | None:
    """The other half of a Local channel (``…;1`` <-> ``…;2``), or None for any other channel."""
    match = _LOCAL_HALF.search(channel)
    if match is None or not channel.startswith("Local/"):
        return None
    return channel[: match.start()] + (";2" if match.group(1) == "1" else ";1")


def dialled_number(dial_string: str) -> str:
    """The number a Dial string calls: ``15@callers`` -> ``15``, ``t/sip:+1415@h`` -> ``+1415``,
    ``+1415@switchboard-outbound/n`` -> ``+1415`` (a Local channel's options follow a ``/``)."""
    segments = dial_string.split(",", 1)[0].split("/")
    target = next((s for s in reversed(segments) if "@" in s), segments[-1])
    target = target.removeprefix("sip:").removeprefix("tel:")
    return target.split("@", 1)[0]


def duration(value: str | None) -> float | None:
    """``Duration: 00:01:05`` (CoreShowChannel) as seconds."""
    if not value:
        return None
    try:
        seconds = 0
        for part in value.strip().split(":"):
            seconds = seconds * 60 + int(part)
    except ValueError:
        log.warning("ami_malformed_field", field="Duration", value=value[:40])
        return None
    return float(seconds)


def uniqueid_time(uniqueid: str) -> float | None:
    """When a channel was created, from its Uniqueid (``[system-]<epoch>.<sequence>``)."""
    stamp = uniqueid.rsplit("-", 1)[-1].split(".", 1)[0]
    return float(stamp) if stamp.isdigit() and len(stamp) >= 9 else None


def event_time(value: str) -> float | None:
    """``EventTV: 2026-11-24T00:13:17.980+0000`` as epoch seconds."""
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
    except ValueError:
        return None
