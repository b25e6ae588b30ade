"""The IVR on the simulated PBX: the front door that takes calls dialled to a flow's entry.

Synthetic callers answer each waiting node from the flow's ``simulation`` distribution
(``{"2": 0.5, "1234#": 0.3, "": 0.1, "hangup": 0.1}``; ``""`` is silence until the timeout,
``hangup`` hangs up, ``{account}`` becomes a real account number of the demo CRM). A node
without one gets a random valid choice. Prompts and answers take ``Pace`` seconds on the
injected clock. At the end the call is queued (``enqueue``), queued and turned into a
callback, sent to voicemail, or hung up.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog

from cti.clock import Clock
from cti.telephony import commands as cmd
from cti.telephony.simulated import SimulatedTelephony
from ivr.driver import CallerGone, drive, sleep
from ivr.lookups import LookupFn
from ivr.service import IvrService
from ivr.state import (
    AskDigits,
    AskMenu,
    Bundle,
    CallState,
    CallWebhook,
    End,
    Fetched,
    Looked,
    Lookup,
    Play,
)
from ivr.webhook import WebhookFn

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class Pace:
    prompt_seconds: float = 3.0
    answer_seconds: float = 2.0


class Caller(Protocol):
    def answer(self, bundle: Bundle, state: CallState, ask: AskMenu | AskDigits) -> str: ...


class RandomCaller:
    """Draws answers from the flow's per-node distributions."""

    def __init__(self, rng: random.Random, accounts: Sequence[str] = ()) -> None:
        self._rng = rng
        self._accounts = ["".join(c for c in a if c.isdigit()) for a in accounts]

    def answer(self, bundle: Bundle, state: CallState, ask: AskMenu | AskDigits) -> str:
        weights = bundle.flow(state.flow).simulation.get(state.node)
        if weights:
            choice = self._rng.choices(list(weights), weights=list(weights.values()))[0]
        elif isinstance(ask, AskMenu):
            choice = self._rng.choice(ask.choices)
        else:
            length = self._rng.randint(1, ask.max_digits)
            choice = "".join(self._rng.choice("0123456789") for _ in range(length))
            choice += ask.terminator or ""
        if "{account}" in choice:
            account = self._rng.choice(self._accounts) if self._accounts else "0000"
            choice = choice.replace("{account}", account)
        return choice


class ScriptedCaller:
    """Answers from a list, then silence (tests and the test runner)."""

    def __init__(self, answers: Sequence[str]) -> None:
        self._answers = list(answers)

    def answer(self, bundle: Bundle, state: CallState, ask: AskMenu | AskDigits) -> str:
        return self._answers.pop(0) if self._answers else ""


class SimIvr:
    """``FrontDoor`` of the simulated PBX."""

    def __init__(
        self,
        pbx: SimulatedTelephony,
        service: IvrService,
        clock: Clock,
        lookups: LookupFn,
        webhooks: WebhookFn,
        request_callback: Callable[[str, str], None],
        caller: Caller,
        pace: Pace | None = None,
    ) -> None:
        self.pbx, self.service, self.clock = pbx, service, clock
        self.lookups, self.webhooks = lookups, webhooks
        self.request_callback = request_callback
        self.caller = caller
        self.pace = pace or Pace()
        self.tasks: set[asyncio.Task[None]] = set()

    def arrived(self, call_id: str, dialled: str, number: str | None) -> bool:
        bundle = self.service.bundle_for_dialled(dialled)
        if bundle is None:
            return False
        task = asyncio.get_running_loop().create_task(self._run(bundle, call_id, number))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return True

    async def _run(self, bundle: Bundle, call_id: str, number: str | None) -> None:
        io = _SimIO(self, bundle, call_id, number)
        record = await drive(
            bundle, io, self.clock, call_id=call_id, caller=number, interrupted=self.service.record
        )
        await self.service.record(record)

    async def stop(self) -> None:
        """End the calls still in the IVR (the server is stopping); each is recorded."""
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


class _SimIO:
    def __init__(self, ivr: SimIvr, bundle: Bundle, call_id: str, number: str | None) -> None:
        self._ivr, self._bundle = ivr, bundle
        self._call_id, self._number = call_id, number

    async def _pause(self, seconds: float) -> None:
        await sleep(self._ivr.clock, seconds)
        if not self._ivr.pbx.is_up(self._call_id):
            raise CallerGone(self._call_id)

    async def play(self, action: Play) -> None:
        await self._pause(self._ivr.pace.prompt_seconds)

    async def ask(self, action: AskMenu | AskDigits, state: CallState) -> str:
        await self._pause(self._ivr.pace.prompt_seconds)
        answer = self._ivr.caller.answer(self._bundle, state, action)
        if answer == "hangup":
            self._ivr.pbx.caller_hangs_up(self._call_id)
            raise CallerGone(self._call_id)
        await self._pause(self._ivr.pace.answer_seconds if answer else action.timeout)
        return answer

    async def set_variables(self, variables: tuple[tuple[str, str], ...]) -> None:
        if self._ivr.pbx.is_up(self._call_id):
            self._ivr.pbx.set_variables(self._call_id, variables)

    async def lookup(self, action: Lookup) -> Looked:
        return await self._ivr.lookups(action)

    async def webhook(self, action: CallWebhook) -> Fetched:
        return await self._ivr.webhooks(action)

    async def end(self, end: End, state: CallState) -> None:
        pbx, call_id = self._ivr.pbx, self._call_id
        if not pbx.is_up(call_id):
            raise CallerGone(call_id)
        if end.kind in ("queue", "callback") and end.target:
            pbx.enqueue(call_id, end.target)
            if end.kind == "callback" and self._number:
                self._ivr.request_callback(call_id, self._number)
        elif end.kind == "voicemail":
            pbx.dispatch(cmd.Transfer(call_id, end.target or "", "voicemail"))
        else:
            pbx.system_hangs_up(call_id)
