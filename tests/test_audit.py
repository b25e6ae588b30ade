"""The audit log: log-ins, and every supervisor and admin action, who, what, when and from
where, read back by admins through ``/api/audit``.

``test_every_supervisor_and_admin_operation_writes_an_audit_entry`` is generated from the
app's own route table (and the websocket's message types): each operation that changes
something, tried by a supervisor and by an admin, must leave an entry naming the operation,
the actor and the outcome. A route added tomorrow is in that table, so it is tested too.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.websockets import WebSocketDisconnect
from structlog.testing import capture_logs

from cti.audit.service import AuditEntry, AuditLog, AuditQuery
from cti.clock import LiveClock, ManualClock
from cti.roles import Role
from cti.server.app import create_app
from tests.authz_floor import Floor, http_outcome, open_socket, ws_outcome
from tests.authz_policy import (
    COLLEAGUE,
    LOGINS,
    POLICY,
    Case,
    route_operations,
    ws_operations,
)
from tests.support import auth, services, settings_for, token

MUTATING = ("POST ", "PUT ", "PATCH ", "DELETE ")
NOT_ACTIONS = ("WS /ws/agent ping", "WS /ws/agent resync", "WS /ws/board ping")


def acting_operations(operations: set[str]) -> list[str]:
    """What changes something: mutating routes and websocket messages that act; the log-in
    is audited on its own (it has no caller yet)."""
    acting = [
        op
        for op in operations
        if (op.startswith(MUTATING) or op.count(" ") == 2) and op not in NOT_ACTIONS
    ]
    return sorted(op for op in acting if op != "POST /api/auth/token")


def _route_table() -> set[str]:
    app = create_app(settings_for(Path(tempfile.mkdtemp(prefix="audit-routes-"))))
    return route_operations(app) | ws_operations()


ROUTE_TABLE = _route_table()
AUDITED = [
    Case(op, role, "other" if POLICY[op].owns is not None else "-")
    for op in acting_operations(ROUTE_TABLE)
    for role in (Role.SUPERVISOR, Role.ADMIN)
]


@pytest.fixture(scope="module")
def floor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Floor]:
    settings = settings_for(tmp_path_factory.mktemp("audit"), demo_customers=20, demo_agents=4)
    app = create_app(settings, clock=ManualClock(LiveClock().now()))
    with TestClient(app) as client:
        here = Floor(client)
        here.bearers = {role: token(client, login) for role, login in LOGINS.items()}
        yield here


def _newest(floor: Floor) -> int:
    page = floor.svc.audit.search(AuditQuery(limit=1))
    return page.entries[0].id if page.entries else 0


def _since(floor: Floor, mark: int) -> list[AuditEntry]:
    entries = floor.svc.audit.search(AuditQuery(limit=100)).entries
    return [e for e in entries if e.id is not None and e.id > mark]


def test_the_generated_cases_cover_every_acting_route_and_message() -> None:
    assert len(AUDITED) == 2 * len(acting_operations(ROUTE_TABLE)) > 40
    assert "PUT /api/queues/{name}" in {c.operation for c in AUDITED}
    assert "WS /ws/agent set_state" in {c.operation for c in AUDITED}


@pytest.mark.parametrize("case", AUDITED, ids=str)
def test_every_supervisor_and_admin_operation_writes_an_audit_entry(
    floor: Floor, case: Case
) -> None:
    floor.reset()
    mark = _newest(floor)
    if case.operation.startswith("WS "):
        outcome = ws_outcome(floor, case)
    else:
        outcome = http_outcome(floor, case)
    mine = [e for e in _since(floor, mark) if e.action == case.operation]
    assert len(mine) == 1, f"{case}: {_since(floor, mark)}"
    entry = mine[0]
    assert case.role is not None
    assert (entry.actor, entry.role) == (LOGINS[case.role], case.role.value)
    assert entry.address == "testclient"
    if outcome == "allowed":  # past authorisation (then perhaps 404, or 501 from the sim)
        assert entry.status not in (401, 403) and entry.outcome != "refused", entry
    else:
        assert entry.status == outcome and entry.outcome != "ok", entry
    assert entry.at is not None and abs(entry.at.timestamp() - time.time()) < 600


def test_an_agent_acting_on_their_own_is_not_audited_but_a_refused_attempt_is(
    floor: Floor,
) -> None:
    floor.reset()
    mark = _newest(floor)
    headers = {"Authorization": f"Bearer {floor.bearers[Role.AGENT]}"}
    own = floor.client.put(
        "/api/agents/agent01/state", json={"state": "available"}, headers=headers
    )
    assert own.status_code == 200
    assert _since(floor, mark) == []
    refused = floor.client.put("/api/queues/matrix", json={"label": "x"}, headers=headers)
    assert refused.status_code == 403
    [entry] = _since(floor, mark)
    assert (entry.actor, entry.action, entry.outcome) == (
        "agent01",
        "PUT /api/queues/{name}",
        "refused",
    )
    assert entry.target == {"name": "matrix"}


def test_logins_are_audited_whether_they_succeed_or_fail(floor: Floor) -> None:
    mark = _newest(floor)
    good = {"username": "super02", "password": "switchboard"}
    assert floor.client.post("/api/auth/token", data=good).status_code == 200
    bad = {"username": "super02", "password": "wrong"}
    assert floor.client.post("/api/auth/token", data=bad).status_code == 401
    ghost = {"username": "nobody-here", "password": "x"}
    assert floor.client.post("/api/auth/token", data=ghost).status_code == 401
    entries = sorted(_since(floor, mark), key=lambda e: e.id or 0)
    seen = [(e.actor, e.action, e.outcome, e.role, e.target["outcome"]) for e in entries]
    assert seen == [
        ("super02", "auth.login", "ok", "supervisor", "ok"),
        ("super02", "auth.login", "refused", None, "wrong"),
        ("nobody-here", "auth.login", "refused", None, "wrong"),
    ]
    assert {e.address for e in entries} == {"testclient"}


def test_admins_read_the_log_filtered_by_user_action_and_time_a_page_at_a_time(
    floor: Floor,
) -> None:
    admin = {"Authorization": f"Bearer {floor.bearers[Role.ADMIN]}"}
    for _ in range(3):
        floor.client.post("/api/auth/token", data={"username": "paged", "password": "x"})
    first = floor.client.get("/api/audit", params={"user": "paged", "limit": 2}, headers=admin)
    assert first.status_code == 200, first.text
    body = first.json()
    assert [e["actor"] for e in body["entries"]] == ["paged", "paged"]
    assert body["next_before"] == body["entries"][-1]["id"]
    rest = floor.client.get(
        "/api/audit",
        params={"user": "paged", "limit": 2, "before": body["next_before"]},
        headers=admin,
    ).json()
    assert len(rest["entries"]) == 1 and rest["next_before"] is None
    by_action = floor.client.get(
        "/api/audit", params={"action": "AUTH.LOG", "user": "paged"}, headers=admin
    )
    assert len(by_action.json()["entries"]) == 3
    at = body["entries"][0]["at"]
    later = floor.client.get(
        "/api/audit", params={"user": "paged", "since": "2999-01-01T00:00:00Z"}, headers=admin
    )
    assert later.json()["entries"] == []
    upto = floor.client.get("/api/audit", params={"user": "paged", "until": at}, headers=admin)
    assert len(upto.json()["entries"]) == 3


def test_a_time_range_without_an_offset_or_backwards_is_refused_naming_the_field(
    floor: Floor,
) -> None:
    admin = {"Authorization": f"Bearer {floor.bearers[Role.ADMIN]}"}
    naive = floor.client.get("/api/audit", params={"since": "2026-01-01T00:00:00"}, headers=admin)
    assert naive.status_code == 422
    assert naive.json()["error_id"] == "bad-audit-query"
    assert naive.json()["details"] == {"field": "since"}
    backwards = floor.client.get(
        "/api/audit",
        params={"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        headers=admin,
    )
    assert backwards.status_code == 422 and backwards.json()["details"] == {"field": "since"}


def test_only_admins_read_the_audit_log(floor: Floor) -> None:
    for role in (Role.AGENT, Role.SUPERVISOR):
        headers = {"Authorization": f"Bearer {floor.bearers[role]}"}
        assert floor.client.get("/api/audit", headers=headers).status_code == 403
    assert floor.client.get("/api/audit").status_code == 401


# -- disabling a user -------------------------------------------------------------------------
def test_disabling_a_user_closes_their_open_websocket_and_the_audit_log_says_who(
    tmp_path: Path,
) -> None:
    app = create_app(settings_for(tmp_path, demo_customers=20, demo_agents=4))
    with TestClient(app) as client:
        agent_token = token(client, COLLEAGUE)
        with open_socket(client, "/ws/agent", agent_token) as ws:
            assert ws.receive_json()["type"] == "hello"
            res = client.patch(
                f"/api/users/{COLLEAGUE}",
                json={"enabled": False},
                headers=auth(client, "admin"),
            )
            assert res.status_code == 200, res.text
            with pytest.raises(WebSocketDisconnect) as closed:
                while True:
                    ws.receive_json()
            assert closed.value.code == 1008
        assert (
            client.post(
                "/api/auth/token", data={"username": COLLEAGUE, "password": "switchboard"}
            ).status_code
            == 401
        )
        entries = services(client).audit.search(AuditQuery(action="/api/users")).entries
        [entry] = entries
        assert (entry.actor, entry.role, entry.action, entry.outcome) == (
            "admin",
            "admin",
            "PATCH /api/users/{login}",
            "ok",
        )
        assert entry.target == {"login": COLLEAGUE}
        assert entry.address == "testclient"


# -- storing what a request carried -----------------------------------------------------------
async def test_an_entry_with_a_nul_or_an_overlong_value_is_still_stored(
    session_factory: sessionmaker[Session],
) -> None:
    audit = AuditLog(session_factory, ManualClock(1_796_000_000.0))
    entry = AuditEntry(
        actor="super01",
        role="supervisor",
        action="PUT /api/queues/{name}",
        path="/api/queues/a\x00b" + "x" * 600,
        status=404,
        address="203.0.113.7",
        target={"name": "a\x00b"},
    )
    await audit.write(entry)
    [stored] = audit.search(AuditQuery(user="super01")).entries
    assert stored.target == {"name": "a\ufffdb"}
    assert stored.path.startswith("/api/queues/a\ufffdb") and len(stored.path) == 500
    assert (stored.outcome, stored.address) == ("failed", "203.0.113.7")
    assert stored.at is not None and stored.at.timestamp() == 1_796_000_000.0


async def test_an_entry_the_database_refuses_is_logged_in_full_not_raised(
    session_factory: sessionmaker[Session],
) -> None:
    audit = AuditLog(session_factory, ManualClock(1_796_000_000.0))
    entry = AuditEntry("admin", "admin", "DELETE /api/skills/{name}", "/api/skills/x", 204, "::1")
    refusal = OperationalError("x", {}, Exception())
    with capture_logs() as logs, patch.object(AuditLog, "record", side_effect=refusal):
        await audit.write(entry)
    [line] = [line for line in logs if line["event"] == "audit.unwritten"]
    assert (line["actor"], line["action"], line["address"]) == (
        "admin",
        "DELETE /api/skills/{name}",
        "::1",
    )
