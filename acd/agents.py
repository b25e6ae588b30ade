"""The agent lifecycle as a pure function: ``transition(agent, event, now) -> agent``.

States: logged out, available, reserved (phone ringing), on call, wrap-up, paused with a
reason. A pause asked for during a call is kept as ``pending_pause`` and taken when the
wrap-up ends, as agents expect ("not ready after this call").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from acd.errors import IllegalStateChange


class AgentState(StrEnum):
    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    RESERVED = "reserved"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


@dataclass(frozen=True)
class Agent:
    """One agent, immutable; every change is a new record (``evolve``).

    Not ``slots``: the record is copied on every state change, and with a ``__dict__`` the
    copy is one C-level dict update instead of a Python loop over the fields."""

    agent_id: str
    name: str
    skills: tuple[tuple[str, int], ...]
    state: AgentState = AgentState.LOGGED_OUT
    since: float = 0.0
    idle_since: float = 0.0
    call_id: str | None = None
    queue: str | None = None
    pause_reason: str | None = None
    pending_pause: str | None = None
    calls_taken: int = 0
    rna_streak: int = 0  # ring-no-answers in a row, for auto-pause
    _levels: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_levels", dict(self.skills))

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(name[5:] for name, _ in self.skills if name.startswith("lang:"))

    def level(self, skill: str) -> int:
        return self._levels.get(skill, 0)

    def evolve(self, **changes: object) -> Agent:
        """``dataclasses.replace`` for the hot path, same result: the fields are copied as
        one dict, and the skill index is shared unless skills change."""
        new = _new(Agent)
        fields = new.__dict__
        fields.update(self.__dict__)
        fields.update(changes)
        if "skills" in changes:
            fields["_levels"] = dict(new.skills)
        return new


# Agent-side requests (from the desktop, the board or the PBX).
@dataclass(frozen=True, slots=True)
class Login:
    pass


@dataclass(frozen=True, slots=True)
class Logout:
    pass


@dataclass(frozen=True, slots=True)
class MakeAvailable:
    pass


@dataclass(frozen=True, slots=True)
class Pause:
    reason: str


# Call-side happenings.
@dataclass(frozen=True, slots=True)
class Reserve:
    call_id: str
    queue: str | None


@dataclass(frozen=True, slots=True)
class Release:
    """The ring ended without an answer (``rang_out``), or the caller left while it rang."""

    call_id: str
    rang_out: bool = False


@dataclass(frozen=True, slots=True)
class Connect:
    call_id: str


@dataclass(frozen=True, slots=True)
class CallDone:
    call_id: str
    wrapup_seconds: float


@dataclass(frozen=True, slots=True)
class EndWrapUp:
    pass


AgentEvent = (
    Login | Logout | MakeAvailable | Pause | Reserve | Release | Connect | CallDone | EndWrapUp
)

_new = object.__new__
_BUSY = (AgentState.RESERVED, AgentState.ON_CALL)


def _to(agent: Agent, state: AgentState, now: float, **changes: object) -> Agent:
    idle = now if state is AgentState.AVAILABLE else agent.idle_since
    return agent.evolve(state=state, since=now, idle_since=idle, **changes)


def _refuse(agent: Agent, event: AgentEvent) -> IllegalStateChange:
    what = type(event).__name__
    return IllegalStateChange(
        f"agent {agent.agent_id} cannot {what} while {agent.state.value}",
        details={"agent_id": agent.agent_id, "state": agent.state.value, "requested": what},
    )


def transition(agent: Agent, event: AgentEvent, now: float) -> Agent:
    # cases in order of frequency (each is an isinstance check): the call-side ones first
    match event:
        case Reserve(call_id=call_id, queue=queue):
            return reserve(agent, call_id, queue, now)
        case Connect(call_id=call_id):
            return connect(agent, call_id, now)
        case CallDone(call_id=call_id, wrapup_seconds=wrap):
            return call_done(agent, call_id, wrap, now)
        case EndWrapUp():
            if agent.state is not AgentState.WRAP_UP:
                raise _refuse(agent, event)
            return _after_call(agent, now)
        case Release(call_id=call_id, rang_out=rang_out):
            if agent.state is not AgentState.RESERVED or agent.call_id != call_id:
                return agent
            streak = agent.rna_streak + 1 if rang_out else agent.rna_streak
            return _after_call(agent, now, rna_streak=streak)
        case Login():
            if agent.state is not AgentState.LOGGED_OUT:
                return agent
            return _to(agent, AgentState.AVAILABLE, now)
        case Logout():
            if agent.state in _BUSY or agent.state is AgentState.WRAP_UP:
                raise _refuse(agent, event)
            return _to(agent, AgentState.LOGGED_OUT, now, pause_reason=None)
        case MakeAvailable():
            return _make_available(agent, event, now)
        case Pause(reason=reason):
            return _pause(agent, event, reason, now)
    raise AssertionError(f"unhandled agent event {event!r}")


# The three call-side steps every routed call takes, as functions of their own: ``transition``
# hands them its event's fields, and an engine on its hot path may call them directly
# without building the event (same result either way).
def reserve(agent: Agent, call_id: str, queue: str | None, now: float) -> Agent:
    """``transition(agent, Reserve(call_id, queue), now)``."""
    state = agent.state
    if state is AgentState.AVAILABLE:
        resume = agent.pending_pause
    elif state is AgentState.PAUSED:
        resume = agent.pause_reason
    else:
        raise _refuse(agent, Reserve(call_id, queue))
    return agent.evolve(
        state=AgentState.RESERVED,
        since=now,
        call_id=call_id,
        queue=queue,
        pending_pause=resume,
    )


def connect(agent: Agent, call_id: str, now: float) -> Agent:
    """``transition(agent, Connect(call_id), now)``."""
    state = agent.state
    if state is AgentState.ON_CALL and agent.call_id == call_id:
        return agent
    if state is not AgentState.RESERVED and state is not AgentState.AVAILABLE:
        raise _refuse(agent, Connect(call_id))
    return agent.evolve(state=AgentState.ON_CALL, since=now, call_id=call_id, rna_streak=0)


def call_done(agent: Agent, call_id: str, wrap: float, now: float) -> Agent:
    """``transition(agent, CallDone(call_id, wrap), now)``."""
    state = agent.state
    if agent.call_id != call_id or state not in _BUSY:
        return agent
    on_call = state is AgentState.ON_CALL
    taken = agent.calls_taken + on_call
    if wrap > 0 and on_call:
        return agent.evolve(state=AgentState.WRAP_UP, since=now, calls_taken=taken)
    return _after_call(agent, now, calls_taken=taken)


def _make_available(agent: Agent, event: AgentEvent, now: float) -> Agent:
    if agent.state in _BUSY:
        raise _refuse(agent, event)
    if agent.state is AgentState.AVAILABLE:
        return agent
    if agent.state is AgentState.WRAP_UP:
        return _after_call(agent, now, pending_pause=None)
    return _to(agent, AgentState.AVAILABLE, now, pause_reason=None, call_id=None, queue=None)


def _pause(agent: Agent, event: AgentEvent, reason: str, now: float) -> Agent:
    if agent.state in _BUSY:
        return agent.evolve(pending_pause=reason)
    if agent.state is AgentState.LOGGED_OUT:
        raise _refuse(agent, event)
    return _to(agent, AgentState.PAUSED, now, pause_reason=reason, call_id=None, queue=None)


def _after_call(agent: Agent, now: float, **changes: object) -> Agent:
    """Leave a call or wrap-up: paused if a pause was asked for meanwhile, else available.

    ``changes`` (counters, a cleared pending pause) go into the same copy of the agent."""
    pending = changes.get("pending_pause", agent.pending_pause)
    if pending is not None:
        changes.update(pause_reason=pending, pending_pause=None)
        return _to(agent, AgentState.PAUSED, now, call_id=None, queue=None, **changes)
    changes["pause_reason"] = None
    return _to(agent, AgentState.AVAILABLE, now, call_id=None, queue=None, **changes)
