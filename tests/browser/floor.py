"""Setting the contact-centre floor for a browser test: who is available, which calls ring.

Everything here acts on the running server's call centre from its own event loop, the way
the telephony adapter and the REST API act on it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import httpx

from acd.agents import AgentState
from cti.calls.model import Call
from cti.crm.calllog import InteractionRecord
from cti.crm.cards import CustomerCard
from cti.demo.seed import demo_caller_numbers
from cti.errors import SwitchboardError
from cti.telephony import commands as cmd
from cti.telephony import events as ev
from tests.browser.server import LiveServer

PASSWORD = "switchboard"


@dataclass(frozen=True, slots=True)
class KnownCaller:
    number: str
    card: CustomerCard


def agents_with(server: LiveServer, skill: str) -> list[str]:
    agents = server.call(server.services.centre.acd.agents)
    return [a.agent_id for a in agents if a.level(skill) >= 1]


def quiet(server: LiveServer, available: tuple[str, ...] = ()) -> None:
    """End every call; make ``available`` available and pause everyone else."""

    async def settle() -> None:
        svc = server.services
        for call_id in list(svc.centre.calls):
            with contextlib.suppress(SwitchboardError):
                await svc.telephony.execute(cmd.Hangup(call_id))
        for agent in svc.centre.acd.agents():
            wanted = AgentState.AVAILABLE if agent.agent_id in available else AgentState.PAUSED
            if agent.state is AgentState.LOGGED_OUT:
                svc.centre.set_agent_state(agent.agent_id, AgentState.AVAILABLE, None)
            svc.centre.set_agent_state(agent.agent_id, wanted, "meeting")

    server.run(settle)


def set_state(server: LiveServer, agent_id: str, state: AgentState, reason: str = "break") -> None:
    server.call(server.services.centre.set_agent_state, agent_id, state, reason)


def agent_state(server: LiveServer, agent_id: str) -> AgentState:
    return server.call(server.services.centre.acd.agent, agent_id).state


def place_call(
    server: LiveServer, queue: str, number: str | None, ivr: dict[str, str] | None = None
) -> str:
    """A caller dials ``queue`` now; ``ivr`` is what the IVR collected before queueing."""

    def dial() -> str:
        svc = server.services
        call_id = svc.telephony.place_call(queue, number)  # type: ignore[attr-defined]
        if ivr:
            now = svc.clock.now()
            svc.centre.handle(ev.CallVariables(call_id, now, tuple(ivr.items())))
        return str(call_id)

    return server.call(dial)


def active_call(server: LiveServer, call_id: str) -> Call:
    call = server.call(server.services.centre.calls.get, call_id)
    assert call is not None, f"call {call_id} is not active"
    return call


def call_phase(server: LiveServer, call_id: str) -> str | None:
    call = server.call(server.services.centre.calls.get, call_id)
    return None if call is None else call.phase.value


def waiting_in(server: LiveServer, queue: str) -> int:
    return len(server.call(server.services.centre.acd.waiting, queue))


def interactions(server: LiveServer, call_id: str) -> list[InteractionRecord]:
    return server.services.call_log.get(call_id)


def known_caller(server: LiveServer) -> KnownCaller:
    """A seeded number with one owner and a rich record: the most telling screen-pop."""
    crm = server.services.crm

    def interest(card: CustomerCard) -> float:
        rich = (card.tier.value != "standard") * 2 + (card.open_complaints > 0)
        return rich + (card.churn_risk >= 0.5) + len(card.recent) / 5

    callers = []
    for number in demo_caller_numbers(server.sessions)[:200]:
        matches = crm.lookup_caller(number).matches
        if len(matches) == 1:
            callers.append(KnownCaller(number, matches[0]))
    assert callers, "the demo seed has no single-owner number"
    return max(callers, key=lambda caller: interest(caller.card))


def short_token(server: LiveServer, login: str, seconds: int) -> str:
    """A real token for ``login`` that expires in ``seconds``, signed with the server's key."""
    account = server.services.directory.get_agent(login)
    return server.services.auth.tokens.issue(account, ttl_seconds=seconds)


def rest(server: LiveServer, login: str, method: str, path: str, body: Any = None) -> Any:
    """Call the public REST API as ``login``, as the pages do; return the decoded JSON."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        form = {"username": login, "password": PASSWORD}
        token = client.post("/api/auth/token", data=form).raise_for_status().json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        res = client.request(method, path, json=body, headers=headers)
        res.raise_for_status()
        return res.json() if res.content else None


def change_queue(server: LiveServer, queue: str, **changes: Any) -> None:
    """Change a queue's configuration through the API, as a supervisor would."""
    config = rest(server, "super01", "GET", f"/api/queues/{queue}")["config"]
    rest(server, "super01", "PUT", f"/api/queues/{queue}", {**config, **changes})
