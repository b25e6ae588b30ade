"""Commands Switchboard gives a PBX. Adapters carry them out; they never decide."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

_ids = count(1)


def next_command_id() -> str:
    return f"cmd-{next(_ids)}"


@dataclass(frozen=True, slots=True)
class ConnectAgent:
    """Ring ``agent_id`` for the queued call (Switchboard routes the call itself)."""

    call_id: str
    agent_id: str
    queue: str
    ring_timeout: float = 15.0
    command_id: str = field(default_factory=next_command_id)


@dataclass(frozen=True, slots=True)
class Answer:
    """The agent answers the ringing call from the desktop (softphone or CTI-capable phone)."""

    call_id: str
    agent_id: str
    command_id: str = field(default_factory=next_command_id)


@dataclass(frozen=True, slots=True)
class Originate:
    """Click-to-dial: the agent's leg rings first, then the customer is dialled."""

    agent_id: str
    number: str
    variables: tuple[tuple[str, str], ...] = ()
    command_id: str = field(default_factory=next_command_id)


@dataclass(frozen=True, slots=True)
class Transfer:
    call_id: str
    target: str
    target_kind: str  # "queue" | "agent" | "number"
    command_id: str = field(default_factory=next_command_id)


@dataclass(frozen=True, slots=True)
class Hold:
    call_id: str
    on_hold: bool
    command_id: str = field(default_factory=next_command_id)


@dataclass(frozen=True, slots=True)
class Hangup:
    call_id: str
    command_id: str = field(default_factory=next_command_id)


@dataclass(frozen=True, slots=True)
class Consult:
    """The agent puts the customer on hold and calls ``target`` to talk first."""

    call_id: str
    agent_id: str
    target: str
    target_kind: str  # "agent" | "number"
    command_id: str = field(default_factory=next_command_id)


@dataclass(frozen=True, slots=True)
class EndConsult:
    """``complete``: the consulted party takes the customer; else back to the customer."""

    call_id: str
    complete: bool
    command_id: str = field(default_factory=next_command_id)


Command = ConnectAgent | Answer | Originate | Transfer | Hold | Hangup | Consult | EndConsult
