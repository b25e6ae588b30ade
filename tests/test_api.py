"""The CTI server's REST API, in-process against the real app on the embedded default."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from acd import agents as ag
from tests.support import auth, running_app, services


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with running_app(tmp_path_factory.mktemp("api")) as c:
        yield c


def test_health_and_openapi_are_served(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert "/api/auth/token" in spec["paths"] and "/api/queues" in spec["paths"]


def test_a_demo_agent_logs_in_and_gets_a_token_naming_their_role(client: TestClient) -> None:
    res = client.post("/api/auth/token", data={"username": "agent01", "password": "switchboard"})
    assert res.status_code == 200
    assert res.json()["role"] == "agent"
    me = client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {res.json()['access_token']}"}
    )
    assert me.json()["login"] == "agent01"


def test_a_wrong_password_is_refused_with_a_stable_error_id(client: TestClient) -> None:
    res = client.post("/api/auth/token", data={"username": "agent01", "password": "nope"})
    assert res.status_code == 401
    assert res.json()["error_id"] == "invalid-credentials"


def test_requests_without_a_token_are_refused(client: TestClient) -> None:
    assert client.get("/api/queues").status_code == 401


def test_a_forged_token_is_refused(client: TestClient) -> None:
    res = client.get("/api/queues", headers={"Authorization": "Bearer not.a.jwt"})
    assert res.status_code == 401 and res.json()["error_id"] == "invalid-token"


def test_queues_give_a_live_snapshot_each(client: TestClient) -> None:
    queues = client.get("/api/queues", headers=auth(client, "agent01")).json()
    assert {q["queue"] for q in queues} >= {"sales", "support"}
    sales = next(q for q in queues if q["queue"] == "sales")
    assert {"waiting", "longest_wait", "service_level", "abandoned", "agents"} <= set(sales)


def test_an_agent_cannot_list_all_agents_but_a_supervisor_can(client: TestClient) -> None:
    assert client.get("/api/agents", headers=auth(client, "agent01")).status_code == 403
    agents = client.get("/api/agents", headers=auth(client, "super01")).json()
    assert any(a["agent_id"] == "agent01" for a in agents)


def test_an_agent_cannot_change_another_agents_state(client: TestClient) -> None:
    res = client.put(
        "/api/agents/agent02/state", json={"state": "paused"}, headers=auth(client, "agent01")
    )
    assert res.status_code == 403 and res.json()["error_id"] == "forbidden"


def test_an_agent_pauses_with_a_reason_and_comes_back(client: TestClient) -> None:
    headers = auth(client, "agent03")
    res = client.put(
        "/api/agents/agent03/state", json={"state": "paused", "reason": "Lunch"}, headers=headers
    )
    assert res.json()["state"] == "paused" and res.json()["pause_reason"] == "Lunch"
    res = client.put("/api/agents/agent03/state", json={"state": "available"}, headers=headers)
    assert res.json()["state"] == "available"


def test_becoming_available_while_on_a_call_is_a_409_with_a_stable_error_id(
    client: TestClient,
) -> None:
    svc = services(client)
    svc.centre.apply("agent04", ag.Reserve("x-1", "sales"))
    svc.centre.apply("agent04", ag.Connect("x-1"))
    res = client.put(
        "/api/agents/agent04/state", json={"state": "available"}, headers=auth(client, "agent04")
    )
    assert res.status_code == 409
    assert res.json()["error_id"] == "illegal-state-change"
    assert res.json()["details"]["state"] == "on_call"


def test_a_bad_body_names_the_field(client: TestClient) -> None:
    res = client.put(
        "/api/agents/agent01/state", json={"state": "napping"}, headers=auth(client, "agent01")
    )
    assert res.status_code == 422
    assert res.json()["error_id"] == "invalid-request"
    assert "state" in res.json()["message"]


def test_wrap_up_on_a_call_the_agent_never_had_is_a_404(client: TestClient) -> None:
    res = client.post(
        "/api/calls/no-such/wrapup",
        json={"disposition": "resolved"},
        headers=auth(client, "agent01"),
    )
    assert res.status_code == 404
    assert res.json()["error_id"] == "no-such-interaction"


def test_customer_search_finds_the_shared_number_twice(client: TestClient) -> None:
    from cti.demo.seed import SHARED_NUMBER

    found = client.get(
        "/api/customers", params={"q": SHARED_NUMBER}, headers=auth(client, "agent01")
    )
    assert found.status_code == 200
    assert len(found.json()) == 2


def test_creating_a_customer_with_a_bad_phone_names_the_field(client: TestClient) -> None:
    res = client.post(
        "/api/customers",
        json={"name": "X", "phones": ["not a number"]},
        headers=auth(client, "agent01"),
    )
    assert res.status_code == 422
    assert res.json()["details"]["field"].startswith("phones")


def test_an_unreachable_database_at_start_gives_one_clear_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SWITCHBOARD_DATABASE_URL": "postgresql+psycopg://sb:hunter2@127.0.0.1:1/nowhere",
    }
    done = subprocess.run(
        [sys.executable, "-m", "cti.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and "hunter2" not in done.stderr
    assert "127.0.0.1:1" in lines[0]
