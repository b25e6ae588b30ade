"""The outbound-dialling side of the telephony port: what a campaign asks a PBX, what it hears back.

The dialer (``dialer/``) decides; an adapter (the simulated PBX, Asterisk) carries out these
commands and reports these events through the port's ordinary ``subscribe`` stream. Nothing here
knows about campaigns, leads or pacing: an attempt is a number to ring under an id the dialer chose.

An agent on a predictive or progressive campaign keeps a *persistent leg*: their phone is called
once at sign-in and waits in a bridge, so a live answer is connected by a bridge operation inside
the 2 s the rules allow, not by ringing the agent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from cti.telephony.commands import next_command_id


class AmdVerdict(StrEnum):
    """What answering-machine detection said of an answered line (Asterisk's ``AMDSTATUS``)."""

    HUMAN = "human"
    MACHINE = "machine"
    NOT_SURE = "not-sure"
    OFF = "off"  # AMD was not run on this attempt


class LineOutcome(StrEnum):
    """How an attempt's line ended before, or instead of, reaching a person."""

    NO_ANSWER = "no-answer"
    BUSY = "busy"
    FAILED = "failed"  # congestion, unallocated number, channel unavailable, refused Originate
    CALLEE_HUNG_UP = "callee-hung-up"  # answered, then the callee left (before or after an agent)
    HUNG_UP = "hung-up"  # Switchboard hung it up (machine, safe harbour done, campaign stopped)


# --- commands ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DialLead:
    """Ring ``number`` for attempt ``attempt_id`` (the PBX's channel id where it can choose one)."""

    attempt_id: str
    number: str
    caller_id: str
    ring_timeout: float = 20.0
    amd: bool = True
    variables: tuple[tuple[str, str], ...] = ()
    command_id: str = field(default_factory=next_command_id)


@dataclass(frozen=True, slots=True)
class OpenAgentLeg:
    """Call ``agent_id``'s phone once; when answered it waits in a bridge for live answers."""

    agent_id: str
    command_id: str = field(default_factory=next_command_id)


@dataclass(frozen=True, slots=True)
class CloseAgentLeg:
    agent_id: str
    command_id: str = field(default_factory=next_command_id)


@dataclass(frozen=True, slots=True)
class ConnectLead:
    """Bridge the answered attempt to ``agent_id``'s waiting persistent leg."""

    attempt_id: str
    agent_id: str
    command_id: str = field(default_factory=next_command_id)


@dataclass(frozen=True, slots=True)
class PlaySafeHarbour:
    """No agent within the abandon limit: play the safe-harbour message (9 opts out), hang up."""

    attempt_id: str
    command_id: str = field(default_factory=next_command_id)


@dataclass(frozen=True, slots=True)
class PlayMachineMessage:
    """A machine answered and the campaign leaves a message: play it after the beep, hang up."""

    attempt_id: str
    command_id: str = field(default_factory=next_command_id)


@dataclass(frozen=True, slots=True)
class HangupLead:
    attempt_id: str
    command_id: str = field(default_factory=next_command_id)


OutboundCommand = (
    DialLead
    | OpenAgentLeg
    | CloseAgentLeg
    | ConnectLead
    | PlaySafeHarbour
    | PlayMachineMessage
    | HangupLead
)


# --- events ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeadRinging:
    attempt_id: str
    at: float


@dataclass(frozen=True, slots=True)
class LeadAnswered:
    """The callee's line answered; ``verdict`` is AMD's (``OFF`` when AMD did not run)."""

    attempt_id: str
    verdict: AmdVerdict
    at: float
    answered_at: float  # when the line went up, before AMD listened


@dataclass(frozen=True, slots=True)
class LeadConnected:
    """The attempt is bridged to ``agent_id``."""

    attempt_id: str
    agent_id: str
    at: float


@dataclass(frozen=True, slots=True)
class LeadEnded:
    """The attempt's line is gone. ``cause`` is the PBX's own reason (Q.850 code, OriginateResponse
    reason), kept for the compliance record beside the outcome it was mapped to."""

    attempt_id: str
    outcome: LineOutcome
    at: float
    cause: str = ""


@dataclass(frozen=True, slots=True)
class LeadOptedOut:
    """The callee pressed the opt-out digit during the safe-harbour message."""

    attempt_id: str
    at: float


@dataclass(frozen=True, slots=True)
class AgentLegReady:
    """``agent_id``'s persistent leg is answered and waiting in its bridge."""

    agent_id: str
    at: float


@dataclass(frozen=True, slots=True)
class AgentLegGone:
    agent_id: str
    at: float
    cause: str = ""


OutboundEvent = (
    LeadRinging
    | LeadAnswered
    | LeadConnected
    | LeadEnded
    | LeadOptedOut
    | AgentLegReady
    | AgentLegGone
)

#: For ``isinstance``: what a subscriber of the port's stream that is not the dialer skips.
OUTBOUND_EVENTS = (
    LeadRinging,
    LeadAnswered,
    LeadConnected,
    LeadEnded,
    LeadOptedOut,
    AgentLegReady,
    AgentLegGone,
)


@runtime_checkable
class OutboundDialling(Protocol):
    """A PBX that can run campaigns. Its events arrive on the port's ``subscribe`` stream."""

    async def execute_outbound(self, command: OutboundCommand) -> None:
        """Carry out ``command``; raises ``TelephonyError`` when the PBX refuses it outright.

        Later failures (no answer, busy, a bridge that breaks) come back as events.
        """
        ...
