"""What the live scenarios check, in the words of a user: pops, call-log rows, agents' states,
and Asterisk's own view (its channels and ``queue_log``)."""

from __future__ import annotations

from typing import Any

from cti.crm.calllog import InteractionRecord
from tests.live.pbx import Pbx
from tests.live.switchboard import Api, Desktop, Switchboard, eventually

#: Scheduling slack on a shared CPU: Asterisk and Switchboard may each run a second late.
SLACK = 1.5


def queue_log_of(pbx: Pbx, call_id: str) -> list[list[str]]:
    """``[epoch, callid, queue, agent, event, data...]`` lines of one call."""
    return [line for line in pbx.queue_log() if line[1] == call_id]


def queue_events(pbx: Pbx, call_id: str) -> list[tuple[str, str, str]]:
    """``(queue, agent, event)`` of each of the call's queue_log lines."""
    return [(line[2], line[3], line[4]) for line in queue_log_of(pbx, call_id)]


def logged(sb: Switchboard, call_id: str, legs: int = 1) -> list[InteractionRecord]:
    """The call's call-log rows, once all ``legs`` of them are written."""

    def rows() -> list[InteractionRecord] | None:
        found = sb.services.call_log.get(call_id)
        return found if len(found) >= legs and all(r.outcome for r in found) else None

    return eventually(rows, f"{legs} call-log row(s) of {call_id}", timeout=30)


def no_calls_left(sb: Switchboard, pbx: Pbx) -> None:
    """Asterisk has no channel left and Switchboard shows no call."""
    eventually(lambda: not pbx.channels(), "Asterisk's channels all hung up", timeout=30)
    eventually(lambda: not sb.get("/api/calls"), "Switchboard's calls all ended", timeout=15)


def pops(desktop: Desktop, call_id: str) -> list[tuple[float, dict[str, Any]]]:
    return [(at, m) for at, m in desktop.of("pop") if m["call"]["call_id"] == call_id]


def first_pop(desktop: Desktop, call_id: str, timeout: float = 30) -> tuple[float, dict[str, Any]]:
    found = eventually(lambda: pops(desktop, call_id), f"a pop of {call_id}", timeout=timeout)
    return found[0]


def changes(desktop: Desktop, call_id: str, change: str) -> list[float]:
    return [
        at
        for at, m in desktop.of("call")
        if m["call"]["call_id"] == call_id and m["change"] == change
    ]


def state_of(sb: Api, agent_id: str) -> str:
    return str(sb.agent(agent_id)["state"])


def near(value: float | None, expected: float, slack: float = SLACK) -> bool:
    return value is not None and abs(value - expected) <= slack
