"""The REST API steering a PBX: the real app on the Asterisk backend, talking AMI to a
server that answers with what Asterisk 22 answered in member_management.jsonl."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.fake_ami import SECRET, FakeAmi
from tests.support import auth, running_app, services


@pytest.fixture
def pbx() -> Iterator[FakeAmi]:
    """The recorded PBX, on its own thread and loop, as a real PBX would be."""
    loop = asyncio.new_event_loop()
    fake = FakeAmi("member_management.jsonl")
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(5)
    yield fake
    asyncio.run_coroutine_threadsafe(fake.close(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


@pytest.fixture
def client(pbx: FakeAmi, tmp_path: Path) -> Iterator[TestClient]:
    settings = {
        "telephony": "asterisk",
        "ami_port": pbx.port,
        "ami_user": "cti",
        "ami_secret": SECRET,
    }
    with running_app(tmp_path, **settings) as c:
        deadline = time.monotonic() + 5
        while not c.get("/healthz").json()["pbx_connected"]:
            assert time.monotonic() < deadline, "never connected to the PBX"
            time.sleep(0.02)
        yield c


def test_a_supervisor_manages_queue_members_and_the_pbx_refusals_come_back_clearly(
    client: TestClient, pbx: FakeAmi
) -> None:
    boss = auth(client, "super01")
    added = client.post(
        "/api/pbx/queues/loadq/members", json={"agent_id": "agent05", "penalty": 1}, headers=boss
    )
    assert added.status_code == 200, added.text
    (queue_add,) = pbx.sent("QueueAdd")
    assert (queue_add["Queue"], queue_add["MemberName"], queue_add["Penalty"]) == (
        "loadq",
        "agent05",
        "1",
    )

    paused = client.put(
        "/api/pbx/members/agent05/pause", json={"paused": True, "reason": "Coaching"}, headers=boss
    )
    assert paused.status_code == 200
    assert pbx.sent("QueuePause")[0]["Reason"] == "Coaching"
    penalty = client.put(
        "/api/pbx/queues/loadq/members/agent05/penalty", json={"penalty": 3}, headers=boss
    )
    assert penalty.status_code == 200

    removed = client.delete("/api/pbx/queues/loadq/members/agent05", headers=boss)
    assert removed.status_code == 200, removed.text
    refused = client.delete("/api/pbx/queues/loadq/members/agent05", headers=boss)
    assert refused.status_code == 404
    assert refused.json()["error_id"] == "not-a-queue-member"
    assert "Not there" in refused.json()["message"]


def test_agents_cannot_manage_members(client: TestClient) -> None:
    res = client.post(
        "/api/pbx/queues/loadq/members",
        json={"agent_id": "agent01"},
        headers=auth(client, "agent01"),
    )
    assert res.status_code == 403


def test_an_agent_pausing_from_the_desktop_pauses_them_on_the_pbx_too(
    client: TestClient, pbx: FakeAmi
) -> None:
    res = client.put(
        "/api/agents/agent02/state",
        json={"state": "paused", "reason": "Lunch"},
        headers=auth(client, "agent02"),
    )
    assert res.status_code == 200, res.text
    (pause,) = pbx.sent("QueuePause")
    assert (pause["Paused"], pause["Reason"]) == ("true", "Lunch")
    assert services(client).centre.acd.agent("agent02").pause_reason == "Lunch"


def test_the_simulated_pbx_has_no_members_and_says_how_to_route_instead(tmp_path: Path) -> None:
    with running_app(tmp_path) as client:
        res = client.post(
            "/api/pbx/queues/sales/members",
            json={"agent_id": "agent01"},
            headers=auth(client, "super01"),
        )
    assert res.status_code == 501
    assert "skills" in res.json()["message"]
