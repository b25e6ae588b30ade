"""The authorisation matrix, against the real app on the simulated PBX with a small demo seed.

Every operation (route or websocket message type) x every role (unauthenticated, agent,
supervisor, admin) x one's own or someone else's resource, with the expected outcome declared
once per operation in ``tests.authz_policy.POLICY``. An operation with no declared policy (a
new route, a new message type) fails ``test_every_operation_has_a_declared_policy``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from cti.calls.model import Phase
from cti.clock import LiveClock, ManualClock
from cti.roles import Role
from cti.server import messages
from cti.server.app import create_app
from tests.authz_floor import Floor, http_outcome, open_socket, reply_to, ws_outcome
from tests.authz_policy import (
    CASES,
    COLLEAGUE,
    LOGINS,
    POLICY,
    Case,
    message_types,
    route_operations,
    ws_operations,
)
from tests.support import settings_for, token


@pytest.fixture(scope="module")
def floor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Floor]:
    settings = settings_for(tmp_path_factory.mktemp("authz"), demo_customers=20, demo_agents=4)
    app = create_app(settings, clock=ManualClock(LiveClock().now()))  # no timer fires
    with TestClient(app) as client:
        here = Floor(client)
        here.bearers = {role: token(client, login) for role, login in LOGINS.items()}
        yield here


# -- the tests ------------------------------------------------------------------------------
def test_every_operation_has_a_declared_policy(floor: Floor) -> None:
    real = route_operations(floor.client.app) | ws_operations()
    assert sorted(real - POLICY.keys()) == [], "operations with no declared policy"
    assert sorted(POLICY.keys() - real) == [], "policies for operations that do not exist"


def test_a_new_route_or_message_type_would_be_found_without_a_policy(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path))
    app.add_api_route("/api/new-thing", lambda: None, methods=["POST"])
    assert route_operations(app) - POLICY.keys() == {"POST /api/new-thing"}

    class Teleport(BaseModel):
        type: Literal["teleport"]

    union = Annotated[messages.Ping | Teleport, Field(discriminator="type")]
    assert message_types(union) == {"ping", "teleport"}


def test_the_matrix_covers_every_operation_role_and_scope() -> None:
    assert {c.operation for c in CASES} == POLICY.keys()
    owned = sum(1 for p in POLICY.values() if p.owns is not None)
    assert len(CASES) == 4 * len(POLICY) + owned  # the agent tries both own and another's


@pytest.mark.parametrize("case", CASES, ids=str)
def test_authorisation_matrix(floor: Floor, case: Case) -> None:
    floor.reset()
    outcome = ws_outcome(floor, case) if case.operation.startswith("WS ") else None
    if outcome is None:
        outcome = http_outcome(floor, case)
    assert outcome == case.expected(), str(case)


# -- the holes of issue 11, as a user would meet them ---------------------------------------
def test_an_agent_cannot_hang_up_or_hold_a_colleagues_call_over_the_websocket(
    floor: Floor,
) -> None:
    floor.reset()
    call_id = floor.call(COLLEAGUE, "connected")
    with open_socket(floor.client, "/ws/agent", floor.bearers[Role.AGENT]) as ws:
        ws.receive_json()
        for message in ({"type": "hangup"}, {"type": "hold", "on_hold": True}):
            assert reply_to(ws, {**message, "call_id": call_id}) == 403
    call = floor.svc.centre.calls[call_id]
    assert (call.phase, call.agent_id, call.on_hold) == (Phase.CONNECTED, COLLEAGUE, False)


def test_a_supervisor_hangs_up_an_agents_call_over_the_websocket(floor: Floor) -> None:
    floor.reset()
    call_id = floor.call(COLLEAGUE, "connected")
    bearer = floor.bearers[Role.SUPERVISOR]
    with open_socket(floor.client, "/ws/agent", bearer, agent_id=COLLEAGUE) as ws:
        ws.receive_json()
        assert reply_to(ws, {"type": "hangup", "call_id": call_id}) == "allowed"
    assert call_id not in floor.svc.centre.calls


def test_an_agent_cannot_send_a_waiting_caller_away_but_a_supervisor_can(floor: Floor) -> None:
    floor.reset()
    call_id = floor.call(None, "waiting")
    url = f"/api/calls/{call_id}/callback"
    for role in (Role.AGENT, Role.SUPERVISOR):
        res = floor.client.post(
            url, json={}, headers={"Authorization": f"Bearer {floor.bearers[role]}"}
        )
        if role is Role.AGENT:
            assert res.status_code == 403 and res.json()["error_id"] == "forbidden"
            assert res.json()["details"] == {
                "action": "callback",
                "owner": None,
                "required_role": "supervisor",
            }
            assert floor.svc.centre.calls[call_id].phase is Phase.QUEUED  # still on the line
    assert res.status_code == 200, res.text
    assert call_id not in floor.svc.centre.calls
    assert [w.callback_number for w in floor.svc.centre.acd.waiting()] == ["+14155550123"]
