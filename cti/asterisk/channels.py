"""``ChannelIndex``: which channel name each live Uniqueid has, kept from the events seen.

AMI actions name channels (``Redirect Channel: Local/40@callers-0000000b;1``) while the
domain names calls by the caller channel's Uniqueid. The adapter feeds every event through
``observe()`` and asks ``channel(call_id)`` when a command needs the name:

- ``Newchannel`` and ``CoreShowChannel`` (resync) add a channel;
- ``Rename`` follows a masquerade (``Newname``);
- ``Hangup`` removes it;
- a resync (``mark()`` before ``CoreShowChannels`` is sent, ``reset()`` with its result)
  drops the channels that ended while the link was down, and keeps both the listed ones and
  any seen created since the mark (their events may be handled before the result is).

Other events are ignored, even those that carry both headers: ``Cdr`` and ``CEL`` arrive
after the ``Hangup`` and would bring a dead channel back. A client that joined a busy PBX
learns the channels it never saw created from the ``CoreShowChannels`` resync (``reset``).
"""

from __future__ import annotations

from cti.asterisk.ami import ActionResult, Event

_ADDS = frozenset({"Newchannel", "CoreShowChannel"})
_OBSERVED = _ADDS | {"Hangup", "Rename"}
_MAX_CHANNELS = 100_000  # a runaway PBX must not grow this without bound


class ChannelIndex:
    __slots__ = ("_fresh", "_names")

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._fresh: set[str] | None = None

    def observe(self, event: Event) -> None:
        name = event.name
        if name not in _OBSERVED:
            return  # most events: their headers are not even indexed here
        uniqueid = event.get("Uniqueid")
        if not uniqueid:
            return
        if name == "Hangup":
            self._names.pop(uniqueid, None)
        elif name == "Rename":
            new_name = event.get("Newname")
            if new_name:
                self._names[uniqueid] = new_name
        elif name in _ADDS and (channel := event.get("Channel")) and self._room_for(uniqueid):
            self._names[uniqueid] = channel
            if self._fresh is not None and name == "Newchannel":
                self._fresh.add(uniqueid)

    def _room_for(self, uniqueid: str) -> bool:
        return len(self._names) < _MAX_CHANNELS or uniqueid in self._names

    def mark(self) -> None:
        """A resync starts: remember the channels created from now on."""
        self._fresh = set()

    def reset(self, channels: ActionResult) -> None:
        """Keep what ``CoreShowChannels`` lists and what was created since ``mark()``."""
        fresh, self._fresh = self._fresh or set(), None
        listed = {e.get("Uniqueid") for e in channels.events}
        for uniqueid in [u for u in self._names if u not in listed and u not in fresh]:
            del self._names[uniqueid]
        for event in channels.events:
            self.observe(event)

    def channel(self, call_id: str) -> str | None:
        return self._names.get(call_id)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._names
