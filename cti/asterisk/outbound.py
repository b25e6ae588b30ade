"""``OutboundLines``: the attempts and persistent agent legs of campaigns, as AMI tells them.

Sans-IO: ``feed(event, now)`` takes every AMI event and returns the outbound events of
``cti.telephony.outbound`` it means; the adapter carries out the commands
(``AsteriskTelephony.execute_outbound``) and registers each attempt and leg here first.

- an attempt's channel is the lead's, created by ``Originate`` with ``ChannelId`` = the
  attempt id: its ``Newchannel`` is ``LeadRinging``; ``OriginateResponse: Success`` (or
  ``Newstate`` Up) is when the line answered; the dialplan's ``SwitchboardAmd`` UserEvent
  is ``LeadAnswered`` with AMD's verdict; ``OriginateResponse: Failure`` is ``LeadEnded``,
  its outcome from the reason and the ``Hangup`` cause (``cti.asterisk.line_outcomes``);
- after the answer, ``Hangup`` is ``LeadEnded``: ``HUNG_UP`` if Switchboard hung it up or
  the dialplan ended it (``SwitchboardLeadDone``), ``CALLEE_HUNG_UP`` otherwise;
- ``SwitchboardOptOut`` (9 pressed during the safe-harbour message) is ``LeadOptedOut``;
- an agent's leg answered (``OriginateResponse: Success``) is ``AgentLegReady``; its
  ``Hangup``, or an Originate that failed, is ``AgentLegGone``;
- after each (re)connection, ``resync()`` ends the attempts and legs whose channels the
  resync (``CoreShowChannels``) no longer lists: nothing in flight is lost, none counted twice
  (an attempt ends once; its later events, if any, find nothing). An attempt dialled before
  the cut whose channel was never seen (its ``Newchannel`` and ``OriginateResponse`` lost with
  the link) is looked for by its ``ChannelId``: listed, it is ringing (``LeadRinging``);
  absent, it ended unseen (``LeadEnded`` ``FAILED``, cause ``lost-during-outage``).

Every header read is checked. An event of the dialer's dialplan that names an attempt
Switchboard does not know, or carries a bad field, raises ``BadDialerEvent`` inside and is
logged with the event, field and value; it costs that event only::

    cti.asterisk.ami.errors.AmiError
    └── BadDialerEvent          502 bad-dialer-event
    cti.telephony.errors.CommandRefused
    └── BadOutboundCommand      422 bad-outbound-command
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from cti.asterisk.ami import AmiError, Event
from cti.asterisk.line_outcomes import cause_text, failed_line
from cti.telephony import outbound as ob
from cti.telephony.errors import CommandRefused

log = structlog.get_logger(__name__)

#: An id Switchboard gives Asterisk as a Uniqueid: Local channels append ``;2`` to it and
#: AMI's ``Bridge`` matches channel names by prefix, so only these characters, at most 64.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: A number dialled through the trunk: digits, with an optional leading + (E.164 and local).
_NUMBER = re.compile(r"\+?[0-9]{2,20}")
_VERDICTS = {
    "HUMAN": ob.AmdVerdict.HUMAN,
    "MACHINE": ob.AmdVerdict.MACHINE,
    "NOTSURE": ob.AmdVerdict.NOT_SURE,
    "OFF": ob.AmdVerdict.OFF,
}
_DIALPLAN_EVENTS = frozenset(
    {"SwitchboardAmd", "SwitchboardSafeHarbour", "SwitchboardOptOut", "SwitchboardLeadDone"}
)


class BadDialerEvent(AmiError):
    """An AMI event about an attempt or a leg with a missing or malformed field."""

    error_id = "bad-dialer-event"


class BadOutboundCommand(CommandRefused):
    """An outbound command Asterisk must not be given (bad id or number, a duplicate)."""

    status = 422
    error_id = "bad-outbound-command"


def check_id(what: str, value: str) -> str:
    if not _ID.fullmatch(value):
        raise BadOutboundCommand(
            f"{what} {value[:80]!r} must be 1-64 letters, digits, '.', '_' or '-'",
            details={"field": what, "value": value[:80]},
        )
    return value


def check_number(value: str) -> str:
    if not _NUMBER.fullmatch(value):
        raise BadOutboundCommand(
            f"number {value[:80]!r} must be 2-20 digits with an optional leading +",
            details={"field": "number", "value": value[:80]},
        )
    return value


@dataclass(slots=True)
class _Attempt:
    attempt_id: str
    channel: str | None = None
    answered_at: float | None = None
    answered: bool = False  # LeadAnswered sent
    cause: int | None = None
    ended_here: bool = False  # Switchboard or its dialplan hung the lead up


@dataclass(slots=True)
class _Leg:
    agent_id: str
    leg_id: str
    channel: str | None = None
    ready: bool = False
    lead: str | None = None  # the attempt it is bridged to


class OutboundLines:
    __slots__ = ("_attempts", "_leg_of_agent", "_legs", "_unseen")

    def __init__(self) -> None:
        self._attempts: dict[str, _Attempt] = {}
        self._unseen: frozenset[str] = frozenset()  # no channel yet when the link dropped
        self._legs: dict[str, _Leg] = {}  # leg id (its channel's Uniqueid) -> leg
        self._leg_of_agent: dict[str, str] = {}

    # What the adapter registers before it sends an Originate

    def dialling(self, attempt_id: str) -> None:
        if attempt_id in self._attempts:
            raise BadOutboundCommand(
                f"attempt {attempt_id} is already in progress",
                details={"attempt_id": attempt_id},
            )
        self._attempts[attempt_id] = _Attempt(attempt_id)

    def opening(self, agent_id: str, leg_id: str) -> None:
        if agent_id in self._leg_of_agent:
            raise BadOutboundCommand(
                f"agent {agent_id} already has a persistent leg", details={"agent_id": agent_id}
            )
        self._legs[leg_id] = _Leg(agent_id, leg_id)
        self._leg_of_agent[agent_id] = leg_id

    def forget(self, attempt_or_leg: str) -> None:
        """The Originate was refused: nothing will come back for it."""
        self._attempts.pop(attempt_or_leg, None)
        leg = self._legs.pop(attempt_or_leg, None)
        if leg is not None:
            self._leg_of_agent.pop(leg.agent_id, None)

    # What commands need to know

    def lead_channel(self, attempt_id: str) -> str | None:
        attempt = self._attempts.get(attempt_id)
        return attempt.channel if attempt else None

    def leg_channel(self, agent_id: str, *, ready: bool) -> str | None:
        """The channel of ``agent_id``'s leg; with ``ready``, only once it waits answered."""
        leg = self._legs.get(self._leg_of_agent.get(agent_id, ""))
        return leg.channel if leg and (leg.ready or not ready) else None

    def has_leg(self, agent_id: str) -> bool:
        return agent_id in self._leg_of_agent

    def connecting(self, attempt_id: str, agent_id: str) -> None:
        """``agent_id``'s leg is about to be bridged to ``attempt_id``; refused while it talks
        to another lead (a ``Bridge`` would pull it out of that call)."""
        leg = self._legs[self._leg_of_agent[agent_id]]
        if leg.lead is not None and leg.lead in self._attempts:
            raise BadOutboundCommand(
                f"agent {agent_id}'s leg is still connected to attempt {leg.lead}",
                details={"agent_id": agent_id, "attempt_id": leg.lead},
            )
        leg.lead = attempt_id

    def hung_up_here(self, attempt_id: str) -> None:
        if (attempt := self._attempts.get(attempt_id)) is not None:
            attempt.ended_here = True

    # After a (re)connection

    def link_lost(self) -> None:
        """The link dropped: remember the attempts whose channel was never seen, whose events
        may be lost with it. Those dialled later (on the next link, even before or during its
        resync, when the PBX may not list them yet) are left to their events."""
        self._unseen = frozenset(a.attempt_id for a in self._attempts.values() if not a.channel)

    def resync(self, channel_of: Callable[[str], str | None], now: float) -> list[ob.OutboundEvent]:
        """End what ended while the link was down: each attempt or leg whose channel was seen
        and that ``channel_of`` (the resynced channel index) no longer lists, and each attempt
        unseen at ``link_lost()`` that it does not list either."""
        out: list[ob.OutboundEvent] = []
        unseen, self._unseen = self._unseen, frozenset()
        for attempt in list(self._attempts.values()):
            channel = channel_of(attempt.attempt_id)
            if attempt.channel is None and attempt.attempt_id in unseen:
                if channel is not None:  # its Newchannel was lost: it is ringing
                    out += self._created(attempt, None, channel, now)
                else:
                    del self._attempts[attempt.attempt_id]
                    failed = ob.LineOutcome.FAILED
                    out.append(ob.LeadEnded(attempt.attempt_id, failed, now, LOST_UNSEEN))
            elif attempt.channel is not None and channel is None:
                del self._attempts[attempt.attempt_id]
                out.append(ob.LeadEnded(attempt.attempt_id, _gone(attempt), now, _OUTAGE))
        for leg in [g for g in self._legs.values() if g.channel is not None]:
            if channel_of(leg.leg_id) is None:
                out += self._leg_gone(leg, now, _OUTAGE)
        return out

    # Events

    def feed(self, event: Event, now: float) -> list[ob.OutboundEvent]:
        try:
            return self._feed(event, now)
        except BadDialerEvent as exc:
            log.warning("dialer.bad_event", ami_event=event.name, error=exc.message, **exc.details)
            return []

    def _feed(self, event: Event, now: float) -> list[ob.OutboundEvent]:
        name = event.name
        if name == "UserEvent" and event.get("UserEvent") in _DIALPLAN_EVENTS:
            return self._user_event(event, now)
        uniqueid = event.get("Uniqueid") or ""
        attempt, leg = self._attempts.get(uniqueid), self._legs.get(uniqueid)
        if attempt is None and leg is None:
            return []  # most events: not a campaign's channel
        if name == "Newchannel":
            return self._created(attempt, leg, _required(event, "Channel"), now)
        if name == "Newstate" and attempt is not None and event.get("ChannelState") == "6":
            attempt.answered_at = attempt.answered_at or now
        elif name == "OriginateResponse":
            return self._originated(event, attempt, leg, now)
        elif name == "Hangup":
            return self._hangup(event, attempt, leg, now)
        return []

    def _created(
        self, attempt: _Attempt | None, leg: _Leg | None, channel: str, now: float
    ) -> list[ob.OutboundEvent]:
        if leg is not None:
            leg.channel = channel
            return []
        assert attempt is not None
        attempt.channel = channel
        return [ob.LeadRinging(attempt.attempt_id, now)]

    def _originated(
        self, event: Event, attempt: _Attempt | None, leg: _Leg | None, now: float
    ) -> list[ob.OutboundEvent]:
        response = _required(event, "Response").lower()
        if response not in ("success", "failure"):
            raise _bad(event, "Response", response)
        reason = _integer(event, "Reason")
        if leg is not None:
            if response == "success":
                leg.ready = True
                return [ob.AgentLegReady(leg.agent_id, now)]
            return self._leg_gone(leg, now, cause_text(reason, None))
        assert attempt is not None
        if response == "success":
            attempt.answered_at = attempt.answered_at or now
            return []
        del self._attempts[attempt.attempt_id]
        outcome = failed_line(reason, attempt.cause)
        text = cause_text(reason, attempt.cause)
        return [ob.LeadEnded(attempt.attempt_id, outcome, now, text)]

    def _hangup(
        self, event: Event, attempt: _Attempt | None, leg: _Leg | None, now: float
    ) -> list[ob.OutboundEvent]:
        cause = _integer(event, "Cause")
        if leg is not None:
            return self._leg_gone(leg, now, cause_text(None, cause)) if leg.ready else []
        assert attempt is not None
        if attempt.answered_at is None:
            attempt.cause = cause  # the OriginateResponse that follows ends the attempt
            return []
        del self._attempts[attempt.attempt_id]
        outcome = ob.LineOutcome.HUNG_UP if attempt.ended_here else ob.LineOutcome.CALLEE_HUNG_UP
        return [ob.LeadEnded(attempt.attempt_id, outcome, now, cause_text(None, cause))]

    def _leg_gone(self, leg: _Leg, now: float, cause: str) -> list[ob.OutboundEvent]:
        self._legs.pop(leg.leg_id, None)
        if self._leg_of_agent.get(leg.agent_id) == leg.leg_id:
            del self._leg_of_agent[leg.agent_id]
        return [ob.AgentLegGone(leg.agent_id, now, cause)]

    def _user_event(self, event: Event, now: float) -> list[ob.OutboundEvent]:
        attempt_id = _required(event, "Attempt")
        attempt = self._attempts.get(attempt_id)
        if attempt is None:
            raise BadDialerEvent(
                f"UserEvent {event.get('UserEvent')}: Attempt {attempt_id[:80]!r} is not an "
                "attempt Switchboard is dialling",
                details={"field": "Attempt", "value": attempt_id[:80]},
            )
        kind = event.get("UserEvent")
        if kind == "SwitchboardAmd":
            return self._verdict(event, attempt, now)
        if kind == "SwitchboardOptOut":
            return [ob.LeadOptedOut(attempt_id, now)]
        if kind == "SwitchboardLeadDone":
            attempt.ended_here = True
        return []

    def _verdict(self, event: Event, attempt: _Attempt, now: float) -> list[ob.OutboundEvent]:
        status = _required(event, "Status").upper()
        if status == "HANGUP":  # the callee left while AMD listened: Hangup ends it
            return []
        verdict = _VERDICTS.get(status)
        if verdict is None:
            raise _bad(event, "Status", status)
        if attempt.answered:
            return []
        attempt.answered = True
        answered_at = attempt.answered_at if attempt.answered_at is not None else now
        return [ob.LeadAnswered(attempt.attempt_id, verdict, now, answered_at)]


_OUTAGE = "ended while the AMI link was down"
#: The cause of an attempt dialled before a cut that no event and no resync ever showed.
LOST_UNSEEN = "lost-during-outage"


def _gone(attempt: _Attempt) -> ob.LineOutcome:
    """How an attempt that ended unseen most likely ended: an answered one by whoever the
    events said last; one still ringing, unknown, so ``FAILED`` (retried as such)."""
    if attempt.answered_at is None:
        return ob.LineOutcome.FAILED
    return ob.LineOutcome.HUNG_UP if attempt.ended_here else ob.LineOutcome.CALLEE_HUNG_UP


def _required(event: Event, name: str) -> str:
    value = (event.get(name) or "").strip()
    if not value:
        raise BadDialerEvent(f"{event.name} has no {name}", details={"field": name, "value": ""})
    return value


def _integer(event: Event, name: str) -> int | None:
    """A reason or cause code; a malformed one is logged and unknown (the event still counts:
    losing a hang-up would leave the attempt open for ever)."""
    value = (event.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 4:
        exc = _bad(event, name, value)
        log.warning("dialer.bad_field", ami_event=event.name, error=exc.message, **exc.details)
        return None
    return int(value)


def _bad(event: Event, name: str, value: str) -> BadDialerEvent:
    return BadDialerEvent(
        f"{event.name} has {name}: {value[:80]!r}, which is not one Asterisk sends",
        details={"field": name, "value": value[:80]},
    )
