"""Runs the pure engine against one call's I/O: the loop every runtime shares.

A runtime implements ``CallIO`` (Asterisk over FastAGI, the simulated PBX, the test runner's
script) and raises ``CallerGone`` from any method once the caller has hung up. ``drive``
returns a ``SessionRecord`` however the call ended, for the reports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import structlog

from cti.clock import Clock
from ivr import engine
from ivr.state import (
    Action,
    AskDigits,
    AskMenu,
    Bundle,
    CallState,
    CallWebhook,
    Digits,
    End,
    Fetched,
    Looked,
    Lookup,
    Play,
    Reply,
    SetVariables,
)

log = structlog.get_logger(__name__)

#: Outcomes: how the engine ended the call, or ``caller-hangup`` / ``error``.
CONTAINED = frozenset({"hangup", "voicemail"})


class CallerGone(Exception):
    """The caller hung up; raised by a ``CallIO`` method."""


class CallIO(Protocol):
    async def play(self, action: Play) -> None: ...

    async def ask(self, action: AskMenu | AskDigits, state: CallState) -> str:
        """The digits pressed ("" for none before the timeout), terminator included."""
        ...

    async def set_variables(self, variables: tuple[tuple[str, str], ...]) -> None: ...

    async def lookup(self, action: Lookup) -> Looked: ...

    async def webhook(self, action: CallWebhook) -> Fetched: ...

    async def end(self, end: End, state: CallState) -> None:
        """Hand the call over (queue, callback, voicemail) or hang up."""
        ...


@dataclass(frozen=True, slots=True)
class SessionRecord:
    call_id: str
    flow: str
    version: int
    started_at: float
    ended_at: float
    outcome: str  # queue, callback, voicemail, hangup, caller-hangup, interrupted, error
    target: str | None
    last_node: str
    path: tuple[str, ...]
    summary: str
    variables: tuple[tuple[str, str], ...]

    @property
    def seconds(self) -> float:
        return self.ended_at - self.started_at


async def drive(
    bundle: Bundle,
    io: CallIO,
    clock: Clock,
    *,
    call_id: str,
    caller: str | None,
    variables: Mapping[str, str] | None = None,
    gone: tuple[type[BaseException], ...] = (CallerGone,),
    interrupted: Callable[[SessionRecord], Awaitable[None]] | None = None,
) -> SessionRecord:
    """Run the call to its end; ``gone`` are the exceptions meaning the caller hung up.

    If the session is cancelled (the server is stopping), ``interrupted`` is given the record
    so far, with the outcome ``interrupted``, before the cancellation goes on."""
    started = clock.now()
    state, actions = engine.start(bundle, call_id, caller, started, variables)
    outcome, target = "error", None

    def record() -> SessionRecord:
        return SessionRecord(
            call_id,
            bundle.main.name,
            bundle.version,
            started,
            clock.now(),
            outcome,
            target,
            state.path[-1] if state.path else state.node,
            state.path,
            state.summary,
            state.variables,
        )

    try:
        while True:
            answer: Reply | None = None
            for action in actions:
                answer = await perform(io, action, state)
            if state.ending is not None:
                outcome, target = state.ending.kind, state.ending.target
                break
            assert answer is not None  # a step that does not end, waits
            state, actions = engine.step(bundle, state, answer, clock.now())
    except gone:
        outcome = "caller-hangup"
        log.info("ivr.caller_hung_up", call_id=call_id, node=state.node)
    except asyncio.CancelledError:
        outcome = "interrupted"
        log.info("ivr.session_interrupted", call_id=call_id, node=state.node)
        if interrupted is not None:
            await asyncio.shield(interrupted(record()))
        raise
    except Exception:
        log.exception("ivr.session_failed", call_id=call_id, node=state.node)
    return record()


async def sleep(clock: Clock, seconds: float) -> None:
    """Wait on the injected clock (simulated pauses run on the simulation's time)."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def wake() -> None:
        if not future.done():
            future.set_result(None)

    clock.call_later(seconds, wake)
    await future


async def perform(io: CallIO, action: Action, state: CallState) -> Reply | None:
    match action:
        case Play():
            await io.play(action)
        case SetVariables(variables=variables):
            await io.set_variables(variables)
        case AskMenu() | AskDigits():
            return Digits(await io.ask(action, state))
        case Lookup():
            return await io.lookup(action)
        case CallWebhook():
            return await io.webhook(action)
        case End():
            await io.end(action, state)
    return None
