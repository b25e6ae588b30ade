"""The authorisation policy the matrix expects, declared once per operation, and the
operations the app really has: every route in ``app.routes`` and every message type a desktop
may send over a websocket.

- "own" is the agent's own call (ringing at or connected to them) or their own state;
  supervisors and admins are not on the phones (the ACD has no agent for them), so their
  cases are on someone else's. The unauthenticated caller has nothing of their own either.
- Allowed means the request got past authorisation: no 401 or 403 (and no 5xx); for a
  websocket, no error message at all. Refused means 401 without a token, 403 otherwise
  (a wrap-up is looked up among the principal's own legs, so someone else's is 404); for a
  websocket, a connection closed with 1008 or an ``error`` message ``forbidden``.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from fastapi.routing import iter_route_contexts
from starlette.routing import Mount, WebSocketRoute

from cti.roles import Role
from cti.server import messages

ME, COLLEAGUE, THIRD = "agent01", "agent02", "agent03"
LOGINS = {Role.AGENT: ME, Role.SUPERVISOR: "super01", Role.ADMIN: "admin"}
RANK = {Role.AGENT: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2}


# -- the policy: one line per operation -----------------------------------------------------
Anyone = Literal["anyone"]
Level = Role | Anyone | None  # the least role allowed; None: nobody


class Owns(StrEnum):
    """What an operation acts on that can be one's own."""

    CALL = "call"
    AGENT = "agent"


@dataclass(frozen=True, slots=True)
class Policy:
    own: Level  # on one's own call or self
    others: Level  # on someone else's (or on nothing in particular)
    owns: Owns | None = None
    phase: str = "connected"  # the call's phase when the operation is tried
    refused: int = 403


def everyone() -> Policy:
    return Policy("anyone", "anyone")


def at_least(role: Role) -> Policy:
    return Policy(role, role)


def on_call(own: Level, others: Level, phase: str = "connected", refused: int = 403) -> Policy:
    return Policy(own, others, Owns.CALL, phase, refused)


def on_agent(own: Level, others: Level) -> Policy:
    return Policy(own, others, Owns.AGENT)


A, S, AD = Role.AGENT, Role.SUPERVISOR, Role.ADMIN

POLICY: dict[str, Policy] = {
    # documentation, health and the pages
    "GET /openapi.json": everyone(),
    "GET /docs": everyone(),
    "GET /docs/oauth2-redirect": everyone(),
    "GET /redoc": everyone(),
    "GET /healthz": everyone(),
    "GET /readyz": everyone(),
    # Prometheus: the scrape token (SWITCHBOARD_METRICS_TOKEN) or the loopback, never a user's
    # token; the matrix's client is neither, so everyone is refused with 401 scrape-refused
    "GET /metrics": Policy(None, None, refused=401),
    "GET /": everyone(),
    "MOUNT /ui": everyone(),
    # auth
    "POST /api/auth/token": everyone(),
    "GET /api/auth/me": at_least(A),
    "POST /api/auth/logout": at_least(A),
    # queues and skills: read by all, changed by supervisors, deleted by admins
    "GET /api/queues": at_least(A),
    "GET /api/queues/{name}": at_least(A),
    "PUT /api/queues/{name}": at_least(S),
    "DELETE /api/queues/{name}": at_least(AD),
    "GET /api/queues/{name}/script": at_least(A),
    "GET /api/queues/{name}/intervals": at_least(S),
    "GET /api/skills": at_least(A),
    "PUT /api/skills/{name}": at_least(S),
    "DELETE /api/skills/{name}": at_least(AD),
    # agents
    "GET /api/agents": at_least(S),
    "GET /api/alerts": at_least(S),
    "GET /api/agents/{agent_id}": on_agent(A, S),
    "PUT /api/agents/{agent_id}/state": on_agent(A, S),
    "PUT /api/agents/{agent_id}/skills": on_agent(S, S),
    # calls
    "GET /api/calls": at_least(A),  # agents see their own only
    "GET /api/calls/waiting": at_least(S),
    "GET /api/calls/{call_id}/routing": on_call(S, S, phase="ringing"),
    "POST /api/calls/{call_id}/callback": on_call(S, S, phase="ringing"),
    "POST /api/calls/{call_id}/answer": on_call(A, None, phase="ringing"),
    "POST /api/calls/{call_id}/hold": on_call(A, None),
    "POST /api/calls/{call_id}/transfer": on_call(A, S),
    "POST /api/calls/{call_id}/consult": on_call(A, None),
    "POST /api/calls/{call_id}/consult/{outcome}": on_call(A, None, phase="consulting"),
    "POST /api/calls/{call_id}/hangup": on_call(A, S),
    "POST /api/calls/originate": at_least(A),  # dials the principal's own phone
    "POST /api/calls/{call_id}/wrapup": on_call(A, None, phase="ended", refused=404),
    "POST /api/calls/{call_id}/recording": on_call(A, S),
    "DELETE /api/calls/{call_id}/recording": on_call(A, S),
    # CRM
    "GET /api/customers": at_least(A),
    "GET /api/customers/{customer_id}": at_least(A),
    "POST /api/customers": at_least(A),
    # customer records: CSV import and export, a customer's data exported or erased
    "POST /api/crm/customers/import": at_least(AD),
    "GET /api/crm/customers/export": at_least(AD),
    "GET /api/crm/customers/{customer_id}/data": at_least(AD),
    "DELETE /api/crm/customers/{customer_id}": at_least(AD),
    # provisioning: admins only
    "GET /api/users": at_least(AD),
    "POST /api/users": at_least(AD),
    "POST /api/users/import": at_least(AD),
    "GET /api/users/{login}": at_least(AD),
    "PATCH /api/users/{login}": at_least(AD),
    "PUT /api/users/{login}/password": at_least(AD),
    # PBX queue members
    "POST /api/pbx/queues/{queue}/members": at_least(S),
    "DELETE /api/pbx/queues/{queue}/members/{agent_id}": on_agent(S, S),
    "PUT /api/pbx/members/{agent_id}/pause": on_agent(A, S),
    "PUT /api/pbx/queues/{queue}/members/{agent_id}/penalty": on_agent(S, S),
    # IVR and WFM
    "GET /api/ivr/schema": at_least(A),
    "GET /api/ivr/flows": at_least(S),
    "GET /api/ivr/flows/{name}": at_least(S),
    "GET /api/ivr/flows/{name}/versions/{version}": at_least(S),
    "POST /api/ivr/validate": at_least(S),
    "POST /api/ivr/flows/{name}/versions": at_least(S),
    "POST /api/ivr/flows/{name}/upload": at_least(S),
    "POST /api/ivr/flows/{name}/activate": at_least(S),
    "POST /api/ivr/flows/{name}/rollback": at_least(S),
    "GET /api/ivr/reports": at_least(S),
    "POST /api/wfm/erlang": at_least(S),
    "POST /api/wfm/forecast": at_least(S),
    "POST /api/wfm/staff": at_least(S),
    "POST /api/wfm/schedule": at_least(S),
    "POST /api/wfm/simulate": at_least(S),
    "POST /api/wfm/staff-groups": at_least(S),
    # the audit log
    "GET /api/audit": at_least(AD),
    # the dialer: campaigns, leads and DNC for supervisors; preview and wrap-up for agents
    "GET /api/dialer/campaigns": at_least(S),
    "POST /api/dialer/campaigns": at_least(S),
    "GET /api/dialer/campaigns/{name}": at_least(S),
    "PUT /api/dialer/campaigns/{name}": at_least(S),
    "POST /api/dialer/campaigns/{name}/start": at_least(S),
    "POST /api/dialer/campaigns/{name}/pause": at_least(S),
    "POST /api/dialer/campaigns/{name}/stop": at_least(S),
    "GET /api/dialer/campaigns/{name}/status": at_least(S),
    "POST /api/dialer/campaigns/{name}/leads": at_least(S),
    "GET /api/dialer/campaigns/{name}/leads": at_least(S),
    "GET /api/dialer/campaigns/{name}/attempts.csv": at_least(S),
    "GET /api/dialer/preview": at_least(A),  # the preview campaigns of their queues
    "POST /api/dialer/campaigns/{name}/preview": at_least(A),
    "POST /api/dialer/campaigns/{name}/preview/{lead_id}": at_least(A),
    "POST /api/dialer/attempts/{attempt_id}/disposition": at_least(A),  # their own attempt
    "GET /api/dialer/dnc": at_least(S),
    "POST /api/dialer/dnc": at_least(S),
    "DELETE /api/dialer/dnc/{phone}": at_least(S),
    "POST /api/dialer/dnc/import": at_least(S),
    # websockets: connecting, then each message type
    "WS /ws/agent": on_agent(A, S),  # a supervisor may watch anyone's
    "WS /ws/board": at_least(S),
    "WS /ws/agent ping": at_least(A),
    "WS /ws/agent resync": at_least(A),
    "WS /ws/agent answer": on_call(A, None, phase="ringing"),
    "WS /ws/agent hold": on_call(A, None),
    "WS /ws/agent hangup": on_call(A, S),
    "WS /ws/agent set_state": on_agent(A, S),  # the state of the socket's agent
    "WS /ws/board ping": at_least(S),
}


# -- the operations the app really has ------------------------------------------------------
def route_operations(app: Any) -> set[str]:
    found: set[str] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            found.add(f"MOUNT {route.path}")
        elif isinstance(route, WebSocketRoute) or context.methods is None:
            found.add(f"WS {context.path}")
        else:
            found |= {f"{m} {context.path}" for m in sorted(context.methods - {"HEAD"})}
    return found


def message_types(union: Any) -> set[str]:
    """The ``type`` of every message in a discriminated union of pydantic models."""
    members = typing.get_args(typing.get_args(union)[0])
    return {typing.get_args(m.model_fields["type"].annotation)[0] for m in members}


def ws_operations() -> set[str]:
    agent = message_types(messages.AgentMessage) | set(messages.AGENT_TYPES)
    board = set(messages.BOARD_TYPES)
    return {f"WS /ws/agent {t}" for t in agent} | {f"WS /ws/board {t}" for t in board}


# -- the cases ------------------------------------------------------------------------------
Scope = Literal["own", "other", "-"]


@dataclass(frozen=True, slots=True)
class Case:
    operation: str
    role: Role | None
    scope: Scope

    @property
    def policy(self) -> Policy:
        return POLICY[self.operation]

    def expected(self) -> str | int:
        """'allowed', or the refusal: 401 unauthenticated, else 403 (404 where declared)."""
        level = self.policy.own if self.scope == "own" else self.policy.others
        if level == "anyone":
            return "allowed"
        if self.role is None:
            return 401
        if level is None or RANK[self.role] < RANK[typing.cast(Role, level)]:
            return self.policy.refused
        return "allowed"

    def __str__(self) -> str:
        return f"{self.operation} | {self.role.value if self.role else 'anonymous'} | {self.scope}"


def cases() -> list[Case]:
    generated = []
    for operation, policy in POLICY.items():
        for role in (None, Role.AGENT, Role.SUPERVISOR, Role.ADMIN):
            scopes: tuple[Scope, ...] = ("-",)
            if policy.owns is not None:
                scopes = ("own", "other") if role is Role.AGENT else ("other",)
            generated += [Case(operation, role, scope) for scope in scopes]
    return generated


CASES = cases()
