"""Mode (b), Switchboard routes: the ``CallBook``'s side of the agent legs the adapter rings.

The ACD's ``ConnectAgent`` becomes an ``Originate`` of the agent's leg (its Uniqueid chosen by
the adapter) into the connect context; no app_queue event tells of it. The adapter reports
each step here, so that the book follows the call as it does an app_queue call: the leg
belongs to the call (its ``Hangup`` tells who hung up first), the call rings, is connected or
waits again. A transfer or a resync then sees the call as it is.

A leg this adapter did not ring (a replay of a capture, another Switchboard's session) is
known from its own events instead: the ``VarSet`` of the ``SB_*`` variables the Originate set
on it name its call, agent and queue (``AgentRinging`` once all three are known), and its
``OriginateResponse`` says whether the agent answered.
"""

from __future__ import annotations

from dataclasses import replace

from cti.asterisk.ami import Event
from cti.asterisk.book import CallBook, Events
from cti.asterisk.tracks import Stage
from cti.telephony import events as ev

FAILED_AT_ONCE_SECONDS = 2.0  # a leg that fails sooner never rang: busy, unreachable, unknown
LEG_VARIABLES = {"SB_CALL_ID": "call", "SB_AGENT_ID": "agent", "SB_QUEUE": "queue"}


def failed_at_once(rang: float, ring_timeout: float | None = None) -> bool:
    limit = (
        FAILED_AT_ONCE_SECONDS
        if ring_timeout is None
        else min(FAILED_AT_ONCE_SECONDS, ring_timeout / 2)
    )
    return rang < limit


def leg_variable(book: CallBook, event: Event, now: float) -> Events:
    """A leg's ``SB_*`` variable; the leg rings once its call, agent and queue are known."""
    uniqueid, role = event.get("Uniqueid") or "", LEG_VARIABLES[event.get("Variable") or ""]
    if not uniqueid or uniqueid in book.legs:  # told by the adapter that rang it
        return []
    seen = book.routed_legs.setdefault(uniqueid, {"at": str(now)})
    if "own" in seen:
        return []
    seen[role] = event.get("Value") or ""
    if not all(seen.get(k) for k in ("call", "agent", "queue")) or "rung" in seen:
        return []
    seen["rung"] = "yes"
    return ringing(book, seen["call"], seen["agent"], uniqueid, seen["queue"], now)


def originate_response(book: CallBook, event: Event, now: float) -> Events:
    """The outcome of a leg known from its variables (see ``leg_variable``)."""
    seen = book.routed_legs.pop(event.get("Uniqueid") or "", None)
    if seen is None or "rung" not in seen:
        return []
    uniqueid = event.get("Uniqueid") or ""
    call, agent, queue = seen["call"], seen["agent"], seen["queue"]
    if call not in book.calls:  # the caller left while it rang: the leg was hung up
        return []
    if (event.get("Response") or "").lower() == "success":
        return connected(book, call, agent, uniqueid, queue, now)
    rang = now - float(seen["at"])
    return rang_out(
        book, call, agent, uniqueid, queue, now, ring_seconds=rang, failed=failed_at_once(rang)
    )


def told_ringing(
    book: CallBook, call_id: str, agent: str, leg: str, queue: str | None, now: float
) -> Events:
    """The adapter rings this leg itself: its variables and outcome need no reading here."""
    book.routed_legs[leg] = {"own": "yes"}
    return ringing(book, call_id, agent, leg, queue, now)


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
    book.routed_legs.pop(leg, None)
    track = book.calls.get(call_id)
    if track is not None and track.stage is Stage.RINGING and track.agent_leg == leg:
        book.put(replace(track, stage=Stage.QUEUED, agent=None, agent_leg=None))
    return [ev.AgentRingNoAnswer(call_id, now, agent, queue, ring_seconds, failed=failed)]


def connected(
    book: CallBook, call_id: str, agent: str, leg: str, queue: str | None, now: float
) -> Events:
    book.routed_legs.pop(leg, None)
    track = book.calls.get(call_id)
    if track is None:
        return [ev.CallAnswered(call_id, now, agent, queue)]
    return book.answer(track, agent, leg, now)
