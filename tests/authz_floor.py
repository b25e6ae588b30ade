"""Carrying out one case of the authorisation matrix on a running app: fresh calls in the
phase an operation needs, a valid request for each route, and the outcome seen."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from acd import agents as ag
from acd.agents import AgentState
from cti.calls.model import Phase
from cti.roles import Role
from cti.telephony import commands as cmd
from tests import dialer_support, support
from tests.authz_policy import COLLEAGUE, LOGINS, ME, POLICY, THIRD, Case, Owns
from tests.support import services


# -- the one websocket helper (the token travels in the subprotocol, never in the URL) ------
def open_socket(client: TestClient, path: str, bearer: str | None, **query: str) -> Any:
    """Connect to ``path`` as the holder of ``bearer`` (``None``: no token at all)."""
    url = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    return client.websocket_connect(url, subprotocols=support.bearer(bearer) if bearer else None)


# -- the floor: one app, reset before each case ---------------------------------------------
@dataclass
class Floor:
    client: TestClient
    bearers: dict[Role, str] = field(default_factory=dict)

    @property
    def svc(self) -> Any:
        return services(self.client)

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.client.portal.call(fn, *args)  # type: ignore[union-attr]

    def reset(self) -> None:
        """No calls, no callbacks waiting, nobody in wrap-up, everyone paused (or logged out)."""
        self.run(self._reset)

    def _reset(self) -> None:
        centre, port = self.svc.centre, self.svc.telephony
        for call_id in list(centre.calls):
            port.caller_hangs_up(call_id)
        for waiting in centre.acd.waiting():  # a callback outlives its call
            centre.carry_out(centre.acd.left_queue(waiting.call_id))
        for agent in centre.acd.agents():
            if agent.state is AgentState.WRAP_UP:
                centre.apply(agent.agent_id, ag.EndWrapUp())
            now = centre.acd.agent(agent.agent_id).state
            if now not in (AgentState.PAUSED, AgentState.LOGGED_OUT):  # logged out: new here
                centre.set_agent_state(agent.agent_id, AgentState.PAUSED, "authz")
        assert not centre.calls and not centre.acd.waiting()

    def call(self, owner: str | None, phase: str) -> str:
        """A fresh call, ringing at / connected to ``owner`` (or waiting for nobody)."""
        call_id: str = self.run(self._call, owner, phase)
        return call_id

    def _call(self, owner: str | None, phase: str) -> str:
        centre, port = self.svc.centre, self.svc.telephony
        if owner is None:  # everyone is paused: the caller waits
            return str(port.place_call("sales", "+14155550123"))
        centre.set_agent_state(owner, AgentState.AVAILABLE, None)
        call_id = self._ring(owner)
        if phase != "ringing":
            port.dispatch(cmd.Answer(call_id, owner))
            assert centre.calls[call_id].phase is Phase.CONNECTED
        if phase == "consulting":
            port.dispatch(cmd.Consult(call_id, owner, THIRD, "agent"))
        if phase == "ended":
            port.dispatch(cmd.Hangup(call_id))
        return call_id

    def _ring(self, owner: str) -> str:
        centre, port = self.svc.centre, self.svc.telephony
        for queue in sorted(centre.acd.queues):
            call_id = str(port.place_call(queue, "+14155550123"))
            if centre.calls[call_id].agent_id == owner:
                return call_id
            port.caller_hangs_up(call_id)
        raise AssertionError(f"no queue rings {owner}")


# -- carrying out one case ------------------------------------------------------------------
def _owner(case: Case) -> str | None:
    """Whose resource the case acts on."""
    if case.policy.owns is None:
        return None
    if case.scope == "own":
        return LOGINS[Role.AGENT]
    return COLLEAGUE


def _request(floor: Floor, operation: str, owner: str | None) -> tuple[str, str, dict[str, Any]]:
    """The method, URL and arguments of a valid request to ``operation``."""
    method, template = URLS.get(operation, operation).split(" ", 1)
    policy = POLICY[operation]
    values = {"name": "sales", "queue": "sales", "customer_id": "1", "outcome": "cancel"}
    values |= {"version": "1", "agent_id": owner or COLLEAGUE, "login": USER}
    if policy.owns is Owns.CALL:
        values["call_id"] = floor.call(owner, policy.phase)
    kwargs = dict(BODIES.get(operation, {}))
    for key in ("json", "content"):
        if callable(kwargs.get(key)):
            kwargs[key] = kwargs[key](floor, values)
    return method, template.format(**values), kwargs


#: Where the route's template alone does not make a harmless, valid request.
URLS = {
    "MOUNT /ui": "GET /ui/",
    "PUT /api/queues/{name}": "PUT /api/queues/matrix",  # never change or delete the demo's
    "DELETE /api/crm/customers/{customer_id}": "DELETE /api/crm/customers/299",  # not customer 1
    "DELETE /api/queues/{name}": "DELETE /api/queues/matrix",
    "PUT /api/skills/{name}": "PUT /api/skills/matrix",
    "DELETE /api/skills/{name}": "DELETE /api/skills/matrix",
    "GET /api/ivr/flows/{name}": "GET /api/ivr/flows/main-menu",
    "GET /api/ivr/flows/{name}/versions/{version}": "GET /api/ivr/flows/main-menu/versions/1",
    "POST /api/ivr/flows/{name}/versions": "POST /api/ivr/flows/main-menu/versions",
    "POST /api/ivr/flows/{name}/activate": "POST /api/ivr/flows/main-menu/activate",
    "POST /api/ivr/flows/{name}/rollback": "POST /api/ivr/flows/main-menu/rollback",
    "POST /api/dialer/campaigns/{name}/preview/{lead_id}": (
        "POST /api/dialer/campaigns/matrix/preview/1"
    ),
    "POST /api/dialer/attempts/{attempt_id}/disposition": (
        "POST /api/dialer/attempts/att-matrix/disposition"
    ),
    "DELETE /api/dialer/dnc/{phone}": "DELETE /api/dialer/dnc/+12125550188",
    "POST /api/ivr/flows/{name}/upload": "POST /api/ivr/flows/main-menu/upload",
}
#: The account the users routes act on: no case logs in as it.
USER = "agent04"


def _skills_of(floor: Floor, values: dict[str, str]) -> dict[str, Any]:
    agent = floor.svc.centre.acd.agent(values["agent_id"])
    return {"skills": dict(agent.skills)}


def _flow(floor: Floor, values: dict[str, str]) -> Any:
    stored = floor.client.get(
        "/api/ivr/flows/main-menu/versions/1",
        headers={"Authorization": f"Bearer {floor.bearers[Role.ADMIN]}"},
    )
    return stored.json()["definition"]


def _flow_text(floor: Floor, values: dict[str, str]) -> str:
    return json.dumps(_flow(floor, values))  # JSON is YAML


NOWHERE = {
    "demand": [{"queue": "no-such-queue", "calls": [1], "aht": 180}],
    "groups": [{"name": "g", "skills": {"support": 1}, "agents": [1]}],
}
LEADS = {"files": {"file": ("matrix.csv", b"phone\n+12125550188\n", "text/csv")}}
BODIES: dict[str, dict[str, Any]] = {
    "POST /api/dialer/campaigns": {"json": {"name": "matrix", "spec": dialer_support.spec()}},
    "PUT /api/dialer/campaigns/{name}": {"json": dialer_support.spec()},
    "POST /api/dialer/campaigns/{name}/leads": LEADS,
    "POST /api/dialer/campaigns/{name}/preview/{lead_id}": {"json": {"dial": False}},
    "POST /api/dialer/attempts/{attempt_id}/disposition": {"json": {"code": "sale"}},
    "POST /api/dialer/dnc": {"json": {"phone": "+12125550188"}},
    "POST /api/dialer/dnc/import": LEADS,
    "POST /api/auth/token": {"data": {"username": ME, "password": "switchboard"}},
    "PUT /api/queues/{name}": {"json": {"label": "Sales", "skills": {"sales": 1}}},
    "PUT /api/skills/{name}": {"json": {"description": "selling"}},
    "PUT /api/agents/{agent_id}/state": {"json": {"state": "available"}},
    "PUT /api/agents/{agent_id}/skills": {"json": _skills_of},
    "POST /api/calls/{call_id}/callback": {"json": {}},
    "POST /api/calls/{call_id}/hold": {"json": {"on_hold": True}},
    "POST /api/calls/{call_id}/transfer": {"json": {"target": "support", "target_kind": "queue"}},
    "POST /api/calls/{call_id}/consult": {"json": {"target": THIRD, "target_kind": "agent"}},
    "POST /api/calls/originate": {"json": {"number": "+14155550100"}},
    "POST /api/calls/{call_id}/wrapup": {"json": {"disposition": "resolved"}},
    "POST /api/calls/{call_id}/recording": {"json": {}},
    "GET /api/customers": {"params": {"q": "smith"}},
    "POST /api/customers": {"json": {"name": "Matrix Test"}},
    "POST /api/crm/customers/import": {
        "files": {"file": ("customers.csv", b"account_number,name\nMATRIX-1,Matrix\n", "text/csv")}
    },
    "POST /api/pbx/queues/{queue}/members": {"json": {"agent_id": COLLEAGUE}},
    "PUT /api/pbx/members/{agent_id}/pause": {"json": {"paused": True}},
    "PUT /api/pbx/queues/{queue}/members/{agent_id}/penalty": {"json": {"penalty": 1}},
    "POST /api/ivr/validate": {"json": _flow},
    "POST /api/ivr/flows/{name}/versions": {"json": _flow},
    "POST /api/ivr/flows/{name}/activate": {"json": {"version": 1}},
    "POST /api/ivr/flows/{name}/rollback": {"json": {}},
    "POST /api/ivr/flows/{name}/upload": {
        "content": _flow_text,
        "headers": {"Content-Type": "application/yaml"},
    },
    "POST /api/users": {
        "json": {"login": "matrix-user", "display_name": "Matrix", "password": "long-enough-1"}
    },
    "POST /api/users/import": {
        "content": "login,display_name,password\n",
        "headers": {"Content-Type": "text/csv"},
    },
    "PATCH /api/users/{login}": {"json": {"display_name": "Agent Four"}},
    "PUT /api/users/{login}/password": {"json": {"password": "long-enough-2"}},
    "POST /api/wfm/erlang": {"json": {"calls": 100, "aht": 180}},
    "POST /api/wfm/forecast": {"json": {"start": "2026-01-05", "days": 1}},
    "POST /api/wfm/staff": {
        "json": {"intervals": [{"start": "2026-01-05T09:00:00+00:00", "calls": 10, "aht": 180}]}
    },
    "POST /api/wfm/schedule": {"json": {"required": [1] * 48}},
    "POST /api/wfm/simulate": {"json": NOWHERE},
    "POST /api/wfm/staff-groups": {
        "json": {**NOWHERE, "groups": [{"name": "g", "skills": {"support": 1}}]}
    },
}


def http_outcome(floor: Floor, case: Case) -> str | int:
    method, url, kwargs = _request(floor, case.operation, _owner(case))
    headers = {"Authorization": f"Bearer {floor.bearers[case.role]}"} if case.role else {}
    headers |= kwargs.pop("headers", {})
    res = floor.client.request(method, url, headers=headers, **kwargs)
    # the simulated PBX has no queue members and no recorder: 501, answered after authorising
    unsupported = res.status_code == 501 and res.json()["error_id"] == "not-supported-by-pbx"
    assert res.status_code < 500 or unsupported, f"{case}: {res.status_code} {res.text}"
    if res.status_code in (401, 403, case.policy.refused):
        return res.status_code
    if case.operation == "POST /api/auth/logout" and case.role:  # it ended that login's sessions
        floor.bearers[case.role] = support.token(floor.client, LOGINS[case.role])
    return "allowed"


def ws_outcome(floor: Floor, case: Case) -> str | int:
    parts = case.operation.split(" ")
    path, kind = parts[1], parts[2] if len(parts) > 2 else None
    owner = _owner(case)
    watched = _watched(case, owner)
    bearer = floor.bearers[case.role] if case.role else None
    message = _message(floor, case, kind, owner)
    query = {"agent_id": watched} if path == "/ws/agent" and watched else {}
    try:
        with open_socket(floor.client, path, bearer, **query) as ws:
            ws.receive_json()  # hello or board
            if kind is None:
                return "allowed"
            return reply_to(ws, message)
    except WebSocketDisconnect as closed:
        assert closed.code == 1008, f"{case}: closed with {closed.code}"
        return 401 if case.role is None else 403


def _watched(case: Case, owner: str | None) -> str | None:
    """Whose /ws/agent socket the case uses: the agent's own, unless it is about another
    agent's state; a supervisor watches the owner of what they act on."""
    if case.role is Role.AGENT:
        return owner if case.policy.owns is Owns.AGENT else ME
    return owner or COLLEAGUE


def _message(floor: Floor, case: Case, kind: str | None, owner: str | None) -> dict[str, Any]:
    if kind is None or kind in ("ping", "resync"):
        return {"type": kind}
    if kind == "set_state":
        return {"type": kind, "state": "available"}
    call_id = floor.call(owner, case.policy.phase)
    return {"type": kind, "call_id": call_id, **({"on_hold": True} if kind == "hold" else {})}


def reply_to(ws: WebSocketTestSession, message: dict[str, Any]) -> str | int:
    """Send ``message`` then a ping; an error before the pong is the answer to it."""
    ws.send_json(message)
    ws.send_json({"type": "ping"})
    pongs = 2 if message["type"] == "ping" else 1
    outcome: str | int = "allowed"
    while pongs:
        reply = ws.receive_json()
        if reply["type"] == "error":
            assert reply["error_id"] == "forbidden", reply
            outcome = 403
        pongs -= reply["type"] == "pong"
    return outcome
