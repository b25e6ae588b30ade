"""Where the application builds the dialer, and where it refuses to."""

from __future__ import annotations

import random
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from acd.model import QueueConfig
from cti.auth.deps import principal
from cti.calls.service import CallCentre
from cti.clock import ManualClock
from cti.crm.cards import CallerLookup
from cti.server.bus import InProcessBus
from cti.server.dialer_wiring import build_dialer
from cti.server.handlers import install
from cti.server.hub import Hub
from cti.telephony.simulated import SimulatedTelephony, TrafficProfile
from dialer import api


async def lookup(number: str | None) -> CallerLookup:
    raise AssertionError("no call is looked up here")


def centre(routing: bool) -> tuple[CallCentre, SimulatedTelephony, ManualClock]:
    clock = ManualClock()
    phone = SimulatedTelephony(clock, TrafficProfile(queues=()), rng=random.Random(1))
    hub = Hub(InProcessBus(), clock)
    queues = [QueueConfig("sales", skills=(("sales", 1),))]
    return (
        CallCentre(clock, phone, queues, hub, lookup, lambda c, lk: None, routing=routing),
        phone,
        clock,
    )


def test_the_dialer_runs_where_switchboards_acd_picks_the_agents(tmp_path: Path) -> None:
    sessions = sessionmaker(create_engine(f"sqlite:///{tmp_path / 'd.db'}"))
    routed, phone, clock = centre(routing=True)
    assert build_dialer(sessions, clock, routed, phone) is not None


def test_no_dialer_where_app_queue_picks_the_agents_as_every_person_would_be_abandoned(
    tmp_path: Path,
) -> None:
    sessions = sessionmaker(create_engine(f"sqlite:///{tmp_path / 'd.db'}"))
    observed, phone, clock = centre(routing=False)
    assert build_dialer(sessions, clock, observed, phone) is None


def test_without_a_dialer_its_api_says_why_and_how_to_get_one() -> None:
    app = FastAPI()
    install(app)
    app.include_router(api.router)
    app.dependency_overrides[principal] = lambda: None
    res = TestClient(app).get("/api/dialer/campaigns")
    assert res.status_code == 503, res.text
    assert res.json()["error_id"] == "dialer-unavailable"
    assert "SWITCHBOARD_ASTERISK_MODE=route" in res.json()["message"]
