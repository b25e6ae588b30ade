"""A call's lifecycle as a pure function: ``transition(call, event) -> (call, legs_done)``.

A call may pass through several queue legs (a transfer to another queue keeps the call id);
each finished leg is returned once so the call log writes one interaction per leg.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from cti.crm.models import Outcome
from cti.telephony import events as ev


class Phase(StrEnum):
    OFFERED = "offered"
    QUEUED = "queued"
    RINGING = "ringing"
    CONNECTED = "connected"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class Call:
    call_id: str
    direction: ev.Direction
    caller_number: str | None
    caller_name: str | None
    dialled: str
    offered_at: float
    phase: Phase = Phase.OFFERED
    leg: int = 0
    queue: str | None = None
    queued_at: float | None = None
    agent_id: str | None = None
    ringing_at: float | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    on_hold: bool = False
    rang_agents: tuple[str, ...] = ()
    variables: tuple[tuple[str, str], ...] = ()
    outcome: Outcome | None = None
    end_cause: ev.EndCause | None = None

    @property
    def wait_seconds(self) -> float | None:
        start = self.queued_at if self.queued_at is not None else self.offered_at
        end = self.answered_at if self.answered_at is not None else self.ended_at
        return None if end is None else max(0.0, end - start)

    @property
    def talk_seconds(self) -> float | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return max(0.0, self.ended_at - self.answered_at)

    def variable(self, name: str) -> str | None:
        return next((v for k, v in self.variables if k == name), None)


def offered(event: ev.CallOffered) -> Call:
    return Call(
        event.call_id,
        event.direction,
        event.caller_number,
        event.caller_name,
        event.dialled,
        event.at,
    )


Pairs = tuple[tuple[str, str], ...]


def _merge(old: Pairs, new: Pairs) -> Pairs:
    merged = dict(old)
    merged.update(new)
    return tuple(merged.items())


def transition(call: Call, event: ev.TelephonyEvent) -> tuple[Call, tuple[Call, ...]]:
    """Apply ``event``; return the new call and any leg that this event finished."""
    match event:
        case ev.CallQueued(queue=queue, at=at):
            if call.phase in (Phase.QUEUED, Phase.RINGING) and call.queue == queue:
                return call, ()
            return replace(call, phase=Phase.QUEUED, queue=queue, queued_at=at), ()
        case ev.AgentRinging(agent_id=agent, at=at, queue=queue):
            return replace(
                call, phase=Phase.RINGING, agent_id=agent, ringing_at=at, queue=queue or call.queue
            ), ()
        case ev.AgentRingNoAnswer(agent_id=agent):
            rang = call.rang_agents if agent in call.rang_agents else (*call.rang_agents, agent)
            back = Phase.QUEUED if call.queue else Phase.OFFERED
            return replace(call, phase=back, agent_id=None, rang_agents=rang), ()
        case ev.CallAnswered(agent_id=agent, at=at):
            return replace(call, phase=Phase.CONNECTED, agent_id=agent, answered_at=at), ()
        case ev.CallHeld(on_hold=on_hold):
            return replace(call, on_hold=on_hold), ()
        case ev.CallVariables(variables=variables):
            return replace(call, variables=_merge(call.variables, variables)), ()
        case ev.CallTransferred(at=at, target_kind="voicemail"):
            done = replace(call, phase=Phase.ENDED, ended_at=at, outcome=Outcome.VOICEMAIL)
            return done, (done,)
        case ev.CallTransferred(at=at, target_kind="number"):
            # the caller leaves the centre for an outside number: the call ends here for us
            done = replace(call, phase=Phase.ENDED, ended_at=at, outcome=Outcome.TRANSFERRED)
            return done, (done,)
        case ev.CallTransferred(at=at):
            return _transferred(call, at)
        case ev.CallEnded(at=at, cause=cause):
            return _ended(call, at, cause)
    return call, ()


def _transferred(call: Call, at: float) -> tuple[Call, tuple[Call, ...]]:
    done = replace(call, phase=Phase.ENDED, ended_at=at, outcome=Outcome.TRANSFERRED)
    fresh = replace(
        call,
        phase=Phase.OFFERED,
        leg=call.leg + 1,
        queue=None,
        queued_at=None,
        agent_id=None,
        ringing_at=None,
        answered_at=None,
        on_hold=False,
        rang_agents=(),
    )
    return fresh, (done,)


def _ended(call: Call, at: float, cause: ev.EndCause) -> tuple[Call, tuple[Call, ...]]:
    if call.phase is Phase.ENDED:
        return call, ()
    if cause is ev.EndCause.PBX_LOST:  # not abandoned: the caller may still have waited
        outcome = Outcome.PBX_LOST
    elif call.answered_at is not None:
        outcome = Outcome.ANSWERED
    elif call.queue is not None:
        outcome = Outcome.ABANDONED
    elif call.variable("IVR_OUTCOME") == "hangup":
        outcome = Outcome.CONTAINED
    else:
        outcome = Outcome.MISSED
    done = replace(call, phase=Phase.ENDED, ended_at=at, outcome=outcome, end_cause=cause)
    return done, (done,)
