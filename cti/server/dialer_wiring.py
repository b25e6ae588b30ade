"""The dialer's wiring: its service, the ACD seats it shares with inbound calls, its engine on
the telephony port, and the demo's small predictive campaign."""

from __future__ import annotations

import asyncio
import io
from datetime import time
from typing import Any

import structlog
from sqlalchemy.orm import Session, sessionmaker

from cti.calls.outbound import CentreSeats
from cti.calls.service import CallCentre
from cti.clock import Clock
from cti.crm.service import CrmService
from cti.server import payloads
from cti.server.bus import Bus
from cti.server.hub import BOARD, WATCH_LEASE, WATCHING, Hub
from cti.server.outbound_pops import Enrich, OutboundPops
from cti.telephony.outbound import OutboundDialling
from cti.telephony.port import TelephonyPort
from dialer.campaign import CallingWindow, CampaignSpec, DialMode, SafeHarbour
from dialer.engine import DialerEngine
from dialer.errors import CampaignExists
from dialer.service import CampaignService

log = structlog.get_logger(__name__)

DEMO_CAMPAIGN = "demo-outbound"
DEMO_QUEUE = "sales"
DEMO_LEADS = 150


def build_dialer(
    sessions: sessionmaker[Session],
    clock: Clock,
    centre: CallCentre,
    port: TelephonyPort,
    bus: Bus | None = None,
    hub: Hub | None = None,
    crm: CrmService | None = None,
    enrich: Enrich | None = None,
) -> DialerEngine | None:
    """The dialer on ``port``, or None when the PBX adapter cannot dial campaigns or
    Switchboard's ACD does not pick the agents (Asterisk in observe mode)."""
    if not isinstance(port, OutboundDialling):
        log.info("dialer.unavailable", reason="the telephony adapter has no outbound dialling")
        return None
    if not centre.acd.routing:
        # The people a campaign reaches wait in Switchboard's ACD for an agent; when app_queue
        # picks the agents (Asterisk's observe mode) nothing would offer them, and every one
        # would be abandoned to the safe-harbour message.
        log.warning(
            "dialer.unavailable",
            reason="app_queue picks the agents here: set SWITCHBOARD_ASTERISK_MODE=route",
        )
        return None
    seats = CentreSeats(centre)
    engine = DialerEngine(CampaignService(sessions, clock), port, seats, clock)
    seats.on_offer = engine.offered
    port.subscribe(engine.handle)
    if bus is not None:
        engine.publish = lambda views: bus.publish(BOARD, campaigns_message(views))
        engine.watched = BoardWatch(bus, clock).watched
    if bus is not None and hub is not None and crm is not None:
        pops = OutboundPops(bus, clock, crm.lookup_caller, crm.lookup_account, enrich)
        engine.pops = pops
        hub.outbound_call = pops.current
    return engine


class BoardWatch:
    """Whether a supervisor's board (or the campaigns page, on the same socket) was heard of
    within ``WATCH_LEASE`` seconds, on any process (``hub.WATCHING``)."""

    def __init__(self, bus: Bus, clock: Clock) -> None:
        self._heard = bus.subscribe(WATCHING)
        self._clock = clock
        self._last: float | None = None

    def watched(self) -> bool:
        now = self._clock.now()
        if self._heard.drain():
            self._last = now
        return self._last is not None and now - self._last <= WATCH_LEASE


def campaigns_message(views: list[dict[str, Any]]) -> bytes:
    """The board's ``campaigns`` message: every campaign's status, after each dialer tick."""
    return payloads.encode({"type": "campaigns", "campaigns": views})


def demo_spec() -> CampaignSpec:
    """Predictive on the sales queue, so its agents take inbound and outbound calls (blended).
    The demo runs at any hour, so its window is the whole day; a real campaign's is not."""
    return CampaignSpec(
        mode=DialMode.PREDICTIVE,
        queue=DEMO_QUEUE,
        caller_id="+13125550199",
        script="Hello, this is Switchboard Sales calling about your renewal. Is now a good time?",
        window=CallingWindow(start=time(0, 0), end=time(23, 59, 59), days=[1, 2, 3, 4, 5, 6, 7]),
        safe_harbour=SafeHarbour(company="Switchboard Demo", callback_number="+13125550199"),
    )


async def seed_demo_campaign(engine: DialerEngine, numbers: list[str]) -> None:
    """Create and start the demo campaign once, with leads from the demo's customers."""
    service = engine.service
    try:
        await asyncio.to_thread(service.create, DEMO_CAMPAIGN, demo_spec().model_dump(mode="json"))
    except CampaignExists:
        return
    rows = "\n".join(f"{n},Demo lead {i + 1}" for i, n in enumerate(numbers[:DEMO_LEADS]))
    data = io.BytesIO(f"phone,name\n{rows}\n".encode())
    report = await asyncio.to_thread(service.upload, DEMO_CAMPAIGN, data, "demo-leads.csv")
    log.info("dialer.demo_campaign", loaded=report.loaded, refused=len(report.refused))
    await asyncio.to_thread(service.control, DEMO_CAMPAIGN, "start")
