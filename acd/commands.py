"""What the ACD decides, for whoever drives it to carry out, in the order given.

Every event method of ``acd.engine.Acd`` returns a list of these. The engine never calls
out while it decides: the live call centre rings phones, pushes board updates and starts
timers from the list; the simulator answers offers and schedules SimPy timeouts; a test
reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from acd.agents import Agent
from acd.model import OverflowKind


@dataclass(frozen=True, slots=True)
class Offer:
    """Ring ``agent_id`` for ``call_id`` from ``queue``."""

    call_id: str
    agent_id: str
    queue: str
    ring_timeout: float


@dataclass(frozen=True, slots=True)
class CallbackDue:
    """Call ``number`` back for ``agent_id``; the caller's turn has come."""

    call_id: str
    agent_id: str
    queue: str
    number: str


@dataclass(frozen=True, slots=True)
class Overflowed:
    """The call waited ``queue``'s maximum and goes to its overflow target.

    For ``OverflowKind.CALLBACK`` the call stays waiting, keeping its place; the driver turns
    it into a callback (``Acd.request_callback``) or, with no number to call, removes it."""

    call_id: str
    queue: str
    kind: OverflowKind
    target: str


@dataclass(frozen=True, slots=True)
class AgentChanged:
    """An agent's state, skills or call changed (for desktops and the board)."""

    agent: Agent


@dataclass(frozen=True, slots=True)
class PhoneFailed:
    """An offer failed before the agent's phone could ring (busy, unreachable, unknown):
    an alert for supervisors. The agent is paused; ``retry_at`` says when they are rung
    again, or is ``None`` once ``failures`` reached the limit and a person must look."""

    agent_id: str
    call_id: str
    at: float
    failures: int
    retry_at: float | None


@dataclass(frozen=True, slots=True)
class QueueChanged:
    """A queue's waiting calls or configuration changed (for the board)."""

    queue: str


class WakeKind(StrEnum):
    ESCALATE = "escalate"  # an escalation step or the end of the owner window
    OVERFLOW = "overflow"  # the queue's maximum wait
    WRAP_UP = "wrap-up"  # the end of an agent's wrap-up
    PHONE_RETRY = "phone-retry"  # an agent whose phone failed may be rung again
    OFFER_RETRY = "offer-retry"  # a call whose offer failed may be offered again


@dataclass(frozen=True, slots=True)
class Wake:
    """Hand this back to ``Acd.wake`` at ``at`` (same scale as the clock's ``now()``).

    A wake that has become pointless meanwhile (the call was answered, the wrap-up ended
    early) changes nothing, so the driver never needs to cancel one."""

    at: float
    kind: WakeKind
    subject: str  # the call for ESCALATE, OVERFLOW, OFFER_RETRY; the agent otherwise
    token: int  # which call with that id, or which wrap-up of that agent


Command = Offer | CallbackDue | Overflowed | AgentChanged | PhoneFailed | QueueChanged | Wake
Commands = list[Command]
