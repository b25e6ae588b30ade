"""Mode (b), Switchboard routes: the ``CallBook``'s side of the agent legs the adapter rings.

The ACD's ``ConnectAgent`` becomes an ``Originate`` of the agent's leg (its Uniqueid chosen by
the adapter) into the connect context; no app_queue event tells of it. The adapter reports
each step here, so that the book follows the call as it does an app_queue call: the leg
belongs to the call (its ``Hangup`` tells who hung up first), the call rings, is connected or
waits again. A transfer or a resync then sees the call as it is.
"""

from __future__ import annotations

from dataclasses import replace

from cti.asterisk.book import CallBook, Events
from cti.asterisk.tracks import Stage
from cti.telephony import events as ev


def ringing(
    book: CallBook, call_id: str, agent: str, leg: str, queue: str | None, now: float
) -> Events:
    track = book.calls.get(call_id)
    if track is not None and track.stage is not Stage.CONNECTED:
        book.link(leg, track)
        book.put(replace(track, stage=Stage.RINGING, agent=agent, agent_leg=leg))
    return [ev.AgentRinging(call_id, now, agent, queue)]


def rang_out(
    book: CallBook,
    call_id: str,
    agent: str,
    leg: str,
    queue: str | None,
    now: float,
    *,
    ring_seconds: float,
    failed: bool,
) -> Events:
    """The leg ended unanswered: the call waits again (if it is still there)."""
    book.legs.pop(leg, None)
    track = book.calls.get(call_id)
    if track is not None and track.stage is Stage.RINGING and track.agent_leg == leg:
        book.put(replace(track, stage=Stage.QUEUED, agent=None, agent_leg=None))
    return [ev.AgentRingNoAnswer(call_id, now, agent, queue, ring_seconds, failed=failed)]


def connected(
    book: CallBook, call_id: str, agent: str, leg: str, queue: str | None, now: float
) -> Events:
    track = book.calls.get(call_id)
    if track is None:
        return [ev.CallAnswered(call_id, now, agent, queue)]
    return book.answer(track, agent, leg, now)
