"""The IVR in the real app on the simulated phone: IVR -> ACD -> a pop with what the caller
did; flows managed over the API (validate, version, activate, roll back); reports."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cti.crm.cards import CustomerCard
from cti.demo.seed import demo_caller_numbers
from ivr.sim_runtime import Pace, ScriptedCaller, SimIvr
from tests.support import (
    auth,
    bearer,
    database,
    next_of,
    only_available,
    place_call,
    running_app,
    services,
    token,
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with running_app(tmp_path_factory.mktemp("ivr")) as c:
        yield c


def front_door(client: TestClient) -> SimIvr:
    door = services(client).ivr_front_door
    assert door is not None
    return door


def plain_customer(client: TestClient) -> tuple[str, CustomerCard]:
    """A number with one owner, who is no VIP, not at risk, owned by no agent."""
    crm = services(client).crm
    for number in demo_caller_numbers(database(client)):
        matches = crm.lookup_caller(number).matches
        if len(matches) == 1:
            card = matches[0]
            plain = card.tier != "vip" and card.churn_risk < 0.7 and not card.owner_agent
            if plain and card.account_number:
                return number, card
    raise AssertionError("no plain customer in the demo seed")


def eventually(check: Callable[[], Any], seconds: float = 5.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.02)


def billing_agent(client: TestClient) -> str:
    agents = services(client).centre.acd.agents()
    return next(a.agent_id for a in agents if a.level("billing") >= 2)


def test_a_caller_goes_through_the_ivr_to_the_acd_and_the_pop_shows_what_they_did(
    client: TestClient,
) -> None:
    number, card = plain_customer(client)
    door = front_door(client)
    door.pace = Pace(0.01, 0.01)
    digits = str(card.account_number).removeprefix("AC")
    door.caller = ScriptedCaller(["2", f"{digits}#"])
    agent = billing_agent(client)
    only_available(client, agent)
    headers = auth(client, agent)
    with client.websocket_connect("/ws/agent", subprotocols=bearer(token(client, agent))) as ws:
        next_of(ws, "hello")
        call_id = place_call(client, "ivr", number)
        pop = next_of(ws, "pop")
        assert pop["call"]["call_id"] == call_id and pop["call"]["queue"] == "billing"
        ivr = pop["ivr"]
        assert ivr["IVR_MENU"] == "2" and ivr["IVR_ACCOUNT"] == digits
        assert ivr["QUEUE_SELECTED"] == "billing" and ivr["CRM_CUSTOMER_ID"] == str(card.id)
        assert ivr["IVR_SUMMARY"] == (
            f"identified, chose Billing, entered account {digits}, verified"
        )
        assert ivr["IVR_FLOW"] == "main-menu@1"
        assert client.post(f"/api/calls/{call_id}/answer", headers=headers).status_code == 200
        assert client.post(f"/api/calls/{call_id}/hangup", headers=headers).status_code == 200
        next_of(ws, "call")
    legs = eventually(lambda: services(client).call_log.get(call_id))
    assert dict(legs[0].ivr_data)["IVR_SUMMARY"].startswith("identified, chose Billing")
    supervisor = auth(client, "super01")
    reports = eventually(lambda: client.get("/api/ivr/reports", headers=supervisor).json())
    main = next(r for r in reports if r["flow"] == "main-menu")
    assert main["calls"] == 1 and main["outcomes"]["queue"] == 1
    assert {"containment", "abandoned", "seconds_in_ivr", "drop_off"} <= set(main)


def test_a_caller_who_hangs_up_in_the_menu_shows_as_drop_off_there(client: TestClient) -> None:
    door = front_door(client)
    door.pace = Pace(0.01, 0.01)
    door.caller = ScriptedCaller(["hangup"])
    call_id = place_call(client, "ivr", "+14155550123")
    assert eventually(lambda: not services(client).telephony.is_up(call_id))  # type: ignore[attr-defined]
    supervisor = auth(client, "super01")

    def dropped() -> int:
        reports = client.get("/api/ivr/reports", headers=supervisor).json()
        main = next((r for r in reports if r["flow"] == "main-menu"), None)
        drop = [d for d in (main or {}).get("drop_off", []) if d["node"] == "main_menu"]
        return int(drop[0]["hung_up"]) if drop else 0

    assert eventually(dropped) == 1


def definition(client: TestClient, version: int = 1) -> dict[str, Any]:
    res = client.get(
        f"/api/ivr/flows/main-menu/versions/{version}", headers=auth(client, "super01")
    )
    assert res.status_code == 200, res.text
    return dict(res.json()["definition"])


def test_flows_are_validated_versioned_activated_and_rolled_back_over_the_api(
    client: TestClient,
) -> None:
    headers = auth(client, "super01")
    assert client.get("/api/ivr/schema", headers=headers).json()["title"] == "Switchboard IVR flow"
    listed = client.get("/api/ivr/flows", headers=headers).json()
    assert {"name": "main-menu", "active_version": 1, "latest_version": 1} in listed

    broken = definition(client)
    broken["nodes"]["main_menu"]["options"]["4"] = {"target": "billing"}
    res = client.post("/api/ivr/validate", json=broken, headers=headers)
    assert res.json() == {
        "valid": False,
        "errors": ["nodes.main_menu.options.4: target 'billing' does not exist"],
    }
    res = client.post("/api/ivr/flows/main-menu/versions", json=broken, headers=headers)
    assert res.status_code == 201 and res.json()["valid"] is False
    bad_version = res.json()["version"]
    res = client.post("/api/ivr/flows/main-menu/activate", json={"version": bad_version},
                      headers=headers)  # fmt: skip
    assert res.status_code == 422 and res.json()["error_id"] == "invalid-flow"
    assert res.json()["details"]["errors"] == [
        "nodes.main_menu.options.4: target 'billing' does not exist"
    ]

    better = definition(client)
    better["nodes"]["welcome"]["say"] = "Welcome back to Switchboard."
    res = client.post("/api/ivr/flows/main-menu/versions", json=better, headers=headers)
    new = res.json()["version"]
    assert res.status_code == 201 and res.json()["valid"] is True
    res = client.post("/api/ivr/flows/main-menu/activate", json={"version": new}, headers=headers)
    assert res.status_code == 200 and res.json()["active"] is True
    assert services(client).ivr.bundle("main-menu").version == new  # type: ignore[union-attr]

    res = client.post("/api/ivr/flows/main-menu/rollback", json={}, headers=headers)
    assert res.status_code == 200 and res.json()["version"] == 1
    flow = client.get("/api/ivr/flows/main-menu", headers=headers).json()
    assert flow["active_version"] == 1 and len(flow["versions"]) == 3


def test_a_call_keeps_the_flow_version_it_started_with(client: TestClient) -> None:
    headers = auth(client, "super01")
    door = front_door(client)
    door.pace = Pace(0.2, 0.01)
    door.caller = ScriptedCaller(["1"])
    call_id = place_call(client, "ivr", "+14155550124")
    changed = definition(client)
    changed["nodes"]["welcome"]["say"] = "Hello again."
    version = client.post("/api/ivr/flows/main-menu/versions", json=changed, headers=headers)
    number = version.json()["version"]
    res = client.post("/api/ivr/flows/main-menu/activate", json={"version": number},
                      headers=headers)  # fmt: skip
    assert res.status_code == 200
    call = eventually(lambda: services(client).centre.calls.get(call_id))
    assert eventually(lambda: call_queued(client, call_id))
    assert dict(services(client).centre.calls[call_id].variables)["IVR_FLOW"] == "main-menu@1"
    client.post("/api/ivr/flows/main-menu/rollback", json={"to_version": 1}, headers=headers)
    assert call is not None


def call_queued(client: TestClient, call_id: str) -> bool:
    call = services(client).centre.calls.get(call_id)
    return call is not None and call.queue == "sales"


def test_agents_cannot_manage_flows(client: TestClient) -> None:
    res = client.get("/api/ivr/flows", headers=auth(client, "agent01"))
    assert res.status_code == 403


def webhook_flow(url: str) -> dict[str, Any]:
    return {"name": "balance", "start": "ask", "nodes": {
        "ask": {"type": "webhook", "url": url, "next": "bye", "fallback": "bye"},
        "bye": {"type": "hangup"}}}  # fmt: skip


def test_webhook_hosts_come_from_the_settings_and_none_are_allowed_by_default(
    client: TestClient, tmp_path: Any
) -> None:
    headers = auth(client, "super01")
    res = client.post("/api/ivr/validate", json=webhook_flow("https://crm.example.com/b"),
                      headers=headers)  # fmt: skip
    assert res.json()["errors"] == [
        "nodes.ask.url: no webhook hosts are allowed (SWITCHBOARD_IVR_WEBHOOK_HOSTS is empty)"
    ]
    with running_app(tmp_path, ivr_webhook_hosts=["crm.example.com"]) as listed:
        headers = auth(listed, "super01")
        ok = listed.post("/api/ivr/validate", json=webhook_flow("https://crm.example.com/b"),
                         headers=headers)  # fmt: skip
        assert ok.json() == {"valid": True, "errors": []}
        inside = listed.post("/api/ivr/validate", json=webhook_flow("http://10.0.0.5/admin"),
                             headers=headers)  # fmt: skip
        assert inside.json()["errors"] == [
            "nodes.ask.url: host '10.0.0.5' is not in SWITCHBOARD_IVR_WEBHOOK_HOSTS"
        ]


def test_a_call_still_in_the_ivr_when_the_server_stops_is_recorded_as_interrupted(
    tmp_path: Any,
) -> None:
    with running_app(tmp_path) as app:
        door = front_door(app)
        door.pace = Pace(3600.0, 3600.0)  # the welcome prompt plays for an hour
        place_call(app, "ivr", "+14155550199")
        assert eventually(lambda: door.tasks)
        sessions = services(app).ivr.store
    rows = sessions.sessions_since(0)
    assert [(r.flow, r.outcome) for r in rows] == [("main-menu", "interrupted")]
