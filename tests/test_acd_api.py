"""Routing configuration, explanations, callbacks and statistics through the real app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cti.server.app import flush_statistics
from tests.support import auth, only_available, place_call, running_app, services


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with running_app(tmp_path) as c:
        yield c


BILLING_VIP = {
    "label": "Billing VIP",
    "skills": {"billing": 4},
    "strategy": "most-skilled",
    "priority": 20,
    "escalation": [
        {"after_seconds": 30, "min_level": 2},
        {"after_seconds": 90, "add_queues": ["support"]},
    ],
    "max_wait_seconds": 600,
    "overflow": {"kind": "voicemail", "target": "billing-box"},
    "auto_pause_after": 2,
    "script": "Thank the customer for being a VIP.",
}


def test_a_supervisor_creates_a_queue_that_routes_at_once_and_survives_a_restart(
    tmp_path: Path,
) -> None:
    with running_app(tmp_path) as client:
        res = client.put(
            "/api/queues/billing-vip", json=BILLING_VIP, headers=auth(client, "super01")
        )
        assert res.status_code == 200, res.text
        assert services(client).centre.acd.queue("billing-vip").skills == (("billing", 4),)
        script = client.get("/api/queues/billing-vip/script", headers=auth(client, "agent01"))
        assert script.json()["script"] == "Thank the customer for being a VIP."
    with running_app(tmp_path) as client:
        config = client.get("/api/queues/billing-vip", headers=auth(client, "agent01")).json()
        assert config["config"]["strategy"] == "most-skilled"
        assert config["config"]["escalation"][1]["add_queues"] == ["support"]


def test_a_queue_naming_a_skill_that_does_not_exist_is_refused_naming_the_field(
    client: TestClient,
) -> None:
    body = {**BILLING_VIP, "skills": {"astrology": 2}}
    res = client.put("/api/queues/x", json=body, headers=auth(client, "super01"))
    assert res.status_code == 422
    assert res.json()["error_id"] == "invalid-routing-config"
    assert res.json()["message"] == "skills.astrology: skill 'astrology' does not exist"


def test_an_escalation_to_a_missing_queue_is_refused_naming_the_step(client: TestClient) -> None:
    body = {**BILLING_VIP, "escalation": [{"after_seconds": 10, "add_queues": ["nowhere"]}]}
    res = client.put("/api/queues/x", json=body, headers=auth(client, "super01"))
    assert res.status_code == 422
    assert res.json()["details"]["field"] == "escalation.0.add_queues.0"


def test_out_of_range_levels_and_unordered_steps_are_refused(client: TestClient) -> None:
    headers = auth(client, "super01")
    res = client.put("/api/queues/x", json={"skills": {"billing": 9}}, headers=headers)
    assert res.status_code == 422 and "skills.billing" in res.json()["message"]
    steps = [{"after_seconds": 60}, {"after_seconds": 30}]
    res = client.put("/api/queues/x", json={"escalation": steps}, headers=headers)
    assert res.status_code == 422 and "increasing" in res.json()["message"]


def test_agents_cannot_change_routing(client: TestClient) -> None:
    res = client.put("/api/queues/x", json={}, headers=auth(client, "agent01"))
    assert res.status_code == 403
    res = client.put(
        "/api/agents/agent02/skills", json={"skills": {"sales": 5}}, headers=auth(client, "agent01")
    )
    assert res.status_code == 403


def test_a_supervisor_sets_an_agents_skills_and_the_acd_uses_them(client: TestClient) -> None:
    res = client.put(
        "/api/agents/agent02/skills",
        json={"skills": {"retention": 5, "sales": 1}},
        headers=auth(client, "super01"),
    )
    assert res.status_code == 200, res.text
    assert services(client).centre.acd.agent("agent02").level("retention") == 5
    res = client.put(
        "/api/agents/agent02/skills",
        json={"skills": {"juggling": 2}},
        headers=auth(client, "super01"),
    )
    assert res.status_code == 422 and res.json()["details"]["field"] == "skills.juggling"


def test_a_skill_in_use_cannot_be_deleted_but_a_new_one_can(client: TestClient) -> None:
    admin = auth(client, "admin")
    assert client.delete("/api/skills/sales", headers=admin).status_code == 422
    assert (
        client.put("/api/skills/french", json={"description": "French"}, headers=admin).status_code
        == 204
    )
    assert "french" in client.get("/api/skills", headers=admin).json()
    assert client.delete("/api/skills/french", headers=admin).status_code == 204


def test_the_board_can_ask_why_a_call_is_still_waiting(client: TestClient) -> None:
    headers = auth(client, "super01")
    only_available(client, "nobody")  # everyone paused
    call_id = place_call(client, "billing", "+14155550155")
    waiting = client.get("/api/calls/waiting", headers=headers).json()
    assert [w["call_id"] for w in waiting] == [call_id]
    why = client.get(f"/api/calls/{call_id}/routing", headers=headers).json()
    assert why["now"]["eligible_available"] == []
    blocked = why["now"]["blocked"]
    assert blocked and all(b["reason"].startswith("paused") for b in blocked)
    assert why["summary"].startswith("no eligible agent is available")
    assert (
        client.get(f"/api/calls/{call_id}/routing", headers=auth(client, "agent01")).status_code
        == 403
    )


def test_a_caller_asks_for_a_callback_and_keeps_their_place(client: TestClient) -> None:
    headers = auth(client, "super01")
    only_available(client, "nobody")
    call_id = place_call(client, "sales", "+14155550166")
    res = client.post(f"/api/calls/{call_id}/callback", json={}, headers=headers)
    assert res.status_code == 200 and res.json()["number"] == "+14155550166"
    sales = next(
        q for q in client.get("/api/queues", headers=headers).json() if q["queue"] == "sales"
    )
    assert (sales["callbacks_waiting"], sales["waiting"], sales["abandoned"]) == (1, 0, 0)


def test_interval_statistics_are_written_to_the_database(client: TestClient) -> None:
    headers = auth(client, "super01")
    place_call(client, "sales", "+14155550177")
    client.portal.call(_flush, client)  # type: ignore[union-attr]
    rows = client.get("/api/queues/sales/intervals", headers=headers).json()
    assert sum(r["offered"] for r in rows) == 1
    store = services(client).routing.store
    stored = store.intervals("sales", 0, 2**40)
    assert sum(c.offered for _, c in stored) == 1


async def _flush(client: TestClient) -> None:
    await flush_statistics(services(client))
    await services(client).writer.drain()
