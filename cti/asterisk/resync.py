"""Catching up after a reconnect or on joining a busy PBX, from two EventList results.

``CoreShowChannels`` lists every channel (``CoreShowChannel``: Uniqueid, Linkedid, context,
application, ``Duration``, ``BridgeId``); ``QueueStatus`` lists queues (``QueueParams``),
their members (``QueueMember``) and their waiting callers (``QueueEntry``, with ``Wait``).
``reconcile()`` compares that snapshot with the calls the ``CallBook`` follows:

- a call whose channel is gone ended meanwhile: ``CallEnded`` (cause ``system``), at the end
  of the agent's last call (``QueueMember`` ``LastCall``) when it was talking, else now; one
  that was ringing an agent whose last call ended after that ring began was answered by them
  meanwhile (``CallAnswered`` at the ring's start, then ``CallEnded``);
  when the PBX restarted meanwhile, it died with the PBX: cause ``pbx-lost``, at the moment
  the link was lost (a ``kill -9`` drops the link at once; the outage is no one's talk time);
- a call still there is brought up to date: answered (``CallAnswered``), moved to another
  queue (``CallTransferred`` + ``CallQueued``), or its ring over (``AgentRingNoAnswer``);
- a caller never seen is adopted: ``CallOffered``, ``CallQueued`` back-dated by its ``Wait``
  (by its channel's age when it is already talking), ``AgentRinging`` and ``CallAnswered``.

An answer that happened while we were away is not on the wire: it is placed at the ring's
start (the agent leg's creation), the earliest it can have been.

Mode (b) has no app_queue to ask (``RoutedLegs``): a caller in the holding context waits in
the queue its extension names, since the channel's age; a caller bridged with an agent leg
of the connect context talks to the agent that leg's ``SB_AGENT_ID`` names (the adapter
reads it with ``Getvar``). A call gone meanwhile ended when the dialplan's ``SB_ENDED`` global
says (its caller's hang-up in the holding context, its agent leg's end in the connect
context), not at the resync: mode (b) has no ``LastCall`` to go by.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from cti.asterisk import fields
from cti.asterisk.ami import ActionResult, Event
from cti.asterisk.book import CallBook, Events
from cti.asterisk.tracks import Stage, Track
from cti.telephony import events as ev


@dataclass(frozen=True, slots=True)
class ChannelRow:
    uniqueid: str
    name: str
    linkedid: str
    context: str
    exten: str
    application: str
    app_data: str
    age: float
    bridge: str
    caller: tuple[str | None, str | None]

    @classmethod
    def parse(cls, event: Event) -> ChannelRow | None:
        uniqueid, name = event.get("Uniqueid"), event.get("Channel")
        if not uniqueid or not name:
            return None
        return cls(
            uniqueid,
            name,
            event.get("Linkedid") or uniqueid,
            event.get("Context") or "",
            event.get("Exten") or "",
            event.get("Application") or "",
            event.get("ApplicationData") or "",
            fields.duration(event.get("Duration")) or 0.0,
            event.get("BridgeId") or "",
            (
                fields.caller_id(event.get("CallerIDNum")),
                fields.caller_id(event.get("CallerIDName")),
            ),
        )

    def since(self, now: float) -> float:
        """When the channel was created (``Duration`` is whole seconds: the middle of one)."""
        return now - self.age - 0.5


@dataclass(frozen=True, slots=True)
class RoutedLegs:
    """Mode (b) at a resync: the holding context, and the call and agent of each agent leg
    that is bridged in the connect context."""

    hold_context: str
    legs: Mapping[str, tuple[str, str]]  # agent leg Uniqueid -> (call id, agent)
    ended: Mapping[str, float] = field(default_factory=dict)  # call id -> when it ended


def ended_times(noted: str) -> dict[str, float]:
    """The dialplan's ``SB_ENDED`` global (``<call id>:<epoch>/`` each, the oldest cut off):
    when each call last ended something (the caller's hang-up, the agent leg's end)."""
    ended: dict[str, float] = {}
    for entry in noted.split("/"):
        call_id, _, at = entry.partition(":")
        try:
            moment = float(at)
        except ValueError:  # the entry the 2000-character cut began in, or none at all
            continue
        if call_id and math.isfinite(moment):
            ended[call_id] = max(moment, ended.get(call_id, moment))
    return ended


@dataclass(frozen=True, slots=True)
class Snapshot:
    channels: Mapping[str, ChannelRow]
    legs: Mapping[str, tuple[ChannelRow, ...]]  # caller Uniqueid -> channels app_queue dialled
    waits: Mapping[str, tuple[str, float]]  # caller Uniqueid -> (queue, seconds waited)
    members: tuple[Event, ...]
    queues: frozenset[str]
    routed: RoutedLegs | None = None

    @classmethod
    def parse(
        cls,
        channels: ActionResult | None,
        queue_status: ActionResult | None,
        routed: RoutedLegs | None = None,
    ) -> Snapshot:
        rows = channels.events if channels is not None else ()
        parsed = (ChannelRow.parse(e) for e in rows if e.name == "CoreShowChannel")
        listing = queue_status.events if queue_status is not None else ()
        waits: dict[str, tuple[str, float]] = {}
        for entry in (e for e in listing if e.name == "QueueEntry"):
            uniqueid, queue = entry.get("Uniqueid"), entry.get("Queue")
            if uniqueid and queue:
                waits[uniqueid] = (queue, fields.number(entry, "Wait") or 0.0)
        channel_rows = {row.uniqueid: row for row in parsed if row is not None}
        legs: dict[str, tuple[ChannelRow, ...]] = {}
        for row in channel_rows.values():
            if row.application == "AppQueue":
                legs[row.linkedid] = (*legs.get(row.linkedid, ()), row)
        return cls(
            channel_rows,
            legs,
            waits,
            tuple(e for e in listing if e.name == "QueueMember"),
            frozenset(q for e in listing if e.name == "QueueParams" and (q := e.get("Queue"))),
            routed,
        )

    def routed_leg(self, caller: ChannelRow) -> tuple[ChannelRow, str] | None:
        """Mode (b): the agent leg bridged with ``caller``, and its agent."""
        if self.routed is None or not caller.bridge:
            return None
        for uniqueid, (call_id, agent) in self.routed.legs.items():
            leg = self.channels.get(uniqueid)
            if call_id == caller.uniqueid and leg is not None and leg.bridge == caller.bridge:
                return leg, agent
        return None


@dataclass(frozen=True, slots=True)
class CallView:
    """One caller as the snapshot shows it."""

    row: ChannelRow
    queue: str | None
    wait: float | None
    connected: ChannelRow | None  # the agent leg bridged with the caller
    ringing: tuple[ChannelRow, ...]
    agent: str | None = None  # mode (b): the connected leg's agent


def reconcile(
    book: CallBook, snapshot: Snapshot, now: float, pbx_lost_at: float | None = None
) -> Events:
    out: Events = []
    for track in list(book.calls.values()):
        if track.call_id not in snapshot.channels:
            out += _ended(book, snapshot, track, now, pbx_lost_at)
    for track in list(book.calls.values()):
        view = _view(snapshot, snapshot.channels[track.call_id])
        out += _outbound(book, view, now) if track.direction is ev.Direction.OUTBOUND else []
        out += _catch_up(book, view, now) if track.direction is ev.Direction.INBOUND else []
    for row in snapshot.channels.values():
        if row.uniqueid not in book.calls and _is_caller(book, snapshot, row):
            out += _adopt(book, _view(snapshot, row), now)
    _forget_gone(book, snapshot)
    return out


def _is_caller(book: CallBook, snapshot: Snapshot, row: ChannelRow) -> bool:
    if row.uniqueid in book.ended:
        return False
    root = row.uniqueid == row.linkedid
    return (
        row.uniqueid in snapshot.waits
        or row.application == "Queue"
        or (root and row.context in book.inbound)
    )


def _view(snapshot: Snapshot, row: ChannelRow) -> CallView:
    legs = snapshot.legs.get(row.uniqueid, ())
    connected = next((leg for leg in legs if row.bridge and leg.bridge == row.bridge), None)
    queue, wait = snapshot.waits.get(row.uniqueid, (None, None))
    if queue is None and row.application == "Queue":
        queue = row.app_data.split(",", 1)[0] or None
    routed, agent = snapshot.routed, None
    if queue is None and routed is not None and row.context == routed.hold_context:
        queue = row.exten or None
    if connected is None and (found := snapshot.routed_leg(row)) is not None:
        connected, agent = found
    ringing = tuple(leg for leg in legs if not leg.bridge)
    return CallView(row, queue, wait, connected, ringing, agent)


def _agent(book: CallBook, leg: ChannelRow) -> str:
    device = fields.device(leg.name)
    return book.members.agent_for(device) or device


def _ended(
    book: CallBook, snapshot: Snapshot, track: Track, now: float, pbx_lost_at: float | None
) -> Events:
    if pbx_lost_at is not None:
        at = min(now, max(pbx_lost_at, track.answered_at or pbx_lost_at))
        track = book.put(replace(track, ended_by=track.ended_by or ev.EndCause.PBX_LOST))
        return book.end(track, at)
    if (unheard := _answered_unheard(book, track, now)) is not None:
        return unheard
    at = now
    noted = snapshot.routed.ended.get(track.call_id) if snapshot.routed else None
    if noted is not None:  # mode (b): the dialplan noted when it ended
        at = min(now, max(noted, track.answered_at or noted))
    elif track.stage is Stage.CONNECTED and track.agent and track.queue:
        member = book.members.get(track.queue, track.agent)
        answered = track.answered_at or now
        if member is not None and member.last_call and member.last_call + 1 >= answered:
            at = max(answered, min(now, member.last_call + 0.5))
    track = book.put(replace(track, ended_by=track.ended_by or ev.EndCause.SYSTEM))
    return book.end(track, at)


def _answered_unheard(book: CallBook, track: Track, now: float) -> Events | None:
    """A call that rang an agent when the link went and is gone now was answered by that
    agent if the agent's last call (``LastCall``) ended after the ring began (the agent
    leg's Uniqueid): answered at the ring's start, the earliest it can have been, and ended
    then. None when nothing says so (an abandon, or another agent took it)."""
    if track.stage is not Stage.RINGING or not (track.agent and track.queue and track.agent_leg):
        return None
    rang = fields.uniqueid_time(track.agent_leg)
    member = book.members.get(track.queue, track.agent)
    if rang is None or member is None or not member.last_call or member.last_call < rang:
        return None
    out = book.answer(track, track.agent, None, rang + 0.5)
    answered = book.calls[track.call_id]
    answered = book.put(replace(answered, ended_by=answered.ended_by or ev.EndCause.SYSTEM))
    return out + book.end(answered, max(rang + 0.5, min(now, member.last_call + 0.5)))


def _catch_up(book: CallBook, view: CallView, now: float) -> Events:
    track, out = book.ensure_offered(book.calls[view.row.uniqueid], view.row.caller, now)
    if view.connected is not None:
        agent = view.agent or _agent(book, view.connected)
        if track.stage is Stage.CONNECTED and track.agent == agent:
            return out
        if track.stage is Stage.CONNECTED:
            out += book.transfer(track, now, agent, "agent")
        out += _queue(book, view, now)
        return out + book.answer(book.calls[track.call_id], agent, *_leg(view.connected, now))
    if view.queue is None:
        return out
    if track.stage is Stage.CONNECTED or track.queue not in (None, view.queue):
        out += book.transfer(track, now, view.queue, "queue")
    return out + _queue(book, view, now) + _rings(book, view, now)


def _queue(book: CallBook, view: CallView, now: float) -> Events:
    track = book.calls[view.row.uniqueid]
    if view.queue is None or track.queue is not None:
        return []
    since = now - view.wait if view.wait is not None else view.row.since(now)
    return book.enqueue(track, view.queue, since)


def _rings(book: CallBook, view: CallView, now: float) -> Events:
    track = book.calls[view.row.uniqueid]
    agents = {_agent(book, leg): leg for leg in view.ringing}
    out: Events = []
    if track.stage is Stage.RINGING and track.agent not in agents and track.agent:
        out.append(ev.AgentRingNoAnswer(track.call_id, now, track.agent, track.queue))
        track = book.put(replace(track, stage=Stage.QUEUED, agent=None, agent_leg=None))
    for agent, leg in agents.items():
        if agent != track.agent:
            book.link(leg.uniqueid, track)
            track = book.put(
                replace(track, stage=Stage.RINGING, agent=agent, agent_leg=leg.uniqueid)
            )
            out.append(ev.AgentRinging(track.call_id, now, agent, track.queue))
    return out


def _leg(leg: ChannelRow, now: float) -> tuple[str, float]:
    return leg.uniqueid, leg.since(now)


def _adopt(book: CallBook, view: CallView, now: float) -> Events:
    row = view.row
    track = Track(row.uniqueid, row.name, ev.Direction.INBOUND, row.exten)
    out = book.offer(track, row.caller, row.since(now))
    if view.agent is not None and view.connected is not None:  # mode (b): talking already
        track = book.put(replace(book.calls[row.uniqueid], queue=view.queue))
        return out + book.answer(track, view.agent, *_leg(view.connected, now))
    out += _queue(book, view, now)
    if view.connected is not None:
        agent = _agent(book, view.connected)
        return out + book.answer(book.calls[row.uniqueid], agent, *_leg(view.connected, now))
    return out + _rings(book, view, now)


def _outbound(book: CallBook, view: CallView, now: float) -> Events:
    track = book.calls[view.row.uniqueid]
    if track.stage is Stage.CONNECTED or not view.row.bridge:
        return []
    agent = track.agent or track.agent_device or track.channel
    book.unresolved.discard(track.call_id)
    return book.answer(track, agent, None, now)


def _forget_gone(book: CallBook, snapshot: Snapshot) -> None:
    """Channels that are gone hold no variables and map to no call any more."""
    live = snapshot.channels
    for uniqueid in [u for u in book.variables if u not in live]:
        del book.variables[uniqueid]
    for uniqueid in [u for u in book.legs if u not in live]:
        del book.legs[uniqueid]
