"""What the normaliser knows about each call it follows, and how a call's end is explained.

A call is named by the Uniqueid of its own channel: the caller's channel for an inbound call
(the ``;1`` half of the Local channel that runs the inbound dialplan; ``queue_log``'s
callid), the agent's channel for a click-to-dial call (the agent's leg is originated first,
then it dials the customer). The other channels of the call (agent legs, the customer leg of
an outbound call, the ``;2`` half of a Local pair) are mapped back to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from cti.telephony.events import Direction, EndCause

Side = Literal["agent", "customer"]


class Stage(StrEnum):
    PENDING = "pending"  # a caller in the inbound dialplan, not offered yet
    OFFERED = "offered"
    QUEUED = "queued"
    RINGING = "ringing"
    CONNECTED = "connected"


@dataclass(frozen=True, slots=True)
class Track:
    call_id: str
    channel: str
    direction: Direction
    dialled: str
    stage: Stage = Stage.PENDING
    queue: str | None = None
    agent: str | None = None  # the member ringing or connected
    agent_leg: str | None = None  # Uniqueid of that member's channel
    answered_at: float | None = None
    ended_by: EndCause | None = None  # known before the Hangup: AgentComplete, abandon
    first_hangup: Side | None = None  # which side's channel went down first
    hangup_code: int | None = None
    agent_device: str | None = None  # outbound: the device that dials the customer
    transferred_from: str | None = None  # the queue of the leg before a transfer
    redirected: bool = False  # taken from its agent (a Redirect); where to is seen next

    @property
    def offered(self) -> bool:
        return self.stage is not Stage.PENDING

    @property
    def in_queue(self) -> bool:
        return self.stage in (Stage.QUEUED, Stage.RINGING)


CALL_VARIABLE_PREFIXES = ("IVR_", "CRM_")
CALL_VARIABLES = frozenset(
    {"QUEUE_SELECTED", "CAMPAIGN", "SB_SKILLS", "SB_PRIORITY", "SB_LANGUAGE"}
)
"""Channel variables that travel with the call (``VarSet``): what the IVR collected, the CRM
ids and the campaign set on an originate. Anything else Asterisk sets is noise to a CTI."""


def is_allowed_variable(name: str) -> bool:
    """Whether a channel variable belongs to the call (``CALL_VARIABLES``)."""
    return name in CALL_VARIABLES or name.startswith(CALL_VARIABLE_PREFIXES)


# Q.850 cause codes (``Hangup`` ``Cause``) that say why a call failed to connect.
_BUSY = frozenset({17})
_NO_ANSWER = frozenset({18, 19, 21})
_FAILED = frozenset({1, 3, 20, 22, 27, 28, 34, 38, 41, 42, 44, 58, 66, 88, 102, 111, 127})

AGENT_COMPLETE_REASONS = {
    "agent": EndCause.AGENT_HANGUP,
    "caller": EndCause.CALLER_HANGUP,
    "transfer": EndCause.TRANSFERRED_AWAY,
}
DIAL_STATUS_CAUSES = {
    "BUSY": EndCause.BUSY,
    "NOANSWER": EndCause.NO_ANSWER,
    "CHANUNAVAIL": EndCause.FAILED,
    "CONGESTION": EndCause.FAILED,
    "INVALIDARGS": EndCause.FAILED,
}


def end_cause(track: Track, code: int | None) -> EndCause:
    """Why the call ended: what the queue said, else the Q.850 code, else who hung up first."""
    if track.ended_by is not None:
        return track.ended_by
    if code in _BUSY:
        return EndCause.BUSY
    if code in _NO_ANSWER and track.answered_at is None:
        return EndCause.NO_ANSWER
    if code in _FAILED:
        return EndCause.FAILED
    if track.direction is Direction.OUTBOUND:
        return EndCause.CALLER_HANGUP if track.first_hangup == "customer" else EndCause.AGENT_HANGUP
    return EndCause.AGENT_HANGUP if track.first_hangup == "agent" else EndCause.CALLER_HANGUP
