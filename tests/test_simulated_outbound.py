"""The simulated PBX's outbound side: its rates and its AMD's stated errors hold over many
dials, agents' legs wait in a bridge, and a bridge without a leg is refused."""

from __future__ import annotations

import random

import pytest

from cti.clock import ManualClock
from cti.telephony import outbound as ob
from cti.telephony.errors import CommandRefused
from cti.telephony.simulated import SimulatedTelephony, TrafficProfile
from cti.telephony.simulated_outbound import OutboundProfile


def _pbx(profile: OutboundProfile) -> tuple[SimulatedTelephony, ManualClock, list[object]]:
    clock = ManualClock()
    pbx = SimulatedTelephony(clock, TrafficProfile(()), rng=random.Random(11), outbound=profile)
    heard: list[object] = []
    pbx.subscribe(heard.append)
    return pbx, clock, heard


async def test_answers_machines_and_amd_errors_come_at_their_stated_rates() -> None:
    profile = OutboundProfile(
        live_rate=0.3, machine_rate=0.2, amd_false_positive=0.05, amd_false_negative=0.2
    )
    pbx, clock, heard = _pbx(profile)
    n = 4000
    for i in range(n):
        await pbx.execute_outbound(ob.DialLead(f"a{i}", "+12125550100", "+12125550199"))
    clock.advance(60)
    answered = [e for e in heard if isinstance(e, ob.LeadAnswered)]
    ended = [e for e in heard if isinstance(e, ob.LeadEnded)]
    assert isinstance(pbx, ob.OutboundDialling)
    assert len(ended) == n  # every line ends (unbridged people hang up, machines too)
    humans = sum(e.verdict is ob.AmdVerdict.HUMAN for e in answered)
    machines = sum(e.verdict is ob.AmdVerdict.MACHINE for e in answered)
    # expected verdicts: people 0.3 (95% said human), machines 0.2 (20% said human)
    assert humans / n == pytest.approx(0.3 * 0.95 + 0.2 * 0.2, abs=0.025)
    assert machines / n == pytest.approx(0.3 * 0.05 + 0.2 * 0.8, abs=0.025)
    busy = sum(e.outcome is ob.LineOutcome.BUSY for e in ended)
    assert busy / n == pytest.approx(0.5 * 0.10, abs=0.015)
    rings = [e.answered_at for e in answered]
    assert all(0 < r - clock.now() + 60 < 20 for r in rings)  # inside the ring timeout


async def test_a_person_is_bridged_to_a_waiting_agent_leg_and_talks() -> None:
    profile = OutboundProfile(live_rate=1.0, machine_rate=0.0, amd_false_positive=0.0, mean_talk=30)
    pbx, clock, heard = _pbx(profile)
    await pbx.execute_outbound(ob.OpenAgentLeg("agent01"))
    await pbx.execute_outbound(ob.DialLead("a1", "+12125550100", "+12125550199"))
    clock.advance(1.5)
    assert any(isinstance(e, ob.AgentLegReady) for e in heard)
    while not any(isinstance(e, ob.LeadAnswered) for e in heard):
        clock.advance(0.5)
    await pbx.execute_outbound(ob.ConnectLead("a1", "agent01"))
    assert isinstance(heard[-1], ob.LeadConnected)
    with pytest.raises(CommandRefused):
        await pbx.execute_outbound(ob.ConnectLead("a1", "agent02"))
    clock.advance(600)
    assert (
        isinstance(heard[-1], ob.LeadEnded) and heard[-1].outcome is ob.LineOutcome.CALLEE_HUNG_UP
    )


async def test_a_bridge_to_an_agent_with_no_leg_is_refused() -> None:
    pbx, clock, _ = _pbx(OutboundProfile(live_rate=1.0, machine_rate=0.0))
    await pbx.execute_outbound(ob.DialLead("a1", "+12125550100", "+12125550199"))
    clock.advance(15)
    with pytest.raises(CommandRefused):
        await pbx.execute_outbound(ob.ConnectLead("a1", "agent09"))
