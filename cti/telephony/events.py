"""Domain events every telephony adapter emits, derived the same way from AMI and simulation.

Each is a frozen dataclass stamped with ``at`` (the injected clock's time) and the
``call_id`` of the call it concerns. On Asterisk the call id is the Uniqueid of the
caller's channel (the ``;1`` half of a Local channel), which is also ``queue_log``'s callid,
so one transferred call keeps one id across both queue legs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class EndCause(StrEnum):
    """Who or what ended the call, as far as the adapter can tell."""

    CALLER_HANGUP = "caller-hangup"
    AGENT_HANGUP = "agent-hangup"
    TRANSFERRED_AWAY = "transferred-away"
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    FAILED = "failed"
    SYSTEM = "system"
    PBX_LOST = "pbx-lost"  # the PBX went away (crashed, killed, restarted) with the call


@dataclass(frozen=True, slots=True)
class CallOffered:
    """A call reached the centre: the first moment it exists for Switchboard."""

    call_id: str
    at: float
    caller_number: str | None
    caller_name: str | None
    dialled: str
    direction: Direction = Direction.INBOUND


@dataclass(frozen=True, slots=True)
class CallQueued:
    call_id: str
    at: float
    queue: str
    position: int = 0


@dataclass(frozen=True, slots=True)
class AgentRinging:
    """An agent's phone started ringing for the call: the moment the screen-pop is pushed."""

    call_id: str
    at: float
    agent_id: str
    queue: str | None = None


@dataclass(frozen=True, slots=True)
class AgentRingNoAnswer:
    """The agent's phone rang out, or (``failed``) the leg failed before it could ring: the
    phone was busy, unreachable or unknown to the PBX."""

    call_id: str
    at: float
    agent_id: str
    queue: str | None = None
    ring_seconds: float = 0.0
    failed: bool = False


@dataclass(frozen=True, slots=True)
class CallAnswered:
    call_id: str
    at: float
    agent_id: str
    queue: str | None = None


@dataclass(frozen=True, slots=True)
class CallHeld:
    call_id: str
    at: float
    on_hold: bool


@dataclass(frozen=True, slots=True)
class CallTransferred:
    """The call left its agent or queue for ``target`` (a queue, an agent or a number)."""

    call_id: str
    at: float
    target: str
    target_kind: str  # "queue" | "agent" | "number"


@dataclass(frozen=True, slots=True)
class CallVariables:
    """Variables set on the call, e.g. what the IVR collected (``IVR_ACCOUNT=1234``)."""

    call_id: str
    at: float
    variables: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class CallEnded:
    call_id: str
    at: float
    cause: EndCause
    cause_code: int | None = None


MemberChange = Literal["added", "removed", "paused", "unpaused", "penalty", "status"]


@dataclass(frozen=True, slots=True)
class QueueMemberChanged:
    """A queue member (an agent, named by its member name) was added, removed, paused...

    On Asterisk ``app_queue`` owns membership and pauses; in observe mode the ACD follows
    these. ``status`` reports a member seen for the first time or whose state was corrected
    (``QueueMemberStatus``, or ``QueueMember`` in a resync).
    """

    agent_id: str
    at: float
    queue: str
    change: MemberChange
    paused: bool = False
    reason: str | None = None
    penalty: int | None = None
    interface: str | None = None


@dataclass(frozen=True, slots=True)
class CommandFailed:
    """A fire-and-forget command could not be carried out by the PBX."""

    command_id: str
    at: float
    error_id: str
    message: str
    agent_id: str | None = None  # the agent who asked, who is told (click-to-dial)


TelephonyEvent = (
    CallOffered
    | CallQueued
    | AgentRinging
    | AgentRingNoAnswer
    | CallAnswered
    | CallHeld
    | CallTransferred
    | CallVariables
    | CallEnded
    | QueueMemberChanged
    | CommandFailed
)
