"""The dialer in the real application on the simulated PBX: a predictive campaign on the sales
queue reaches people, and the call centre's own ACD gives them to its agents (blended with
inbound); the status says what it does, and the compliance record comes out as CSV."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from acd.agents import AgentState
from cti.server.hub import WATCH_LEASE
from tests.dialer_support import csv_bytes, spec
from tests.support import (
    agent_with_skill,
    auth,
    bearer,
    next_of,
    only_available,
    running_app,
    services,
    token,
)

DEADLINE_SECONDS = 60.0


def test_a_campaign_reaches_agents_through_the_inbound_acd(tmp_path: Path) -> None:
    with running_app(tmp_path) as client:
        headers = auth(client, "super01")
        body = {"name": "blend", "spec": spec(queue="sales", amd=False)}
        assert client.post("/api/dialer/campaigns", json=body, headers=headers).status_code == 201
        rows = [f"+1212555{i:04d},Lead {i},gold" for i in range(60)]
        files = {"file": ("leads.csv", csv_bytes("phone,name,tier", rows), "text/csv")}
        res = client.post("/api/dialer/campaigns/blend/leads", files=files, headers=headers)
        assert res.status_code == 200 and res.json()["loaded"] == 60, res.text
        assert client.post("/api/dialer/campaigns/blend/start", headers=headers).status_code == 200
        centre = services(client).centre
        seen_on_call = False
        connected: list[dict[str, str]] = []
        end = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < end and not (seen_on_call and connected):
            time.sleep(0.5)
            seen_on_call = seen_on_call or any(
                a.state is AgentState.ON_CALL and (a.call_id or "").startswith("att-")
                for a in centre.acd.agents()
            )
            export = client.get("/api/dialer/campaigns/blend/attempts.csv", headers=headers)
            assert export.status_code == 200
            assert export.headers["content-type"].startswith("text/csv")
            records = list(csv.DictReader(io.StringIO(export.text)))
            connected = [r for r in records if r["agent_id"] and r["connected_at"]]
        assert seen_on_call, "an agent of the sales queue took a dialer call in the ACD"
        assert connected, "an attempt reached an agent"
        assert all(float(r["seconds_to_agent"]) <= 2.0 for r in connected)
        status = client.get("/api/dialer/campaigns/blend/status", headers=headers).json()
        assert status["state"] == "running" and status["agents_ready"] > 0, status
        assert sum(status["leads"].values()) == 60


def test_the_demo_runs_a_small_predictive_campaign_beside_inbound_traffic(tmp_path: Path) -> None:
    with running_app(tmp_path, demo_calls_per_minute=6.0) as client:
        headers = auth(client, "super01")
        res = client.get("/api/dialer/campaigns/demo-outbound", headers=headers)
        assert res.status_code == 200, res.text
        assert res.json()["state"] == "running" and res.json()["spec"]["mode"] == "predictive"
        status = client.get("/api/dialer/campaigns/demo-outbound/status", headers=headers).json()
        assert sum(status["leads"].values()) > 100


def test_the_pop_of_a_campaign_call_shows_the_lead_its_crm_record_and_the_script(
    tmp_path: Path,
) -> None:
    """Through the real server and the agent's websocket: the ACD gives a person the campaign
    reached to the one available agent, whose pop carries the lead (name, phone, account and
    the list's other columns), the customer's CRM record found by the account, and the
    campaign's name and script; a desktop that reconnects mid-call is popped again."""
    with running_app(tmp_path) as client:
        headers = auth(client, "super01")
        crm = services(client).crm
        customers = [crm.lookup_account(a) for a in crm.account_numbers(40)]
        known = [c for c in customers if c is not None and c.phones][:30]
        assert len(known) >= 10
        body = {"name": "renewals", "spec": spec(queue="sales", amd=False, script=SCRIPT)}
        assert client.post("/api/dialer/campaigns", json=body, headers=headers).status_code == 201
        # the lead's name is the list's own, unlike the CRM's: the pop shows both
        rows = [
            f"{c.phones[0]},List name {i},{c.account_number},gold-{i}" for i, c in enumerate(known)
        ]
        files = {"file": ("leads.csv", csv_bytes("phone,name,account,offer", rows), "text/csv")}
        res = client.post("/api/dialer/campaigns/renewals/leads", files=files, headers=headers)
        assert res.status_code == 200 and res.json()["loaded"] == len(known), res.text
        agent = agent_with_skill(client, "sales")
        only_available(client, agent)
        by_account = {c.account_number: c for c in known}
        with client.websocket_connect("/ws/agent", subprotocols=bearer(token(client, agent))) as ws:
            assert next_of(ws, "hello")["agent"]["state"] == "available"
            res = client.post("/api/dialer/campaigns/renewals/start", headers=headers)
            assert res.status_code == 200
            pop = next_of(ws, "pop", limit=500)
            lead, call = pop["lead"], pop["call"]
            customer = by_account[lead["account"]]
            i = int(lead["name"].removeprefix("List name "))
            assert lead["phone"] == customer.phones[0] and lead["fields"] == {"offer": f"gold-{i}"}
            assert call["call_id"].startswith("att-") and call["direction"] == "outbound"
            assert call["phase"] == "connected" and call["agent_id"] == agent
            assert call["caller_number"] == lead["phone"] and call["queue"] == "sales"
            assert pop["campaign"] == {"name": "renewals", "script": SCRIPT}
            assert pop["customer"]["status"] == "known"
            record = pop["customer"]["matches"][0]
            assert record["id"] == customer.id and record["name"] == customer.name
            with client.websocket_connect(
                "/ws/agent", subprotocols=bearer(token(client, agent))
            ) as again:
                hello = next_of(again, "hello")
                assert hello["call"]["call_id"] == call["call_id"], hello
                repeat = next_of(again, "pop")
                assert repeat["lead"] == lead and repeat["campaign"] == pop["campaign"]


SCRIPT = "Hello {name}, this is Acme about your renewal offer."


def test_an_agents_own_callback_is_dialled_only_for_them_through_the_call_centres_acd(
    tmp_path: Path,
) -> None:
    """On the simulated PBX with the call centre's own ACD: a callback an agent asked for
    themselves waits while they are paused, though another agent is free; once they are
    available it is dialled with them reserved in the ACD, and nobody else takes it."""
    with running_app(tmp_path) as client:
        headers = auth(client, "super01")
        body = {"name": "mine", "spec": spec(queue="sales", mode="progressive", amd=False)}
        assert client.post("/api/dialer/campaigns", json=body, headers=headers).status_code == 201
        files = {"file": ("leads.csv", csv_bytes("phone,name", ["+12125550177,Kim"]), "text/csv")}
        res = client.post("/api/dialer/campaigns/mine/leads", files=files, headers=headers)
        assert res.status_code == 200 and res.json()["loaded"] == 1, res.text
        svc = services(client)
        dialer, acd = svc.dialer, svc.centre.acd
        assert dialer is not None
        campaign = dialer.service.get("mine")
        lead = dialer.service.leads("mine", 1, 0)[0]
        free, owner = [a.agent_id for a in acd.agents() if a.level("sales") >= 1][:2]
        only_available(client, free)
        due = datetime.fromtimestamp(svc.clock.now(), UTC)
        dialer.service.set_lead(lead.id, status="callback", next_at=due, callback_agent=owner)
        assert client.post("/api/dialer/campaigns/mine/start", headers=headers).status_code == 200
        time.sleep(4.0)
        assert list(dialer.service.attempts(campaign.id)) == [], "the callback is the owner's"
        res = client.put(f"/api/agents/{owner}/state", json={"state": "available"}, headers=headers)
        assert res.status_code == 200, res.text
        held: set[str] = set()
        end = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < end:
            agent = acd.agent(owner)
            if (agent.call_id or "").startswith("att-"):
                held.add(f"{agent.state.value}:{agent.call_id}")
            rows = list(dialer.service.attempts(campaign.id))
            if rows and (rows[0].ended_at or rows[0].connected_at):
                break  # the line rang out, was busy, failed, or the person met an agent
            time.sleep(0.05)
        rows = list(dialer.service.attempts(campaign.id))
        assert len(rows) == 1 and (rows[0].ended_at or rows[0].connected_at), rows
        assert f"reserved:{rows[0].id}" in held, held  # held for it while it rang
        if rows[0].connected_at is not None:
            assert rows[0].agent_id == owner  # the person met the owner, nobody else
            assert acd.agent(owner).state.value == "on_call"
        assert not (acd.agent(free).call_id or "").startswith("att-")


def test_the_campaigns_message_is_computed_only_while_a_supervisor_watches(
    tmp_path: Path,
) -> None:
    """With no board open, the dialer ticks without reading the campaigns' figures (no
    query on lead or attempt counts) and publishes nothing; a board opened gets the
    ``campaigns`` message, updated each tick; once it closes, the queries stop again."""
    with running_app(tmp_path) as client:
        headers = auth(client, "super01")
        body = {"name": "watched", "spec": spec(queue="sales", amd=False)}
        assert client.post("/api/dialer/campaigns", json=body, headers=headers).status_code == 201
        files = {"file": ("l.csv", csv_bytes("phone,name", ["+12125550190,Al"]), "text/csv")}
        assert client.post("/api/dialer/campaigns/watched/leads", files=files, headers=headers)
        assert client.post("/api/dialer/campaigns/watched/start", headers=headers).is_success
        counts: list[str] = []

        def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if "count(" in statement.lower() and "group by" in statement.lower():
                counts.append(statement)

        engine = services(client).database
        assert engine is not None
        event.listen(engine, "before_cursor_execute", seen)
        try:
            time.sleep(3.5)  # three dialer ticks and more, nobody watching
            assert counts == [], counts
            token_ = token(client, "super01")
            with client.websocket_connect("/ws/board", subprotocols=bearer(token_)) as board:
                first = next_of(board, "campaigns", limit=200)
                assert [c["campaign"] for c in first["campaigns"]] == ["watched"]
                again = next_of(board, "campaigns", limit=200)
                assert again["campaigns"][0]["at"] > first["campaigns"][0]["at"]
            assert counts, "the figures were read while the board watched"
            time.sleep(WATCH_LEASE + 1.5)
            counts.clear()
            time.sleep(2.5)
            assert counts == [], "no watcher since the board closed"
        finally:
            event.remove(engine, "before_cursor_execute", seen)
