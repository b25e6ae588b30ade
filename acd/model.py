"""What the router works with: queue configuration, call requirements, waiting calls.

A call's **score** is ``priority + weight * seconds waited`` (``weight`` from its home queue).
When an agent frees up, the waiting call with the highest score among those the agent is
eligible for is chosen; equal scores go to the call that arrived first (FIFO, by arrival
sequence). Because the weight is per queue, the score's order within a queue never changes
as time passes, so each queue keeps its calls in one sorted list keyed by
``priority - weight * since``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

Skills = tuple[tuple[str, int], ...]  # (skill, level or minimum level 1-5), sorted by name


class Strategy(StrEnum):
    LONGEST_IDLE = "longest-idle"
    MOST_SKILLED = "most-skilled"
    FEWEST_CALLS = "fewest-calls"
    LEAST_OCCUPIED = "least-occupied"
    ROUND_ROBIN = "round-robin"
    RING_ALL = "ring-all"
    WEIGHTED_RANDOM = "weighted-random"


class OverflowKind(StrEnum):
    QUEUE = "queue"
    VOICEMAIL = "voicemail"
    CALLBACK = "callback"


@dataclass(frozen=True, slots=True)
class Overflow:
    kind: OverflowKind
    target: str = ""  # the queue for QUEUE, the mailbox for VOICEMAIL


@dataclass(frozen=True, slots=True)
class EscalationStep:
    """Bullseye: after ``after_seconds`` of waiting, widen who may take the call."""

    after_seconds: float
    min_level: int | None = None  # every required skill's minimum drops to this
    add_skills: Skills = ()  # agents with any of these (at the level) become eligible
    add_queues: tuple[str, ...] = ()  # agents of these queues become eligible


@dataclass(frozen=True, slots=True)
class QueueConfig:
    name: str
    label: str = ""
    skills: Skills = ()
    strategy: Strategy = Strategy.LONGEST_IDLE
    priority: int = 0
    weight: float = 1.0
    service_level_seconds: float = 20.0
    wrapup_seconds: float = 0.0
    ring_timeout: float = 15.0
    escalation: tuple[EscalationStep, ...] = ()
    max_wait_seconds: float | None = None
    overflow: Overflow | None = None
    auto_pause_after: int = 0  # ring-no-answers in a row before auto-pause; 0 = never
    owner_first_seconds: float = 20.0  # the CRM owner agent is tried alone this long
    script: str = ""

    @property
    def required_skills(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.skills)


@dataclass(frozen=True, slots=True)
class Requirements:
    """What one call needs; starts from its queue, adjusted by the IVR and the CRM."""

    skills: Skills = ()
    language: str | None = None
    priority: int = 0
    owner: str | None = None  # the customer's owner agent, tried first
    reasons: tuple[str, ...] = ()  # why priority or skills were changed, for explanations


@dataclass(frozen=True)
class WaitingCall:
    """One call waiting (or ringing) in the ACD. Immutable: a change is a new value, which
    the engine stores in place of the old (``dataclasses.replace``).

    Not ``slots``, like ``acd.agents.Agent``: the engine makes one per call, and with a
    ``__dict__`` ``new_waiting_call`` fills it in one C-level update."""

    call_id: str
    queue: str
    since: float
    seq: int
    requirements: Requirements
    weight: float = 1.0
    step: int = 0  # escalation steps applied
    min_level: int | None = None  # relaxed minimum from escalation
    alternatives: Skills = ()  # from escalation: any one of these suffices
    queues: tuple[str, ...] = ()  # home queue plus queues added by escalation
    declined_by: frozenset[str] = frozenset()  # agents who let it ring out
    callback_number: str | None = None  # the caller hung up and waits for a call back
    owner_until: float = 0.0

    @property
    def key(self) -> tuple[float, int]:
        """Sort key within a queue: best first (higher static score, then FIFO)."""
        return (-(self.requirements.priority - self.weight * self.since), self.seq)

    def score(self, now: float) -> float:
        return self.requirements.priority + self.weight * (now - self.since)

    def needs(self) -> Skills:
        """Required skills with any escalation relaxation applied."""
        if self.min_level is None:
            return self.requirements.skills
        return tuple((s, min(level, self.min_level)) for s, level in self.requirements.skills)


_new = object.__new__


def new_waiting_call(
    call_id: str,
    queue: str,
    since: float,
    seq: int,
    requirements: Requirements,
    weight: float,
    owner_until: float,
) -> WaitingCall:
    """``WaitingCall(call_id, queue, since, seq, requirements, weight, queues=(queue,),
    owner_until=owner_until)``, the same value, without the frozen ``__init__``'s one
    ``object.__setattr__`` per field (the engine's hot path: one per call)."""
    call = _new(WaitingCall)
    call.__dict__.update(
        call_id=call_id,
        queue=queue,
        since=since,
        seq=seq,
        requirements=requirements,
        weight=weight,
        step=0,
        min_level=None,
        alternatives=(),
        queues=(queue,),
        declined_by=frozenset(),
        callback_number=None,
        owner_until=owner_until,
    )
    return call
