"""The planner's API on the real app: the simulated PBX, the demo's live routing and the real
sign-in (a supervisor plans; an agent may not)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.support import auth, running_app

ENDPOINTS = ("erlang", "forecast", "staff", "schedule", "simulate", "staff-groups")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the module, signed in as a supervisor (planning changes nothing in it)."""
    with running_app(tmp_path_factory.mktemp("wfm-api")) as c:
        c.headers.update(auth(c, "super01"))
        yield c


def test_erlang_gives_the_requirement_and_the_curve(client: TestClient) -> None:
    r = client.post("/api/wfm/erlang", json={"calls": 100, "aht": 180, "shrinkage": 0.3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["agents"], body["scheduled"]) == (14, 20)
    assert round(body["metrics"]["p_wait"], 4) == 0.1741
    assert [p["agents"] for p in body["curve"]][:2] == [4, 5]


def test_staff_and_schedule_chain(client: TestClient) -> None:
    intervals = [
        {
            "start": f"2025-05-12T{h:02d}:{m:02d}:00+01:00",
            "calls": 40 if 8 <= h < 18 else 0,
            "aht": 200,
        }
        for h in range(24)
        for m in (0, 30)
    ]
    staffed = client.post("/api/wfm/staff", json={"intervals": intervals, "patience": 90})
    assert staffed.status_code == 200, staffed.text
    required = [row["scheduled"] for row in staffed.json()["intervals"]]
    assert max(required) > 0 and required[0] == 0
    plan = client.post("/api/wfm/schedule", json={"required": required, "slot_minutes": 30})
    assert plan.status_code == 200, plan.text
    assert plan.json()["under"] == 0
    assert all(c >= r for c, r in zip(plan.json()["coverage"], required, strict=True))


def test_simulate_runs_the_live_routing_by_default(client: TestClient) -> None:
    body = {
        "demand": [{"queue": "support", "calls": [60, 60], "aht": 180, "patience": 120}],
        "groups": [{"name": "team", "skills": {"support": 1}, "agents": [8, 8]}],
        "replications": 3,
    }
    r = client.post("/api/wfm/simulate", json=body)
    assert r.status_code == 200, r.text
    sl = r.json()["queues"]["support"]["service_level"]
    assert 0 < sl["mean"] <= 1 and sl["ci95"] >= 0


def test_bad_bodies_are_refused_naming_the_field(client: TestClient) -> None:
    r = client.post("/api/wfm/erlang", json={"calls": -1, "aht": 180})
    assert r.status_code == 422 and "calls" in r.text
    unknown = {
        "demand": [{"queue": "nope", "calls": [1], "aht": 180}],
        "groups": [{"name": "g", "skills": {"support": 1}, "agents": [1]}],
    }
    r = client.post("/api/wfm/simulate", json=unknown)
    assert r.status_code == 422
    assert r.json()["error_id"] == "invalid-wfm-input"
    assert r.json()["details"]["field"] == "demand.0.queue"
    huge = {
        "demand": [{"queue": "support", "calls": [1e6], "aht": 180}],
        "groups": [{"name": "g", "skills": {"support": 1}, "agents": [1]}],
    }
    assert client.post("/api/wfm/simulate", json=huge).json()["details"]["field"] == "demand"


def test_staff_groups_searches_agents_per_group_and_interval(client: TestClient) -> None:
    body = {
        "queues": {"sales": {"skills": {"sales": 1}}, "support": {"skills": {"support": 1}}},
        "demand": [
            {"queue": "sales", "calls": [60, 0], "aht": 180},
            {"queue": "support", "calls": [40, 0], "aht": 240},
        ],
        "groups": [
            {"name": "sales", "skills": {"sales": 1}},
            {"name": "blend", "skills": {"sales": 1, "support": 1}},
        ],
        "patience": 120,
        "shrinkage": 0.2,
        "start": "2025-05-12T09:00:00+01:00",
        "replications": 2,
    }
    r = client.post("/api/wfm/staff-groups", json=body)
    assert r.status_code == 200, r.text
    busy, quiet = r.json()["intervals"]
    assert busy["start"] == "2025-05-12T09:00:00+01:00"
    assert quiet["start"] == "2025-05-12T09:30:00+01:00"
    assert busy["erlang_start"]["blend"] >= 1  # support's only home is the blend group
    assert busy["candidates_simulated"] >= 1
    for queue in ("sales", "support"):
        assert busy["queues"][queue]["service_level"]["mean"] >= 0.8
    assert all(busy["scheduled"][g] >= busy["agents"][g] for g in ("sales", "blend"))
    assert quiet["agents"] == {"sales": 0, "blend": 0}
    assert quiet["queues"]["sales"] == {
        "calls": 0,
        "service_level": None,
        "asa": None,
        "abandon_rate": None,
    }


def test_staff_groups_refuses_ragged_demand_and_too_much_work(client: TestClient) -> None:
    group = [{"name": "g", "skills": {"support": 1}}]
    ragged = {
        "demand": [
            {"queue": "support", "calls": [1, 2], "aht": 180},
            {"queue": "support", "calls": [1], "aht": 180},
        ],
        "groups": group,
    }
    r = client.post("/api/wfm/staff-groups", json=ragged)
    assert r.status_code == 422 and "same number of intervals" in r.text
    huge = {
        "demand": [{"queue": "support", "calls": [5000 + k for k in range(48)], "aht": 180}],
        "groups": group,
    }
    r = client.post("/api/wfm/staff-groups", json=huge)
    assert r.status_code == 422 and r.json()["details"]["field"] == "demand"


def test_agents_may_not_plan(client: TestClient) -> None:
    body = {"calls": 100, "aht": 180}
    r = client.post("/api/wfm/erlang", json=body, headers=auth(client, "agent01"))
    assert r.status_code == 403


def test_nobody_signed_in_may_plan(client: TestClient) -> None:
    r = client.post(
        "/api/wfm/erlang", json={"calls": 100, "aht": 180}, headers={"Authorization": ""}
    )
    assert r.status_code == 401


def test_openapi_documents_every_planner_response(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for name in ENDPOINTS:
        ok = paths[f"/api/wfm/{name}"]["post"]["responses"]["200"]["content"]["application/json"]
        assert ok["schema"]["$ref"].startswith("#/components/schemas/"), name
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schemas["StaffOut"]["properties"]) == {"intervals"}
    assert "asa" in schemas["MetricsOut"]["properties"]
