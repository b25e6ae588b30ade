"""The dialer in the real application on the simulated PBX: a predictive campaign on the sales
queue reaches people, and the call centre's own ACD gives them to its agents (blended with
inbound); the status says what it does, and the compliance record comes out as CSV."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

from acd.agents import AgentState
from tests.dialer_support import csv_bytes, spec
from tests.support import auth, running_app, services

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
