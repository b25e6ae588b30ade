"""What the pacer is told: dials placed, lines answered, verdicts, connections, agents.

Every event carries the time it happened (``at``, on the injected clock). A dialled call goes
``Dialled`` → (``Unanswered`` | ``Answered`` → (``Machine`` | ``Person`` → (``Connected`` |
``Abandoned``))). ``Person`` is a live answer (counted in L); ``Abandoned`` is a person with no
agent within the limit (counted in A). Agents go ``AgentFree`` (signed in, or done with a call
and its wrap-up), ``Connected`` (busy) and ``AgentAway`` (paused or signed out).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NoAnswerKind(StrEnum):
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Dialled:
    call_id: str
    at: float


@dataclass(frozen=True, slots=True)
class Unanswered:
    call_id: str
    at: float
    kind: NoAnswerKind = NoAnswerKind.NO_ANSWER


@dataclass(frozen=True, slots=True)
class Answered:
    """The line was picked up; answering-machine detection starts."""

    call_id: str
    at: float


@dataclass(frozen=True, slots=True)
class Machine:
    """AMD says machine: the call ends (hang up or message) without an agent."""

    call_id: str
    at: float


@dataclass(frozen=True, slots=True)
class Person:
    """AMD (or no AMD) says a person: a live answer, who needs an agent within the limit."""

    call_id: str
    at: float


@dataclass(frozen=True, slots=True)
class Connected:
    call_id: str
    agent_id: str
    at: float


@dataclass(frozen=True, slots=True)
class Abandoned:
    """No agent within the limit: the person heard the safe-harbour message."""

    call_id: str
    at: float


@dataclass(frozen=True, slots=True)
class AgentFree:
    agent_id: str
    at: float


@dataclass(frozen=True, slots=True)
class AgentAway:
    agent_id: str
    at: float


CallEvent = Dialled | Unanswered | Answered | Machine | Person | Connected | Abandoned
AgentEvent = AgentFree | AgentAway
PacingEvent = CallEvent | AgentEvent
