"""The real app with an external CRM (``SWITCHBOARD_CRM=http``) served by a real HTTP server
(tests/fake_crm.py): the pop never waits for the CRM past the ring, a CRM that is down opens
the breaker, and a write-back the CRM refuses survives a restart in the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cti.crm.breaker import BreakerState
from cti.crm.models import CrmWriteBack
from tests.dialer_support import csv_bytes, spec
from tests.fake_crm import FakeCrm, fake_crm, rest_record
from tests.support import (
    agent_with_skill,
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

CALLER = "+442079460123"  # not among the demo's customers: only the external CRM knows them


def crm_app(tmp: Path, crm: FakeCrm, **overrides: Any) -> Any:
    settings: dict[str, Any] = {
        "crm": "http",
        "crm_url": crm.url,
        "crm_timeout_seconds": 5.0,
        "crm_retries": 0,
        "crm_breaker_failures": 3,
        "crm_outbox_poll_seconds": 0.1,
        "crm_outbox_retry_seconds": 0.1,
    }
    settings.update(overrides)
    return running_app(tmp, **settings)


@pytest.fixture
def crm() -> Iterator[FakeCrm]:
    with fake_crm() as server:
        server.behaviour.customers[CALLER] = rest_record("ext-77", "Grace Hopper")
        yield server


def desktop(client: TestClient) -> tuple[str, Any]:
    agent = agent_with_skill(client, "sales")
    only_available(client, agent)
    return agent, client.websocket_connect("/ws/agent", subprotocols=bearer(token(client, agent)))


def test_a_crm_answering_in_two_seconds_pops_at_ring_then_enriches(
    tmp_path: Path, crm: FakeCrm
) -> None:
    crm.behaviour.delay = 2.0
    with crm_app(tmp_path, crm) as client:
        _, socket = desktop(client)
        with socket as ws:
            next_of(ws, "hello")
            call_id = place_call(client, "sales", CALLER)
            pop = next_of(ws, "pop")
            assert pop["call"]["call_id"] == call_id and pop["call"]["phase"] == "ringing"
            assert pop["customer"]["number"] == CALLER
            assert pop["crm"]["status"] == "pending"  # it went out without waiting
            assert services(client).centre.calls[call_id].answered_at is None
            enrich = next_of(ws, "enrich")
        assert enrich["call_id"] == call_id
        assert enrich["crm"]["status"] == "found"
        (card,) = enrich["crm"]["cards"]
        assert (card["external_id"], card["name"], card["tier"]) == (
            "ext-77",
            "Grace Hopper",
            "vip",
        )
        assert (card["lifetime_value"], card["churn_risk"], card["open_complaints"]) == (
            18250.5,
            0.7,
            2,
        )
        assert card["history"][0]["summary"] == "Billing dispute"
        assert enrich["sent_at"] - pop["sent_at"] >= 1.5


def test_a_crm_that_is_down_pops_with_the_number_only_and_the_breaker_opens(
    tmp_path: Path, crm: FakeCrm
) -> None:
    crm.down()
    with crm_app(tmp_path, crm) as client:
        _, socket = desktop(client)
        svc = services(client)
        with socket as ws:
            next_of(ws, "hello")
            for _ in range(3):
                call_id = place_call(client, "sales", CALLER)
                pop = next_of(ws, "pop")
                assert pop["customer"]["status"] == "unknown"
                assert pop["customer"]["number"] == CALLER and pop["customer"]["matches"] == []
                crm_part = pop["crm"]
                if crm_part["status"] == "pending":
                    crm_part = next_of(ws, "enrich")["crm"]
                assert crm_part["status"] == "unavailable" and crm_part["cards"] == []
                client.portal.call(svc.telephony.caller_hangs_up, call_id)  # type: ignore[attr-defined]
        assert svc.crm_link is not None
        assert svc.crm_link.breaker_state is BreakerState.OPEN


def _answered_and_wrapped(client: TestClient, notes: str) -> str:
    agent, socket = desktop(client)
    headers = auth(client, agent)
    with socket as ws:
        next_of(ws, "hello")
        call_id = place_call(client, "sales", CALLER)
        next_of(ws, "pop")
        assert client.post(f"/api/calls/{call_id}/answer", headers=headers).status_code == 200
        assert client.post(f"/api/calls/{call_id}/hangup", headers=headers).status_code == 200
    body = {"disposition": "resolved", "notes": notes}
    res = client.post(f"/api/calls/{call_id}/wrapup", json=body, headers=headers)
    assert res.status_code == 200, res.text
    return call_id


def _outbox(client: TestClient) -> list[CrmWriteBack]:
    with database(client)() as session:
        return list(session.scalars(select(CrmWriteBack)))


def test_a_refused_write_back_waits_in_the_outbox_and_is_sent_after_a_restart(
    tmp_path: Path, crm: FakeCrm
) -> None:
    crm.behaviour.write_status = 503
    with crm_app(tmp_path, crm) as client:
        call_id = _answered_and_wrapped(client, "wants a callback on Monday")
        for _ in range(200):
            if crm.behaviour.refused_writes >= 2:
                break
            client.portal.call(_pause)
        (owed,) = _outbox(client)
        assert owed.sent_at is None and owed.attempts >= 1 and owed.last_error
    assert crm.behaviour.writes == []
    crm.behaviour.write_status = 201
    with crm_app(tmp_path, crm) as client:  # the same database: a restart
        for _ in range(200):
            if _outbox(client)[0].sent_at is not None:
                break
            client.portal.call(_pause)
        (sent,) = _outbox(client)
        assert sent.sent_at is not None
    (write,) = crm.behaviour.writes
    assert write["path"] == "/interactions"
    body = write["body"]
    assert (body["call_id"], body["customer_id"], body["phone"]) == (call_id, "ext-77", CALLER)
    assert (body["disposition"], body["notes"]) == ("resolved", "wants a callback on Monday")
    assert body["answered_at"] and body["ended_at"] and body["talk_seconds"] is not None


async def _pause() -> None:
    await asyncio.sleep(0.05)


def test_a_campaign_calls_pop_asks_the_external_crm_too_then_enriches(
    tmp_path: Path, crm: FakeCrm
) -> None:
    """A person a campaign reached pops with the external CRM "pending" (it answers in 2 s),
    then the desktop gets its record for that call, as for an inbound caller."""
    leads = [f"+44207946{n:04d}" for n in range(200, 212)]  # known to the external CRM only
    for n, phone in enumerate(leads):
        crm.behaviour.customers[phone] = rest_record(f"ext-{n}", f"Lead Person {n}")
    crm.behaviour.delay = 2.0
    with crm_app(tmp_path, crm) as client:
        headers = auth(client, "super01")
        body = {"name": "winback", "spec": spec(mode="progressive", amd=False)}
        assert client.post("/api/dialer/campaigns", json=body, headers=headers).status_code == 201
        files = {
            "file": ("l.csv", csv_bytes("phone,name", [f"{p},L{p}" for p in leads]), "text/csv")
        }
        res = client.post("/api/dialer/campaigns/winback/leads", files=files, headers=headers)
        assert res.status_code == 200 and res.json()["loaded"] == len(leads), res.text
        _, socket = desktop(client)
        with socket as ws:
            next_of(ws, "hello")
            assert client.post("/api/dialer/campaigns/winback/start", headers=headers).is_success
            pop = next_of(ws, "pop", limit=500)
            assert pop["campaign"]["name"] == "winback" and pop["call"]["direction"] == "outbound"
            assert pop["crm"] == {**pop["crm"], "status": "pending", "number": pop["lead"]["phone"]}
            enrich = next_of(ws, "enrich", limit=500)
    assert enrich["call_id"] == pop["call"]["call_id"]
    assert enrich["crm"]["status"] == "found"
    (card,) = enrich["crm"]["cards"]
    n = leads.index(pop["lead"]["phone"])
    assert (card["external_id"], card["name"]) == (f"ext-{n}", f"Lead Person {n}")
