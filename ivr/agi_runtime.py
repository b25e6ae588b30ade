"""The IVR on Asterisk: one FastAGI handler serves every active flow by name.

``AGI(agi://switchboard:4573/main-menu)`` runs the active version of ``main-menu``:

| engine action | AGI commands |
|---|---|
| (first action) | ``ANSWER`` |
| ``Play`` | ``STREAM FILE <prompt> ""`` (TTS text: ``EXEC <tts app>``, else ``VERBOSE``) |
| ``AskMenu`` | ``STREAM FILE <prompt> "0123456789*#"``, then ``WAIT FOR DIGIT <timeout>`` |
| ``AskDigits`` | as above, then ``WAIT FOR DIGIT`` per digit up to the terminator or maximum |
| ``SetVariables`` | ``SET VARIABLE <name> "<value>"`` each (AMI's ``VarSet`` carries them) |
| ``End`` queue | nothing more in observe mode (the dialplan goes on to ``${QUEUE_SELECTED}``);
| | routes: ``SET CONTEXT switchboard-hold`` / ``SET EXTENSION <queue>`` / ``SET PRIORITY 1`` |
| ``End`` callback | as queue, then the ACD turns the waiting call into a callback |
| ``End`` voicemail | ``EXEC VoiceMail <box>,u``, ``HANGUP`` |
| ``End`` hangup | ``HANGUP`` |

In observe mode the script only names the queue (``QUEUE_SELECTED``, set with the other
variables) and returns: the example dialplan's ``Goto(${QUEUE_SELECTED},1)`` queues the caller,
once. Queueing inside the AGI as well would queue the caller a second time when the first
agent hangs up and ``Queue()`` returns to the dialplan.

A missing sound file is logged and skipped. The caller hanging up (``HANGUP``, 511, the
connection closing) ends the session as ``caller-hangup``; the session is recorded either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import structlog

from cti.asterisk.agi import AgiCommandFailed, AgiHangup
from cti.asterisk.agi_server import AgiServer, AgiSession
from cti.calls.service import CallCentre
from cti.clock import Clock
from ivr.driver import CallerGone, drive, sleep
from ivr.lookups import LookupFn
from ivr.service import IvrService
from ivr.state import AskDigits, AskMenu, CallState, CallWebhook, End, Fetched, Looked, Lookup, Play
from ivr.webhook import WebhookFn

log = structlog.get_logger(__name__)
DTMF = "0123456789*#"
CallbackFn = Callable[[str, str], Coroutine[Any, Any, None]]


class AgiRuntime:
    def __init__(
        self,
        service: IvrService,
        clock: Clock,
        lookups: LookupFn,
        webhooks: WebhookFn,
        *,
        route_mode: bool = False,
        hold_context: str = "switchboard-hold",
        tts_application: str | None = None,
        request_callback: CallbackFn | None = None,
    ) -> None:
        self.service, self.clock = service, clock
        self.lookups, self.webhooks = lookups, webhooks
        self.route_mode, self.hold_context = route_mode, hold_context
        self.tts_application = tts_application
        self.request_callback = request_callback
        self._tasks: set[asyncio.Task[None]] = set()

    def callback_later(self, call_id: str, number: str) -> None:
        """The call reaches the queue once the script returns: ask for the callback then."""
        if self.request_callback is None:
            return
        task = asyncio.get_running_loop().create_task(self.request_callback(call_id, number))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def install(self, server: AgiServer) -> None:
        """Serve every active flow now, and each flow activated later."""
        for name in self.service.active_names():
            server.route(name, self.handle)
        self.service.on_activate(lambda name: server.route(name, self.handle))

    async def handle(self, session: AgiSession) -> None:
        bundle = self.service.bundle(session.flow)
        if bundle is None:
            log.warning("ivr.no_active_flow", flow=session.flow)
            return
        env = session.environment
        io = _AgiIO(self, session)
        record = await drive(
            bundle,
            io,
            self.clock,
            call_id=env.uniqueid or f"agi-{id(session)}",
            caller=env.caller_number,
            gone=(CallerGone, AgiHangup),
            interrupted=self.service.record,
        )
        await self.service.record(record)


class _AgiIO:
    def __init__(self, runtime: AgiRuntime, session: AgiSession) -> None:
        self._rt, self._session = runtime, session
        self._answered = False

    async def _answer(self) -> None:
        if not self._answered:
            self._answered = True
            await self._session.answer()

    async def _prompt(self, prompt: str | None, say: str | None, escape: str) -> str:
        await self._answer()
        if prompt:
            try:
                return await self._session.stream_file(prompt, escape)
            except AgiCommandFailed as exc:
                log.warning("ivr.prompt_missing", prompt=prompt, error=exc.message)
        if say and self._rt.tts_application:
            await self._session.exec_(self._rt.tts_application, say)
        elif say and not prompt:
            await self._session.verbose(f"IVR says: {say}", 3)
        return ""

    async def play(self, action: Play) -> None:
        await self._prompt(action.prompt, action.say, "")

    async def ask(self, action: AskMenu | AskDigits, state: CallState) -> str:
        digits = await self._prompt(action.prompt, action.say, DTMF)
        wait = int(action.timeout * 1000)
        if isinstance(action, AskMenu):
            return digits or await self._session.wait_for_digit(wait)
        while len(digits) < action.max_digits + (1 if action.terminator else 0):
            if action.terminator and digits.endswith(action.terminator):
                break
            digit = await self._session.wait_for_digit(wait)
            if not digit:
                break
            digits += digit
        return digits

    async def set_variables(self, variables: tuple[tuple[str, str], ...]) -> None:
        await self._answer()
        for name, value in variables:
            await self._session.set_variable(name, value)

    async def lookup(self, action: Lookup) -> Looked:
        return await self._rt.lookups(action)

    async def webhook(self, action: CallWebhook) -> Fetched:
        return await self._rt.webhooks(action)

    async def end(self, end: End, state: CallState) -> None:
        await self._answer()
        if end.kind in ("queue", "callback") and end.target:
            if end.kind == "callback" and state.caller:
                self._rt.callback_later(state.call_id, state.caller)
            await self._queue(end.target)
        elif end.kind == "voicemail":
            await self._session.exec_("VoiceMail", end.target or "", "u")
            await self._session.hangup()
        else:
            await self._session.hangup()

    async def _queue(self, queue: str) -> None:
        """Route mode: continue in the holding context. Observe mode: QUEUE_SELECTED is set,
        and the dialplan queues the call once the script returns (see the module docstring)."""
        if self._rt.route_mode:
            await self._session.command(f"SET CONTEXT {self._rt.hold_context}")
            await self._session.command(f"SET EXTENSION {queue}")
            await self._session.command("SET PRIORITY 1")


def callback_when_queued(
    centre: CallCentre, clock: Clock, patience: float = 10.0, every: float = 0.2
) -> CallbackFn:
    """Ask the ACD for a callback once it sees the call waiting (it gets there after the AGI
    script returns); give up, logged, after ``patience`` seconds."""

    async def request(call_id: str, number: str) -> None:
        waited = 0.0
        while centre.acd.waiting_call(call_id) is None:
            if waited >= patience:
                log.warning("ivr.callback_call_never_queued", call_id=call_id)
                return
            await sleep(clock, every)
            waited += every
        centre.request_callback(call_id, number)

    return request
