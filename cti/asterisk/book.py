"""``CallBook``: the calls the normaliser follows and how each channel maps to one of them.

- ``calls``: call id -> ``Track``;
- ``legs``: the Uniqueid of an agent leg (``DestUniqueid`` of ``AgentCalled``) or of an
  outbound call's customer leg -> call id;
- ``names``: the channel name of each call -> call id, so that the ``;2`` half of a Local
  pair (the caller's phone in the captures) finds its call;
- ``variables``: call variables set on a channel before it became a call (an originate's
  ``CRM_*`` arrive before its ``Dial``), handed over when it is offered;
- ``ended``: calls recently ended, never adopted again by a late event;
- ``routed_legs``: mode (b) agent legs some other session rang, by their ``SB_*`` variables.
"""

from __future__ import annotations

from dataclasses import replace

from cti.asterisk import fields
from cti.asterisk.ami import Event
from cti.asterisk.members import Members
from cti.asterisk.tracks import Side, Stage, Track, end_cause
from cti.telephony import events as ev

_MAX_ENDED = 10_000
_MAX_BUFFERED = 10_000  # channels holding call variables before they became calls

Events = list[ev.TelephonyEvent]
Caller = tuple[str | None, str | None]  # number, name


def caller_of(event: Event, prefix: str = "") -> Caller:
    return (
        fields.caller_id(event.get(f"{prefix}CallerIDNum")),
        fields.caller_id(event.get(f"{prefix}CallerIDName")),
    )


class CallBook:
    __slots__ = (
        "calls",
        "ended",
        "inbound",
        "legs",
        "members",
        "names",
        "routed_legs",
        "unresolved",
        "variables",
    )

    def __init__(self, inbound: frozenset[str], members: Members) -> None:
        self.inbound = inbound
        self.members = members
        self.calls: dict[str, Track] = {}
        self.legs: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.variables: dict[str, dict[str, str]] = {}
        self.ended: dict[str, None] = {}
        self.unresolved: set[str] = set()  # outbound calls whose agent is not known yet
        self.routed_legs: dict[str, dict[str, str]] = {}  # mode (b) legs known by their SB_*

    # -- lookups ----------------------------------------------------------------
    def call_of(self, event: Event, prefix: str = "") -> Track | None:
        """The call a channel event (or its ``Dest…`` / ``Transferee…`` side) belongs to."""
        uniqueid = event.get(f"{prefix}Uniqueid")
        if uniqueid is None:
            return None
        call_id = uniqueid if uniqueid in self.calls else self.legs.get(uniqueid)
        if call_id is None:
            sibling = fields.local_sibling(event.get(f"{prefix}Channel") or "")
            call_id = self.names.get(sibling) if sibling else None
        return self.calls.get(call_id) if call_id else None

    # -- changes ----------------------------------------------------------------
    def put(self, track: Track) -> Track:
        self.calls[track.call_id] = track
        self.names[track.channel] = track.call_id
        return track

    def link(self, uniqueid: str | None, track: Track) -> None:
        if uniqueid:
            self.legs[uniqueid] = track.call_id

    def buffer(self, uniqueid: str, name: str, value: str) -> None:
        if uniqueid in self.variables or len(self.variables) < _MAX_BUFFERED:
            self.variables.setdefault(uniqueid, {})[name] = value

    def offer(self, track: Track, caller: Caller, at: float) -> Events:
        """``CallOffered``, then any variables set on the channel before."""
        number, name = caller
        if track.direction is ev.Direction.OUTBOUND:
            number, name = track.dialled or None, None
        self.put(replace(track, stage=Stage.OFFERED))
        out: Events = [
            ev.CallOffered(track.call_id, at, number, name, track.dialled, track.direction)
        ]
        variables = self.variables.pop(track.call_id, None)
        if variables:
            out.append(ev.CallVariables(track.call_id, at, tuple(variables.items())))
        return out

    def ensure_offered(self, track: Track, caller: Caller, at: float) -> tuple[Track, Events]:
        if track.offered:
            return track, []
        out = self.offer(track, caller, at)
        return self.calls[track.call_id], out

    def adopt(
        self, event: Event, queue: str | None, queued_at: float | None, at: float
    ) -> tuple[Track | None, Events]:
        """A call first seen mid-way (a busy PBX, a missed start): offer and queue it."""
        call_id, channel = event.get("Uniqueid"), event.get("Channel")
        if not call_id or not channel or call_id in self.ended:
            return None, []
        track = Track(call_id, channel, ev.Direction.INBOUND, event.get("Exten") or "")
        since = at if queued_at is None else min(at, queued_at)
        out = self.offer(track, caller_of(event), since)
        if queue:
            out += self.enqueue(self.calls[call_id], queue, since)
        return self.calls[call_id], out

    def enqueue(self, track: Track, queue: str, at: float, position: int = 0) -> Events:
        self.put(replace(track, stage=Stage.QUEUED, queue=queue, agent=None, agent_leg=None))
        return [ev.CallQueued(track.call_id, at, queue, position)]

    def answer(self, track: Track, agent: str, leg: str | None, at: float) -> Events:
        """``CallAnswered``; ``AgentRinging`` first unless that agent's ring was seen, so the
        engine reserves the agent (and pops the call) before connecting it."""
        out: Events = []
        if not (track.stage is Stage.RINGING and track.agent == agent):
            out.append(ev.AgentRinging(track.call_id, at, agent, track.queue))
        self.link(leg, track)
        leg = leg or track.agent_leg
        self.put(replace(track, stage=Stage.CONNECTED, agent=agent, agent_leg=leg, answered_at=at))
        out.append(ev.CallAnswered(track.call_id, at, agent, track.queue))
        return out

    def transfer(self, track: Track, at: float, target: str, kind: str) -> Events:
        """The call leaves its queue or agent: a new leg starts, offered but nowhere yet."""
        for leg in [u for u, c in self.legs.items() if c == track.call_id]:
            del self.legs[leg]
        self.put(
            replace(
                track,
                stage=Stage.OFFERED,
                queue=None,
                agent=None,
                agent_leg=None,
                answered_at=None,
                ended_by=None,
                first_hangup=None,
                hangup_code=None,
                transferred_from=track.queue,
                redirected=False,
            )
        )
        return [ev.CallTransferred(track.call_id, at, target, kind)]

    def end(self, track: Track, at: float, code: int | None = None) -> Events:
        """``CallEnded``, and forget the call (offering it first if it never was)."""
        out = [] if track.offered else self.offer(track, (None, None), at)
        cause = end_cause(track, code if code is not None else track.hangup_code)
        self.forget(track.call_id)
        return [*out, ev.CallEnded(track.call_id, at, cause, code)]

    def forget(self, call_id: str) -> None:
        track = self.calls.pop(call_id, None)
        if track is not None and self.names.get(track.channel) == call_id:
            del self.names[track.channel]
        for leg in [u for u, c in self.legs.items() if c == call_id]:
            del self.legs[leg]
        self.variables.pop(call_id, None)
        self.unresolved.discard(call_id)
        self.ended[call_id] = None
        if len(self.ended) > _MAX_ENDED:
            del self.ended[next(iter(self.ended))]

    def hung_up(self, track: Track, side: Side, code: int | None) -> None:
        """Another channel of the call went down: remember which side went first."""
        if track.first_hangup is None:
            self.put(replace(track, first_hangup=side, hangup_code=code))
