"""The handlers for dialling, transfers and hold: ``(book, event, now) -> domain events``.

- click-to-dial: a channel that starts a call (Uniqueid == Linkedid) and dials out is an
  outbound call on the agent whose device it is (the agent's leg is originated first);
- a caller taken from its agent by a ``Redirect`` that then dials was transferred to that
  agent or number (one that joins a queue is seen by ``calls.queue_join``);
- ``BlindTransfer`` / ``AttendedTransfer`` and ``Hold`` / ``Unhold``.
"""

from __future__ import annotations

from dataclasses import replace

from cti.asterisk import fields
from cti.asterisk.ami import Event
from cti.asterisk.book import CallBook, Events
from cti.asterisk.tracks import DIAL_STATUS_CAUSES, Stage, Track
from cti.telephony import events as ev

# -- click-to-dial -----------------------------------------------------------------


def dial_begin(book: CallBook, event: Event, now: float) -> Events:
    """A channel that starts a call dials out: an outbound call on that device's agent.

    A redirected caller that dials was transferred to that agent, or to that number.
    """
    uniqueid, channel = event.get("Uniqueid"), event.get("Channel")
    known = book.calls.get(uniqueid) if uniqueid else None
    if known is not None:
        return _redirected_dial(book, known, event, now) if known.redirected else []
    if not uniqueid or not channel or uniqueid != event.get("Linkedid"):
        return []
    if uniqueid in book.legs:
        return []
    number = fields.dialled_number(event.get("DialString") or "") or (
        fields.caller_id(event.get("DestCallerIDNum")) or ""
    )
    track = Track(
        uniqueid, channel, ev.Direction.OUTBOUND, number, agent_device=fields.device(channel)
    )
    out = book.offer(track, (None, None), now)
    book.link(event.get("DestUniqueid"), track)
    book.unresolved.add(uniqueid)
    return out + resolve_outbound(book, now)


def _redirected_dial(book: CallBook, track: Track, event: Event, now: float) -> Events:
    dest = fields.device(event.get("DestChannel") or "")
    agent = book.members.agent_for(dest)
    if agent is None:
        number = fields.dialled_number(event.get("DialString") or "") or dest
        return book.transfer(track, now, number, "number")
    out = book.transfer(track, now, agent, "agent")
    leg = event.get("DestUniqueid")
    book.link(leg, track)
    book.put(replace(book.calls[track.call_id], stage=Stage.RINGING, agent=agent, agent_leg=leg))
    return [*out, ev.AgentRinging(track.call_id, now, agent, None)]


def dial_end(book: CallBook, event: Event, now: float) -> Events:
    """The customer of an outbound call, or the agent a caller was sent to, answers (or not)."""
    track = book.calls.get(event.get("Uniqueid") or "")
    if track is None or book.legs.get(event.get("DestUniqueid") or "") != track.call_id:
        return []
    status = (event.get("DialStatus") or "").upper()
    if track.direction is ev.Direction.INBOUND:
        direct = track.stage is Stage.RINGING and track.queue is None and track.agent
        if status != "ANSWER" or not direct or track.agent is None:
            return []
        return book.answer(track, track.agent, None, now)
    if status != "ANSWER":
        cause = DIAL_STATUS_CAUSES.get(status)
        if cause is not None:
            book.put(replace(track, ended_by=cause))
        return []
    out = resolve_outbound(book, now)
    track = book.calls[track.call_id]
    agent = track.agent or track.agent_device or track.channel
    book.unresolved.discard(track.call_id)
    return out + book.answer(track, agent, None, now)


def resolve_outbound(book: CallBook, now: float) -> Events:
    """Ring the agent of each outbound call whose device is now known to be theirs."""
    out: Events = []
    for call_id in list(book.unresolved):
        track = book.calls.get(call_id)
        agent = book.members.agent_for(track.agent_device or "") if track else None
        if track is None or agent is None:
            continue
        book.unresolved.discard(call_id)
        book.put(replace(track, stage=Stage.RINGING, agent=agent))
        out.append(ev.AgentRinging(call_id, now, agent, None))
    return out


# -- transfers and hold ------------------------------------------------------------


def blind_transfer(book: CallBook, event: Event, now: float) -> Events:
    if (event.get("Result") or "Success") != "Success":
        return []
    track = book.call_of(event, "Transferee") or book.call_of(event, "Transferer")
    if track is None or not track.offered:
        return []
    return book.transfer(track, now, event.get("Extension") or "", "number")


def attended_transfer(book: CallBook, event: Event, now: float) -> Events:
    if (event.get("Result") or "Success") != "Success":
        return []
    track = next(
        (
            found
            for side in ("Transferee", "OrigTransferer", "SecondTransferer", "TransferTarget")
            if (found := book.call_of(event, side)) is not None
        ),
        None,
    )
    if track is None or not track.offered:
        return []
    agent = book.members.agent_for(fields.device(event.get("TransferTargetChannel") or ""))
    if agent is not None:
        return book.transfer(track, now, agent, "agent")
    target = fields.caller_id(event.get("TransferTargetCallerIDNum")) or fields.caller_id(
        event.get("SecondTransfererConnectedLineNum")
    )
    return book.transfer(track, now, target or event.get("DestApp") or "", "number")


def hold(book: CallBook, event: Event, now: float) -> Events:
    track = book.call_of(event)
    if track is None or not track.offered:
        return []
    return [ev.CallHeld(track.call_id, now, event.name == "Hold")]
