"""The handlers of callers and queues: ``(book, event, now) -> domain events``.

Each reads the headers it needs, changes the ``CallBook`` and says what happened. None of
them raises for a missing or odd header: the event then changes nothing.
"""

from __future__ import annotations

from dataclasses import replace

from cti.asterisk import dialling, fields, routed
from cti.asterisk.ami import Event
from cti.asterisk.book import CallBook, Events, caller_of
from cti.asterisk.tracks import (
    AGENT_COMPLETE_REASONS,
    Side,
    Stage,
    Track,
    is_allowed_variable,
)
from cti.telephony import events as ev

# -- callers in the dialplan -------------------------------------------------------


def newexten(book: CallBook, event: Event, now: float) -> Events:
    """A channel that starts a call runs the inbound dialplan: a caller, offered when known.

    A connected caller running dialplan again was taken from its agent (a ``Redirect``): the
    transfer is told when it joins a queue or dials, which say where it went.
    """
    uniqueid = event.get("Uniqueid")
    track = book.calls.get(uniqueid) if uniqueid else None
    if track is not None:
        if track.stage is Stage.CONNECTED and track.direction is ev.Direction.INBOUND:
            book.put(replace(track, redirected=True))
        return []
    if not uniqueid or event.get("Context") not in book.inbound:
        return []
    if uniqueid != event.get("Linkedid"):
        return []
    channel, dialled = event.get("Channel") or "", event.get("Exten") or ""
    track = book.put(Track(uniqueid, channel, ev.Direction.INBOUND, dialled))
    return _offer_if_identified(book, track, event, now)


def new_callerid(book: CallBook, event: Event, now: float) -> Events:
    track = book.calls.get(event.get("Uniqueid") or "")
    if track is None or track.offered:
        return []
    return _offer_if_identified(book, track, event, now)


def _offer_if_identified(book: CallBook, track: Track, event: Event, now: float) -> Events:
    caller = caller_of(event)
    return book.offer(track, caller, now) if caller[0] is not None else []


def varset(book: CallBook, event: Event, now: float) -> Events:
    name = (event.get("Variable") or "").lstrip("_")
    if event.get("Variable") in routed.LEG_VARIABLES:
        return routed.leg_variable(book, event, now)
    uniqueid = event.get("Uniqueid")
    if not uniqueid or not is_allowed_variable(name):
        return []
    value = event.get("Value") or ""
    track = book.calls.get(uniqueid)
    if track is not None and track.offered:
        return [ev.CallVariables(uniqueid, now, ((name, value),))]
    if track is not None or uniqueid == event.get("Linkedid"):
        book.buffer(uniqueid, name, value)  # handed over with CallOffered
    return []


# -- queues ------------------------------------------------------------------------


def queue_join(book: CallBook, event: Event, now: float) -> Events:
    queue, uniqueid, channel = event.get("Queue"), event.get("Uniqueid"), event.get("Channel")
    if not queue or not uniqueid or not channel:
        return []
    track = book.calls.get(uniqueid) or Track(
        uniqueid, channel, ev.Direction.INBOUND, event.get("Exten") or ""
    )
    track, out = book.ensure_offered(book.put(track), caller_of(event), now)
    if track.queue is not None:  # back in a queue after an agent or another queue
        out += book.transfer(track, now, queue, "queue")
        track = book.calls[uniqueid]
    return out + book.enqueue(track, queue, now, fields.integer(event, "Position") or 0)


def switchboard_queued(book: CallBook, event: Event, now: float) -> Events:
    """Mode (b): ``UserEvent(SwitchboardQueued,Queue: q)`` from the holding context, on the
    caller's channel, means the call waits for Switchboard's ACD in queue ``q``."""
    if event.get("UserEvent") != "SwitchboardQueued":
        return []
    return queue_join(book, event, now)


def queue_abandon(book: CallBook, event: Event, now: float) -> Events:
    track, out = _in_queue(book, event, now, _back(now, fields.number(event, "HoldTime")))
    if track is not None:
        book.put(replace(track, ended_by=ev.EndCause.CALLER_HANGUP))  # ends at its Hangup
    return out


def agent_called(book: CallBook, event: Event, now: float) -> Events:
    agent, leg = _member(event), event.get("DestUniqueid")
    track, out = _in_queue(book, event, now, None)
    if track is None or agent is None or track.stage is Stage.CONNECTED:
        return out
    book.link(leg, track)
    book.put(replace(track, stage=Stage.RINGING, agent=agent, agent_leg=leg))
    ringing = ev.AgentRinging(track.call_id, now, agent, event.get("Queue") or track.queue)
    return [*_first_sight(book, event, now), *out, ringing]


def agent_no_answer(book: CallBook, event: Event, now: float) -> Events:
    """``AgentRingNoAnswer`` (rang out) and ``AgentDump`` (the agent rejected the call)."""
    agent = _member(event)
    track, out = _in_queue(book, event, now, None)
    if track is None or agent is None:
        return out
    book.legs.pop(event.get("DestUniqueid") or "", None)
    if track.stage is not Stage.CONNECTED:
        book.put(replace(track, stage=Stage.QUEUED, agent=None, agent_leg=None))
    ring_ms = fields.number(event, "RingTime") or 0.0
    queue = event.get("Queue") or track.queue
    return [*out, ev.AgentRingNoAnswer(track.call_id, now, agent, queue, ring_ms / 1000)]


def agent_connect(book: CallBook, event: Event, now: float) -> Events:
    agent = _member(event)
    track, out = _in_queue(book, event, now, _back(now, fields.number(event, "HoldTime")))
    if track is None or agent is None:
        return out
    answered = book.answer(track, agent, event.get("DestUniqueid"), now)
    return [*_first_sight(book, event, now), *out, *answered]


def agent_complete(book: CallBook, event: Event, now: float) -> Events:
    """The agent's conversation is over: the call ends (an earlier leg's complete is not)."""
    uniqueid, queue, agent = event.get("Uniqueid"), event.get("Queue"), _member(event)
    reason = AGENT_COMPLETE_REASONS.get((event.get("Reason") or "").lower())
    known = book.calls.get(uniqueid or "")
    if not uniqueid or agent is None or reason is ev.EndCause.TRANSFERRED_AWAY:
        return []  # no channel: a redirected caller's first leg, reported when it hangs up
    if known is not None and known.queue is not None and queue and queue != known.queue:
        return []
    if known is not None and known.queue is None and queue == known.transferred_from:
        return []
    answered_at = _back(now, fields.number(event, "TalkTime")) or now
    track, out = _in_queue(book, event, now, _back(answered_at, fields.number(event, "HoldTime")))
    if track is None:
        return out
    if track.stage is not Stage.CONNECTED:  # its answer was missed: a gap, a busy PBX
        out += [*_first_sight(book, event, now), *book.answer(track, agent, None, answered_at)]
        track = book.calls[track.call_id]
    track = book.put(replace(track, ended_by=reason or track.ended_by))
    return out + book.end(track, now)


def _in_queue(
    book: CallBook, event: Event, now: float, queued_at: float | None
) -> tuple[Track | None, Events]:
    """The call a queue event is about, offered and queued, adopted if never seen before."""
    uniqueid, queue = event.get("Uniqueid"), event.get("Queue")
    track = book.calls.get(uniqueid) if uniqueid else None
    if track is None:
        if queued_at is None and uniqueid:
            created = fields.uniqueid_time(uniqueid)
            queued_at = None if created is None else min(now, created + 0.5)
        return book.adopt(event, queue, queued_at, now)
    track, out = book.ensure_offered(track, caller_of(event), now)
    if queue and track.queue is None:  # it joined while we were not listening
        out += book.enqueue(track, queue, now if queued_at is None else queued_at)
        track = book.calls[track.call_id]
    return track, out


def _member(event: Event) -> str | None:
    return event.get("MemberName") or event.get("Interface") or None


def _first_sight(book: CallBook, event: Event, now: float) -> Events:
    queue, agent = event.get("Queue"), _member(event)
    if not queue or not agent:
        return []
    return list(book.members.first_sight(queue, agent, event.get("Interface"), now))


def _back(now: float, seconds: float | None) -> float | None:
    return None if seconds is None else now - seconds


def member_event(book: CallBook, event: Event, now: float) -> Events:
    return [*book.members.observe(event, now), *dialling.resolve_outbound(book, now)]


# -- channels going down -----------------------------------------------------------


def hangup(book: CallBook, event: Event, now: float) -> Events:
    uniqueid = event.get("Uniqueid")
    if not uniqueid:
        return []
    book.variables.pop(uniqueid, None)
    code = fields.integer(event, "Cause")
    track = book.calls.get(uniqueid)
    if track is not None:
        return book.end(track, now, code)
    owner, side = _owner(book, uniqueid, event.get("Channel") or "")
    if owner is not None and side is not None:
        book.hung_up(owner, side, code)
    return []


def _owner(book: CallBook, uniqueid: str, channel: str) -> tuple[Track | None, Side | None]:
    """The call another channel belongs to, and whose side that channel is."""
    call_id = book.legs.pop(uniqueid, None)
    if call_id is not None:
        track = book.calls.get(call_id)
        if track is None:
            return None, None
        if track.direction is ev.Direction.OUTBOUND:
            return track, "customer"
        connected = track.stage is Stage.CONNECTED and track.agent_leg == uniqueid
        return track, ("agent" if connected else None)
    sibling = fields.local_sibling(channel)
    track = book.calls.get(book.names.get(sibling, "")) if sibling else None
    if track is None:
        return None, None
    return track, ("agent" if track.direction is ev.Direction.OUTBOUND else "customer")
