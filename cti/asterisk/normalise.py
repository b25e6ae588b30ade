"""``AmiNormaliser``: AMI events in, domain events (``cti.telephony.events``) out. Sans-IO.

The adapter feeds every event with the clock's ``now`` and hands what comes back to the call
engine; after a (re)connection it calls ``resync()`` with the ``CoreShowChannels`` and
``QueueStatus`` results. Nothing here reads a clock or a socket.

How AMI maps to the domain (see ``tracks`` for how channels are grouped into calls):

- a caller becomes a call when it runs the inbound dialplan or joins a queue; ``CallOffered``
  goes out once its caller id is known (``NewCallerid``), at the latest when it joins a queue
  or hangs up (variables set before are handed over right after it);
- ``QueueCallerJoin`` -> ``CallQueued``; joining again after an agent answered (a Redirect to
  another queue: same callid, a second ``ENTERQUEUE``) -> ``CallTransferred`` then
  ``CallQueued``;
- ``AgentCalled`` -> ``AgentRinging`` (the pop), ``AgentRingNoAnswer`` and ``AgentDump`` ->
  ``AgentRingNoAnswer``, ``AgentConnect`` -> ``CallAnswered``;
- ``AgentComplete`` -> ``CallEnded`` (who hung up from its ``Reason``), ``Hangup`` of the
  call's channel -> ``CallEnded`` for any other end (``QueueCallerAbandon`` marks an abandon);
- ``VarSet`` of the variables in ``tracks.CALL_VARIABLES`` -> ``CallVariables``;
- ``BlindTransfer`` / ``AttendedTransfer`` -> ``CallTransferred``; a caller taken from its
  agent by a ``Redirect`` -> ``CallTransferred`` when it joins a queue or dials an agent or a
  number; ``Hold`` / ``Unhold`` -> ``CallHeld``;
- click-to-dial: a channel that starts a call (Uniqueid == Linkedid) and ``Dial``s out is an
  outbound call on the agent whose device it is: ``CallOffered`` (direction outbound, the
  dialled number as the customer's) then ``AgentRinging``, and ``DialEnd`` ANSWER ->
  ``CallAnswered``. ``OriginateResponse`` adds nothing the channel events do not say;
- mode (b): the agent legs the adapter rings are told by the adapter (``agent_ringing`` &
  co); a leg another session rang is known by its ``SB_*`` variables and its
  ``OriginateResponse`` (``routed``), so a capture of route mode replays;
- ``QueueMember*`` -> ``QueueMemberChanged`` (see ``members``).

A queue event for a call never seen (we joined a busy PBX) adopts it: ``CallOffered`` and
``CallQueued`` are made up from the event, back-dated with its ``HoldTime`` / ``TalkTime``
where it has them (else from the Uniqueid's creation time), so the call continues.

What the PBX sends never raises: unknown events are ignored, events for unknown channels
change nothing, malformed values are skipped with a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

import structlog

from cti.asterisk import calls, dialling, routed
from cti.asterisk.ami import ActionResult, Event, Received
from cti.asterisk.book import CallBook
from cti.asterisk.members import MEMBER_EVENTS, Members
from cti.asterisk.resync import RoutedLegs, Snapshot, reconcile
from cti.asterisk.tracks import Track
from cti.telephony import events as ev

log = structlog.get_logger(__name__)

Handler = Callable[[CallBook, Event, float], list[ev.TelephonyEvent]]

_HANDLERS: dict[str, Handler] = {
    "Newexten": calls.newexten,
    "NewCallerid": calls.new_callerid,
    "VarSet": calls.varset,
    "QueueCallerJoin": calls.queue_join,
    "UserEvent": calls.switchboard_queued,
    "QueueCallerAbandon": calls.queue_abandon,
    "AgentCalled": calls.agent_called,
    "AgentRingNoAnswer": calls.agent_no_answer,
    "AgentDump": calls.agent_no_answer,
    "AgentConnect": calls.agent_connect,
    "AgentComplete": calls.agent_complete,
    "Hangup": calls.hangup,
    "DialBegin": dialling.dial_begin,
    "DialEnd": dialling.dial_end,
    "BlindTransfer": dialling.blind_transfer,
    "AttendedTransfer": dialling.attended_transfer,
    "Hold": dialling.hold,
    "Unhold": dialling.hold,
    "OriginateResponse": routed.originate_response,
}


class AmiNormaliser:
    """Follows calls and queue members through AMI events; see the module docstring."""

    __slots__ = ("_book",)

    def __init__(self, *, inbound_contexts: Iterable[str] = ("inbound",)) -> None:
        """``inbound_contexts``: the dialplan contexts where inbound calls start."""
        self._book = CallBook(frozenset(inbound_contexts), Members())

    @property
    def calls(self) -> Mapping[str, Track]:
        """The calls in progress, by call id (read-only)."""
        return MappingProxyType(self._book.calls)

    @property
    def members(self) -> Members:
        return self._book.members

    def feed(self, item: Event | ActionResult | Received, now: float) -> list[ev.TelephonyEvent]:
        """The domain events ``item`` means, in order; never raises for what the PBX sent."""
        try:
            if type(item) is Event:  # ``_event`` inlined: this runs for every event
                handler = _HANDLERS.get(item.name)
                if handler is not None:
                    return handler(self._book, item, now)
                if item.name in MEMBER_EVENTS:
                    return calls.member_event(self._book, item, now)
                return []
            if isinstance(item, ActionResult):
                return self._result(item, now)
        except Exception:  # a bug here must cost one event, not the connection
            log.exception("ami_normalise_failed", item=repr(item)[:200])
        return []

    def resync(
        self,
        channels: ActionResult,
        queue_status: ActionResult,
        now: float,
        *,
        pbx_lost_at: float | None = None,
        routed: RoutedLegs | None = None,
    ) -> list[ev.TelephonyEvent]:
        """Rebuild calls and members from a ``CoreShowChannels`` and a ``QueueStatus`` result.

        Returns what the engine needs to catch up: calls it never saw are adopted, calls that
        moved on meanwhile are brought up to date, calls that ended meanwhile are ended.
        ``pbx_lost_at``: the PBX restarted since the link was lost at that moment, so the
        calls that are gone died with it then (cause ``pbx-lost``).
        """
        try:
            snapshot = Snapshot.parse(channels, queue_status, routed)
            changes = self._book.members.resync(snapshot.members, snapshot.queues, now)
            return [*changes, *reconcile(self._book, snapshot, now, pbx_lost_at)]
        except Exception:
            log.exception("ami_resync_failed")
            return []

    # Mode (b): the agent legs the adapter rings (``routed``)

    def agent_ringing(
        self, call_id: str, agent: str, leg: str, queue: str | None, now: float
    ) -> list[ev.TelephonyEvent]:
        return routed.told_ringing(self._book, call_id, agent, leg, queue, now)

    def agent_rang_out(
        self,
        call_id: str,
        agent: str,
        leg: str,
        queue: str | None,
        now: float,
        *,
        ring_seconds: float,
        failed: bool,
    ) -> list[ev.TelephonyEvent]:
        return routed.rang_out(
            self._book, call_id, agent, leg, queue, now, ring_seconds=ring_seconds, failed=failed
        )

    def agent_connected(
        self, call_id: str, agent: str, leg: str, queue: str | None, now: float
    ) -> list[ev.TelephonyEvent]:
        return routed.connected(self._book, call_id, agent, leg, queue, now)

    def _event(self, event: Event, now: float) -> list[ev.TelephonyEvent]:
        handler = _HANDLERS.get(event.name)
        if handler is not None:
            return handler(self._book, event, now)
        if event.name in MEMBER_EVENTS:
            return calls.member_event(self._book, event, now)
        return []

    def _result(self, result: ActionResult, now: float) -> list[ev.TelephonyEvent]:
        """A ``QueueStatus`` result alone refreshes members; calls wait for ``resync()``."""
        complete = result.complete.name if result.complete is not None else ""
        if complete != "QueueStatusComplete":
            return []
        snapshot = Snapshot.parse(None, result)
        changes = self._book.members.resync(snapshot.members, snapshot.queues, now)
        return [*changes, *dialling.resolve_outbound(self._book, now)]
