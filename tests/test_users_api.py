"""Provisioning through ``/api/users`` and the IVR's YAML upload, against the real app: an
admin creates, edits, disables and resets accounts; the ACD and open websockets follow."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from acd.agents import Agent, AgentState
from tests.support import auth, bearer, next_of, running_app, services, token
from tests.test_auth_sessions import closed_with


def on_the_floor(client: TestClient, login: str, check: Callable[[Agent], bool]) -> Agent:
    """The ACD's agent once ``check`` holds: the floor follows the account's announcement
    a moment after the API has answered (``cti.server.floor_sync``)."""
    deadline = time.monotonic() + 10
    while True:
        agent = services(client).centre.acd.find_agent(login)
        if agent is not None and check(agent):
            return agent
        assert time.monotonic() < deadline, f"the floor never showed {login} as expected: {agent}"
        time.sleep(0.02)


NEW = {"login": "ada", "display_name": "Ada Lovelace", "password": "analytical-engine"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with running_app(tmp_path, demo_agents=4, demo_customers=20) as c:
        yield c


@pytest.fixture
def admin(client: TestClient) -> dict[str, str]:
    return auth(client, "admin")


def create(client: TestClient, admin: dict[str, str], **fields: object) -> dict[str, object]:
    res = client.post("/api/users", json={**NEW, **fields}, headers=admin)
    assert res.status_code == 201, res.text
    return dict(res.json())


def test_an_agent_created_by_an_admin_logs_in_and_joins_the_floor_with_their_skills(
    client: TestClient, admin: dict[str, str]
) -> None:
    user = create(client, admin, skills={"sales": 3})
    assert user == {
        "login": "ada",
        "display_name": "Ada Lovelace",
        "role": "agent",
        "enabled": True,
        "skills": {"sales": 3},
    }
    token(client, "ada", "analytical-engine")
    agent = on_the_floor(client, "ada", lambda a: True)
    assert (agent.state, dict(agent.skills)) == (AgentState.LOGGED_OUT, {"sales": 3})
    logins = [u["login"] for u in client.get("/api/users", headers=admin).json()]
    assert "ada" in logins and "admin" in logins


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"password": "short"}, "password"),
        ({"skills": {"juggling": 2}}, "skills.juggling"),
        ({"login": "Not A Login"}, "login"),
        ({"login": "agent01"}, "login"),
    ],
)
def test_an_invalid_user_is_refused_naming_the_field(
    client: TestClient, admin: dict[str, str], fields: dict[str, object], field: str
) -> None:
    res = client.post("/api/users", json={**NEW, **fields}, headers=admin)
    assert res.status_code == 422, res.text
    assert (res.json()["error_id"], res.json()["details"]["field"]) == ("invalid-agent", field)


def test_a_skill_level_outside_1_to_5_is_refused_naming_it(
    client: TestClient, admin: dict[str, str]
) -> None:
    res = client.post("/api/users", json={**NEW, "skills": {"sales": 9}}, headers=admin)
    assert res.status_code == 422
    assert res.json()["details"]["errors"][0]["field"] == "body.skills.sales"


def test_only_an_admin_provisions(client: TestClient) -> None:
    res = client.post("/api/users", json=NEW, headers=auth(client, "super01"))
    assert res.status_code == 403


def test_disabling_a_user_closes_their_open_websocket_at_once_and_logs_them_out(
    client: TestClient, admin: dict[str, str]
) -> None:
    access = token(client, "agent02")
    with client.websocket_connect("/ws/agent", subprotocols=bearer(access)) as ws:
        next_of(ws, "hello")
        res = client.patch("/api/users/agent02", json={"enabled": False}, headers=admin)
        assert res.status_code == 200 and res.json()["enabled"] is False
        code, reason = closed_with(ws, within=5)
    assert code == 1008 and "revoked" in reason
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {access}"})
    assert me.status_code == 401
    res = client.post("/api/auth/token", data={"username": "agent02", "password": "switchboard"})
    assert res.status_code == 401
    on_the_floor(client, "agent02", lambda a: a.state is AgentState.LOGGED_OUT)


def test_a_password_reset_ends_the_sessions_and_only_the_new_password_works(
    client: TestClient, admin: dict[str, str]
) -> None:
    access = token(client, "agent03")
    with client.websocket_connect("/ws/agent", subprotocols=bearer(access)) as ws:
        next_of(ws, "hello")
        body = {"password": "a-brand-new-one"}
        res = client.put("/api/users/agent03/password", json=body, headers=admin)
        assert res.status_code == 204
        code, _ = closed_with(ws, within=5)
    assert code == 1008
    old = client.post("/api/auth/token", data={"username": "agent03", "password": "switchboard"})
    assert old.status_code == 401
    token(client, "agent03", "a-brand-new-one")


def test_editing_a_user_changes_name_role_and_skills_and_a_demoted_agent_leaves_the_floor(
    client: TestClient, admin: dict[str, str]
) -> None:
    change = {"display_name": "Team Lead", "skills": {"support": 4}}
    res = client.patch("/api/users/agent04", json=change, headers=admin)
    assert res.json()["display_name"] == "Team Lead" and res.json()["skills"] == {"support": 4}
    on_the_floor(client, "agent04", lambda a: dict(a.skills) == {"support": 4})
    res = client.patch("/api/users/agent04", json={"role": "supervisor"}, headers=admin)
    assert res.json()["role"] == "supervisor"
    on_the_floor(client, "agent04", lambda a: a.state is AgentState.LOGGED_OUT)
    assert client.get("/api/users/agent04", headers=admin).json()["role"] == "supervisor"


def test_the_last_admin_can_be_neither_disabled_nor_demoted(
    client: TestClient, admin: dict[str, str]
) -> None:
    for change in ({"enabled": False}, {"role": "agent"}):
        res = client.patch("/api/users/admin", json=change, headers=admin)
        assert res.status_code == 409 and res.json()["error_id"] == "last-admin"
    create(client, admin, login="second-admin", role="admin")
    res = client.patch("/api/users/admin", json={"enabled": False}, headers=admin)
    assert res.status_code == 200


def test_an_import_creates_the_good_rows_and_names_each_refused_one(
    client: TestClient, admin: dict[str, str]
) -> None:
    csv = (
        "login,display_name,role,password,skills\n"
        "grace,Grace Hopper,agent,compiler-first,sales:2 support:1\n"
        "linus,Linus,overlord,kernel-hacker,\n"
        "alan,Alan Turing,supervisor,short,\n"
        "grace,Grace Again,agent,compiler-second,\n"
        "barbara,Barbara Liskov,agent,substitution,sales:high\n"
        "agent01,Someone,agent,long-enough-pw,\n"
        "edsger,Edsger Dijkstra,supervisor,goto-harmful,\n"
    )
    headers = {**admin, "Content-Type": "text/csv"}
    res = client.post("/api/users/import", content=csv, headers=headers)
    assert res.status_code == 200, res.text
    assert res.json()["created"] == ["grace", "edsger"]
    assert [(r["row"], r["field"]) for r in res.json()["refused"]] == [
        (3, "role"),
        (4, "password"),
        (5, "login"),
        (6, "skills"),
        (7, "login"),
    ]
    assert "already in use" in res.json()["refused"][4]["reason"]
    on_the_floor(client, "grace", lambda a: dict(a.skills) == {"sales": 2, "support": 1})


def test_an_import_missing_a_column_is_refused_at_its_header(
    client: TestClient, admin: dict[str, str]
) -> None:
    headers = {**admin, "Content-Type": "text/csv"}
    res = client.post("/api/users/import", content="login,name\nx,y\n", headers=headers)
    assert res.json() == {
        "created": [],
        "refused": [
            {
                "row": 1,
                "field": "display_name",
                "reason": "missing column 'display_name'; the columns are login, display_name,"
                " password, role, skills",
            }
        ],
    }


FLOW = """\
name: front
start: menu
nodes:
  menu: {type: menu, prompt: menu, options: {"1": sales}, invalid: sales}
  sales: {type: queue, queue: sales}
"""


def test_an_uploaded_yaml_flow_is_versioned_with_its_errors_activated_and_rolled_back(
    client: TestClient, admin: dict[str, str]
) -> None:
    headers = {**admin, "Content-Type": "application/yaml"}
    url = "/api/ivr/flows/front/upload"
    first = client.post(url, content=FLOW, headers=headers).json()
    assert (first["version"], first["valid"], first["errors"]) == (1, True, [])
    broken = client.post(
        url, content=FLOW.replace("queue: sales", "queue: nowhere"), headers=headers
    )
    assert broken.status_code == 201 and broken.json()["valid"] is False
    assert any(e.startswith("nodes.sales.queue") for e in broken.json()["errors"])
    refused = client.post(url, content="name: front\nnodes: [", headers=headers)
    assert refused.status_code == 422 and refused.json()["details"]["errors"][0].startswith(
        "(file)"
    )
    second = client.post(url, content=FLOW.replace('"1"', '"2"'), headers=headers).json()
    activate = "/api/ivr/flows/front/activate"
    assert client.post(activate, json={"version": 1}, headers=admin).status_code == 200
    assert client.post(activate, json={"version": 2}, headers=admin).status_code == 422
    assert client.post(activate, json={"version": second["version"]}, headers=admin).json()[
        "active"
    ]
    back = client.post("/api/ivr/flows/front/rollback", json={}, headers=admin).json()
    assert (back["version"], back["active"]) == (1, True)
