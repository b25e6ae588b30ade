"""The Asterisk adapter on its own, connected to a live ``Pbx``, for the outbound tests.

The campaign runtime (``dialer/``) drives ``execute_outbound`` and listens to the port's
event stream; here a test does both, with ``Dialer``: it builds the adapter as the server
does (``build_adapter`` over a real ``AmiClient``), records every outbound event, and waits
for the ones a scenario expects.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import SecretStr

from cti.asterisk.adapter import AsteriskTelephony, build_adapter
from cti.asterisk.client import AmiClient, AmiTimings
from cti.asterisk.config import AmiConfig
from cti.clock import LiveClock
from cti.telephony import outbound as ob
from tests.live.pbx import Pbx

E = TypeVar("E")


class Dialer:
    def __init__(self, pbx: Pbx, *, port: int | None = None) -> None:
        """``port``: where to reach AMI (a ``Relay`` in front of it), else the PBX's own."""
        secret = SecretStr(pbx.secret)
        config = AmiConfig(port=port or pbx.ami_port, user="switchboard", secret=secret)
        self.client = AmiClient(config, timings=AmiTimings(backoff_initial=0.2))
        self.adapter: AsteriskTelephony = build_adapter(config, self.client, LiveClock())
        self.events: list[Any] = []
        self._changed = asyncio.Event()
        self.adapter.subscribe(self._record)

    def _record(self, event: Any) -> None:
        self.events.append(event)
        self._changed.set()

    async def __aenter__(self) -> Dialer:
        await self.adapter.start()
        await self.client.wait_connected(timeout=15)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.adapter.stop()

    async def do(self, command: ob.OutboundCommand) -> None:
        await self.adapter.execute_outbound(command)

    def of(self, kind: type[E], attempt_or_agent: str | None = None) -> list[E]:
        return [
            e
            for e in self.events
            if isinstance(e, kind)
            and attempt_or_agent
            in (None, getattr(e, "attempt_id", None), getattr(e, "agent_id", None))
        ]

    async def wait(self, kind: type[E], key: str | None = None, *, timeout: float = 20.0) -> E:
        """The first ``kind`` event about ``key`` (an attempt or an agent), once it came."""
        return (await self.until(lambda: self.of(kind, key), f"{kind.__name__} {key}", timeout))[0]

    async def until(self, found: Callable[[], list[E]], what: str, timeout: float) -> list[E]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (result := found()):
            self._changed.clear()
            left = deadline - loop.time()
            if left <= 0:
                seen = [type(e).__name__ for e in self.events][-20:]
                raise AssertionError(f"no {what} within {timeout:g} s; last events: {seen}")
            try:  # an event, or a look at the PBX again every 0.2 s
                await asyncio.wait_for(self._changed.wait(), min(left, 0.2))
            except TimeoutError:
                continue
        return result


def application_of(pbx: Pbx, channel: str) -> str:
    """What ``channel`` runs now (``Application!Data`` of ``core show channels concise``)."""
    for line in pbx.cli("core show channels concise").splitlines():
        fields = line.split("!")
        if fields[0] == channel and len(fields) > 6:
            return f"{fields[5]}!{fields[6]}"
    return ""
