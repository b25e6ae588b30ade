"""The campaign runtime on a manual clock, the simulated PBX's outbound side and the real ACD
(the seats): what it dials, why it does not, what it records, and a PBX link that drops."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from acd import agents as ag
from acd.commands import Commands, Offer, Wake
from acd.engine import Acd
from acd.model import QueueConfig
from cti.clock import ManualClock
from cti.telephony import outbound as ob
from cti.telephony.simulated_outbound import OutboundProfile, SimulatedOutbound
from dialer.engine import DialerEngine, Disposition
from dialer.errors import CampaignStateConflict
from dialer.models import AttemptOutcome, DialerAttempt, DncSource, LeadStatus
from dialer.runtime import RESYNC_GRACE, utc
from dialer.service import CampaignService
from tests.dialer_support import csv_bytes, spec

QUEUE = "sales"


class AcdSeats:
    """The real ACD as the seats (the application uses the call centre's own, the same way)."""

    def __init__(self, clock: ManualClock, agents: list[str]) -> None:
        self.clock = clock
        self.acd = Acd(clock, (QueueConfig(QUEUE, wrapup_seconds=5.0),), rng=random.Random(1))
        self.on_offer: Any = None
        for agent in agents:
            self.acd.add_agent(agent, agent, ((QUEUE, 1),))
            self.carry_out(self.acd.apply(agent, ag.Login()))

    def carry_out(self, commands: Commands) -> None:
        for command in commands:
            if isinstance(command, Offer) and self.on_offer is not None:
                self.carry_out(self.acd.answered(command.call_id, command.agent_id, QUEUE, 0.0))
                self.on_offer(command.call_id, command.agent_id)
            elif isinstance(command, Wake):  # the end of a wrap-up, on the manual clock
                delay = command.at - self.clock.now()
                self.clock.call_later(delay, partial(self._wake, command))

    def _wake(self, wake: Wake) -> None:
        self.carry_out(self.acd.wake(wake))

    def agents(self, queue: str) -> dict[str, bool]:
        return {
            a.agent_id: a.state is ag.AgentState.AVAILABLE
            for a in self.acd.members(queue)
            if a.state is not ag.AgentState.LOGGED_OUT
        }

    def person(self, attempt_id: str, queue: str) -> None:
        self.carry_out(self.acd.enqueue(attempt_id, queue))

    def waiting(self, attempt_id: str) -> bool:
        return self.acd.waiting_call(attempt_id) is not None

    def abandon(self, attempt_id: str) -> None:
        self.carry_out(self.acd.abandoned(attempt_id))

    def done(self, attempt_id: str, agent_id: str, queue: str) -> None:
        self.carry_out(self.acd.call_done(attempt_id, agent_id, queue))

    def reserve(self, attempt_id: str, agent_id: str, queue: str) -> bool:
        if self.acd.agent(agent_id).state is not ag.AgentState.AVAILABLE:
            return False
        self.carry_out(self.acd.apply(agent_id, ag.Reserve(attempt_id, queue)))
        return True

    def connected(self, attempt_id: str, agent_id: str, queue: str) -> None:
        self.carry_out(self.acd.answered(attempt_id, agent_id, queue, 0.0))

    def release(self, attempt_id: str, agent_id: str) -> None:
        self.carry_out(self.acd.apply(agent_id, ag.Release(attempt_id)))


@dataclass
class Pbx:
    """The simulated PBX's outbound side with a link that can drop (``connected``)."""

    clock: ManualClock
    profile: OutboundProfile
    connected: bool = True
    handlers: list[Any] = field(default_factory=list)
    sent: list[ob.OutboundCommand] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sim = SimulatedOutbound(self.clock, random.Random(5), self.emit, self.profile)

    def emit(self, event: ob.OutboundEvent) -> None:
        for handler in self.handlers:
            handler(event)

    async def execute_outbound(self, command: ob.OutboundCommand) -> None:
        self.sent.append(command)
        await self.sim.execute_outbound(command)


@dataclass
class Rig:
    clock: ManualClock
    service: CampaignService
    pbx: Pbx
    seats: AcdSeats
    engine: DialerEngine
    campaign_id: int = 0

    async def run(self, seconds: float, step: float = 1.0) -> None:
        end = self.clock.now() + seconds
        while self.clock.now() < end:
            await self.engine.step()
            await self.engine.store.flush()
            self.clock.advance(step)
            await self.engine.store.flush()

    def dials(self) -> list[ob.DialLead]:
        return [c for c in self.pbx.sent if isinstance(c, ob.DialLead)]

    def status(self) -> Any:
        return self.engine.status(self.service.get("renewals"))


def _leads(n: int) -> bytes:
    return csv_bytes("phone,name", [f"+1212555{i:04d},Lead {i}" for i in range(n)])


@pytest.fixture
def rig_for(session_factory: sessionmaker[Session]) -> Iterator[Any]:
    async def build(agents: int = 3, leads: int = 30, **changes: Any) -> Rig:
        clock = ManualClock(1_784_000_000.0)  # Monday 13 July 2026, 23:33 in New York
        service = CampaignService(session_factory, clock)
        profile = changes.pop("profile", OutboundProfile(live_rate=0.5, machine_rate=0.2))
        pbx = Pbx(clock, profile)
        seats = AcdSeats(clock, [f"agent{i + 1:02d}" for i in range(agents)])
        engine = DialerEngine(service, pbx, seats, clock)
        seats.on_offer = engine.offered
        pbx.handlers.append(engine.handle)
        campaign = service.create("renewals", spec(**changes))
        service.upload("renewals", io.BytesIO(_leads(leads)), "leads.csv")
        service.control("renewals", "start")
        await engine.start(ticking=False)  # the test ticks it on the manual clock
        return Rig(clock, service, pbx, seats, engine, campaign.id)

    yield build


async def test_a_predictive_campaign_dials_and_records_every_attempt(rig_for: Any) -> None:
    rig: Rig = await rig_for(agents=3, leads=30)
    await rig.run(600)
    attempts = list(rig.service.attempts(rig.campaign_id))
    assert len(attempts) == len(rig.dials()) > 3
    ended = [a for a in attempts if a.ended_at is not None]
    assert len(ended) >= len(attempts) - 3  # the last few may still be in flight
    live = [a for a in ended if a.outcome == AttemptOutcome.LIVE and a.agent_id]
    assert live, "some people reached an agent"
    for a in live:
        assert a.seconds_to_agent is not None and a.seconds_to_agent <= 2.0 + 1e-6
        assert a.ring_seconds is not None and a.amd_verdict in ("human", "not-sure")
    assert {a.outcome for a in ended} <= {o.value for o in AttemptOutcome}
    for a in ended:
        assert a.outcome is not None and a.ended_at is not None and a.dialled_at <= a.ended_at
    # every lead dialled at most max_attempts times
    by_lead: dict[int, int] = {}
    for a in attempts:
        by_lead[a.lead_id] = by_lead.get(a.lead_id, 0) + 1
    assert max(by_lead.values()) <= 3


async def test_a_campaign_with_no_agents_dials_nothing_and_says_why(rig_for: Any) -> None:
    rig: Rig = await rig_for(agents=0, leads=5)
    await rig.run(5)
    assert rig.dials() == []
    status = rig.status()
    assert not status.dialling and "no agents" in status.reason


async def test_outside_the_window_nothing_is_dialled_and_the_status_says_why(rig_for: Any) -> None:
    # The rig starts at 23:33 on a Monday in New York, past a 09:00-19:00 window.
    rig: Rig = await rig_for(agents=2, leads=5, window={"start": "09:00", "end": "19:00"})
    await rig.run(5)
    assert rig.dials() == []
    assert "outside its calling window" in rig.status().reason


async def test_a_lead_put_on_the_dnc_list_after_upload_is_never_dialled(rig_for: Any) -> None:
    rig: Rig = await rig_for(agents=2, leads=3)
    rig.service.dnc_add(["+12125550001"], DncSource.INTERNAL, "asked on another channel")
    await rig.run(300)
    assert "+12125550001" not in {d.number for d in rig.dials()}
    lead = next(x for x in rig.service.leads("renewals", 10, 0) if x.phone == "+12125550001")
    assert lead.status == LeadStatus.DNC


async def test_an_edit_takes_effect_at_the_next_decision(rig_for: Any) -> None:
    rig: Rig = await rig_for(agents=2, leads=20)
    await rig.run(3)
    rig.service.edit("renewals", spec(caller_id="+12125550111", ring_seconds=30))
    before = len(rig.dials())
    await rig.run(120)
    later = rig.dials()[before:]
    assert later and {(d.caller_id, d.ring_timeout) for d in later} == {("+12125550111", 30.0)}


async def test_pacing_waits_for_the_pbx_after_a_drop_and_counts_nothing_twice(rig_for: Any) -> None:
    rig: Rig = await rig_for(
        agents=3,
        leads=30,
        profile=OutboundProfile(live_rate=0.0, machine_rate=0.0, busy_share=0.0, failed_share=0.0),
    )
    await rig.run(3)  # everything rings out at 20 s, so these are in flight
    runtime = rig.engine.runtimes[rig.campaign_id]
    in_flight = sorted(runtime.live)
    assert in_flight
    rig.pbx.connected = False
    rig.pbx.sim.stop()  # what the PBX does meanwhile is unknown to us
    dials = len(rig.dials())
    await rig.run(5)
    assert len(rig.dials()) == dials and "link is down" in rig.status().reason
    rig.pbx.connected = True
    await rig.run(2)
    assert len(rig.dials()) == dials and "waiting for the PBX" in rig.status().reason
    # the resync reports the first call ended, twice (a replayed event): counted once
    first, *rest = in_flight
    for _ in range(2):
        rig.pbx.emit(ob.LeadEnded(first, ob.LineOutcome.NO_ANSWER, rig.clock.now(), "19"))
    await rig.run(2)
    assert len(rig.dials()) == dials and f"report {len(rest)} call" in rig.status().reason
    for attempt_id in rest:
        rig.pbx.emit(ob.LeadRinging(attempt_id, rig.clock.now()))  # still up: known again
    await rig.run(2)
    assert len(rig.dials()) > dials, rig.status().reason
    ended = rig.service.attempt(first)
    assert ended.outcome == AttemptOutcome.NO_ANSWER and ended.ended_at is not None
    assert runtime.pacer.bound.book(0).in_flight == len(runtime.live)


async def test_calls_never_heard_of_after_a_resync_are_closed_once_as_failed(rig_for: Any) -> None:
    quiet = OutboundProfile(live_rate=0.0, machine_rate=0.0, busy_share=0.0, failed_share=0.0)
    rig: Rig = await rig_for(agents=2, leads=10, profile=quiet)
    await rig.run(2)
    lost = sorted(rig.engine.runtimes[rig.campaign_id].live)
    rig.pbx.connected = False
    rig.pbx.sim.stop()
    await rig.run(2)
    rig.pbx.connected = True
    await rig.run(RESYNC_GRACE + 2)
    for attempt_id in lost:
        row = rig.service.attempt(attempt_id)
        assert row.outcome == AttemptOutcome.FAILED and row.cause == "no state after resync"
    # a late report of a closed attempt changes nothing
    rig.pbx.emit(ob.LeadEnded(lost[0], ob.LineOutcome.BUSY, rig.clock.now(), "17"))
    await rig.engine.store.flush()
    assert rig.service.attempt(lost[0]).outcome == AttemptOutcome.FAILED


async def _abandon_one(rig: Rig) -> str:
    """Dial for the one free agent, then pause them: the person answers with nobody free."""
    await rig.run(2)
    dialled = rig.dials()
    assert len(dialled) == 1
    rig.seats.carry_out(rig.seats.acd.apply("agent01", ag.Pause("break")))
    await rig.run(60, step=0.25)  # ring (under 20 s), AMD, 2 s, then the 10 s message
    return dialled[0].attempt_id


async def test_an_opt_out_during_the_safe_harbour_message_puts_the_number_on_the_dnc_list(
    rig_for: Any,
) -> None:
    opts_out = OutboundProfile(
        live_rate=1.0, machine_rate=0.0, opt_out_share=1.0, amd_false_positive=0.0
    )
    rig: Rig = await rig_for(agents=1, leads=10, profile=opts_out)
    attempt_id = await _abandon_one(rig)
    row = rig.service.attempt(attempt_id)
    assert row.outcome == AttemptOutcome.ABANDONED and row.agent_id is None
    assert rig.service.on_dnc([row.phone]) == {row.phone}
    assert rig.service.lead(row.lead_id).status == LeadStatus.OPTED_OUT


async def test_a_disposition_sets_the_lead_and_can_ask_for_the_agents_own_callback(
    rig_for: Any,
) -> None:
    rig: Rig = await rig_for(
        agents=1,
        leads=5,
        profile=OutboundProfile(
            live_rate=1.0, machine_rate=0.0, amd_false_positive=0.0, mean_talk=30.0
        ),
    )
    await rig.run(60)
    talked = next(a for a in rig.service.attempts(rig.campaign_id) if a.agent_id)
    later = rig.clock.now() + 3600
    await rig.engine.dispose(
        talked.id,
        talked.agent_id,
        Disposition("call-back", final=False, callback_at=later, callback_mine=True),
    )
    lead = rig.service.lead(talked.lead_id)
    assert lead.status == LeadStatus.CALLBACK and lead.callback_agent == talked.agent_id
    assert lead.next_at is not None and lead.next_at.timestamp() == pytest.approx(later)
    assert rig.service.attempt(talked.id).disposition == "call-back"


async def test_in_preview_the_agent_sees_the_lead_and_dials_or_skips_it(rig_for: Any) -> None:
    people = OutboundProfile(live_rate=1.0, machine_rate=0.0, amd_false_positive=0.0)
    rig: Rig = await rig_for(agents=1, leads=3, mode="preview", profile=people)
    await rig.run(3)
    assert rig.dials() == [] and "preview" in rig.status().reason
    campaign = rig.service.get("renewals")
    first = await rig.engine.preview_next(campaign, "agent01")
    assert first is not None
    again = await rig.engine.preview_next(campaign, "agent01")
    assert again is not None and again.id == first.id  # the same lead until they choose
    await rig.engine.preview_choose(campaign, "agent01", first.id, dial=False)
    skipped = rig.service.lead(first.id)
    assert skipped.next_at is not None and skipped.next_at.timestamp() > rig.clock.now()
    second = await rig.engine.preview_next(campaign, "agent01")
    assert second is not None and second.id != first.id
    attempt_id = await rig.engine.preview_choose(campaign, "agent01", second.id, dial=True)
    await rig.run(30)
    row = rig.service.attempt(str(attempt_id))
    assert row.agent_id == "agent01" and row.phone == second.phone


async def test_uk_no_uncovered_call_to_a_number_abandoned_within_72_hours(rig_for: Any) -> None:
    rig: Rig = await rig_for(agents=1, leads=1, abandon_rule="uk")
    runtime = rig.engine.runtimes[rig.campaign_id]
    lead = rig.service.leads("renewals", 1, 0)[0]
    earlier = DialerAttempt(
        id="att-earlier",
        campaign_id=rig.campaign_id,
        lead_id=lead.id,
        phone=lead.phone,
        dialled_at=utc(rig.clock.now() - 71 * 3600),
        outcome=AttemptOutcome.ABANDONED.value,
        cause="",
    )
    rig.service.record(earlier)
    now = rig.clock.now()
    assert (await runtime.place(1, 0, now))[0] == 0  # uncovered: refused
    assert (await runtime.place(1, 1, now))[0] == 1  # an agent reserved: allowed
    assert [d.number for d in rig.dials()] == [lead.phone]


async def test_a_machine_gets_the_campaigns_message_and_a_person_left_waiting_the_safe_harbour(
    rig_for: Any,
) -> None:
    machines = OutboundProfile(live_rate=0.0, machine_rate=1.0, amd_false_negative=0.0)
    rig: Rig = await rig_for(
        agents=1, leads=3, profile=machines, machine_action="message", machine_message="Hi"
    )
    await rig.run(60)
    messages = [c for c in rig.pbx.sent if isinstance(c, ob.PlayMachineMessage)]
    assert messages and not any(isinstance(c, ob.ConnectLead) for c in rig.pbx.sent)
    outcomes = {a.outcome for a in rig.service.attempts(rig.campaign_id) if a.ended_at}
    assert outcomes == {AttemptOutcome.MACHINE.value}


async def test_a_person_with_no_agent_within_2_s_hears_the_safe_harbour_message(
    rig_for: Any,
) -> None:
    people = OutboundProfile(live_rate=1.0, machine_rate=0.0, amd_false_positive=0.0)
    rig: Rig = await rig_for(agents=1, leads=10, profile=people)
    attempt_id = await _abandon_one(rig)
    harbour = [c for c in rig.pbx.sent if isinstance(c, ob.PlaySafeHarbour)]
    assert [c.attempt_id for c in harbour] == [attempt_id]
    row = rig.service.attempt(attempt_id)
    assert row.outcome == AttemptOutcome.ABANDONED and row.ended_at is not None
    assert (
        row.answered_at is not None
        and rig.engine.runtimes[rig.campaign_id].pacer.bound.book(0).abandoned == 1
    )
    lead = rig.service.lead(row.lead_id)
    assert lead.status == LeadStatus.RETRY  # abandoned leads are tried again, after the delay


async def test_attempts_left_open_by_a_stopped_server_are_closed_and_their_leads_due_again(
    rig_for: Any,
) -> None:
    quiet = OutboundProfile(live_rate=0.0, machine_rate=0.0, busy_share=0.0, failed_share=0.0)
    rig: Rig = await rig_for(agents=2, leads=5, profile=quiet)
    await rig.run(2)
    open_ones = sorted(rig.engine.runtimes[rig.campaign_id].live)
    assert open_ones
    await rig.engine.stop()  # the process stops with calls in flight
    again = DialerEngine(rig.service, rig.pbx, rig.seats, rig.clock)
    await again.start()
    await again.stop()
    for attempt_id in open_ones:
        row = rig.service.attempt(attempt_id)
        assert row.ended_at is not None and row.cause == "open when the server stopped"
        assert rig.service.lead(row.lead_id).status == LeadStatus.RETRY


async def test_the_status_view_carries_the_live_figures_and_is_published_each_tick(
    rig_for: Any,
) -> None:
    rig: Rig = await rig_for(agents=3, leads=30)
    published: list[list[dict[str, Any]]] = []
    rig.engine.publish = published.append
    await rig.run(600)
    assert len(published) == 600  # one message per tick
    view = published[-1][0]
    assert view["campaign"] == "renewals" and view["state"] == "running"
    attempts = list(rig.service.attempts(rig.campaign_id))
    ended = [a for a in attempts if a.outcome is not None]
    period = view["attempts_period"]
    assert sum(n for o, n in period.items() if o != "None") == len(ended)
    people = sum(1 for a in ended if a.outcome in (AttemptOutcome.LIVE, AttemptOutcome.ABANDONED))
    machines = sum(1 for a in ended if a.outcome == AttemptOutcome.MACHINE)
    assert view["live_rate"] == pytest.approx(people / len(ended))
    assert view["machine_rate"] == pytest.approx(machines / len(ended))
    waiting = {LeadStatus.NEW, LeadStatus.RETRY, LeadStatus.CALLBACK, LeadStatus.DIALLING}
    assert view["leads_left"] == sum(n for s, n in view["leads"].items() if s in waiting)
    # three agents staffed nearly the whole run (once their lines were up)
    status = rig.status()
    assert 3 * 590.0 <= status.staffed_seconds <= 3 * 600.0
    connected = sum(1 for a in attempts if a.connected_at is not None)
    assert connected > 0 and status.connected == connected
    hours = status.staffed_seconds / 3600.0
    assert view["calls_per_agent_hour"] == pytest.approx(connected / hours)
    assert 0.0 < view["talk_share"] <= 1.0
    assert view["agents_ready"] == view["agents_free"] + view["agents_busy"]


async def test_a_paused_campaign_keeps_its_figures_and_says_it_is_paused(rig_for: Any) -> None:
    rig: Rig = await rig_for(agents=2, leads=10)
    await rig.run(120)
    before = rig.status()
    rig.service.control("renewals", "pause")
    await rig.run(5)
    after = rig.status()
    assert not after.dialling and after.reason == "the campaign is paused"
    connected = sum(1 for a in rig.service.attempts(rig.campaign_id) if a.connected_at)
    assert before.connected > 0 and after.connected == connected
    assert after.staffed_seconds == before.staffed_seconds  # paused time is not counted


PEOPLE = OutboundProfile(live_rate=1.0, machine_rate=0.0, amd_false_positive=0.0, mean_talk=20.0)


async def run_until(rig: Rig, done: Any, seconds: float = 120.0) -> None:
    end = rig.clock.now() + seconds
    while not done():
        assert rig.clock.now() < end, "not within the time allowed"
        await rig.run(1)


def state(rig: Rig, agent_id: str) -> ag.AgentState:
    return rig.seats.acd.agent(agent_id).state


def callback_for(rig: Rig, agent_id: str | None) -> int:
    """The campaign's one lead, made a callback due now, for ``agent_id`` or the campaign."""
    lead = rig.service.leads("renewals", 1, 0)[0]
    due = utc(rig.clock.now())
    rig.service.set_lead(lead.id, status=LeadStatus.CALLBACK, next_at=due, callback_agent=agent_id)
    return lead.id


@pytest.mark.parametrize("mode", ["progressive", "predictive"])
async def test_an_agents_own_callback_waits_for_them_and_reaches_them_alone(
    rig_for: Any, mode: str
) -> None:
    rig: Rig = await rig_for(agents=2, leads=1, mode=mode, profile=PEOPLE, amd=False)
    rig.seats.carry_out(rig.seats.acd.apply("agent02", ag.Pause("break")))
    callback_for(rig, "agent02")
    await rig.run(20)
    assert rig.dials() == [], "agent01 is free, but the callback is agent02's alone"
    rig.seats.carry_out(rig.seats.acd.apply("agent02", ag.MakeAvailable()))
    await run_until(rig, lambda: rig.dials())
    dial = rig.dials()[0]
    # agent02 is held for the callback while it rings: an inbound caller goes to agent01
    assert state(rig, "agent02") is ag.AgentState.RESERVED
    rig.seats.carry_out(rig.seats.acd.enqueue("inbound-1", QUEUE))
    assert rig.seats.acd.agent("agent01").call_id == "inbound-1"
    await run_until(rig, lambda: rig.service.attempt(dial.attempt_id).connected_at is not None)
    connects = [c for c in rig.pbx.sent if isinstance(c, ob.ConnectLead)]
    assert [(c.attempt_id, c.agent_id) for c in connects] == [(dial.attempt_id, "agent02")]
    assert state(rig, "agent02") is ag.AgentState.ON_CALL
    assert rig.seats.acd.agent("agent02").call_id == dial.attempt_id
    assert rig.service.attempt(dial.attempt_id).agent_id == "agent02"
    await run_until(rig, lambda: state(rig, "agent02") is ag.AgentState.WRAP_UP)
    await run_until(rig, lambda: state(rig, "agent02") is ag.AgentState.AVAILABLE, 10)


async def test_a_campaign_callback_goes_to_whichever_agent_is_free(rig_for: Any) -> None:
    rig: Rig = await rig_for(agents=2, leads=1, mode="progressive", profile=PEOPLE, amd=False)
    rig.seats.carry_out(rig.seats.acd.apply("agent02", ag.Pause("break")))
    lead_id = callback_for(rig, None)
    await run_until(rig, lambda: rig.dials())
    dial = rig.dials()[0]
    await run_until(rig, lambda: rig.service.attempt(dial.attempt_id).connected_at is not None)
    assert rig.service.attempt(dial.attempt_id).agent_id == "agent01"
    assert rig.service.attempt(dial.attempt_id).lead_id == lead_id


async def test_an_agents_own_callback_that_is_not_answered_frees_them_again(
    rig_for: Any,
) -> None:
    nobody = OutboundProfile(live_rate=0.0, machine_rate=0.0, busy_share=1.0)
    rig: Rig = await rig_for(agents=1, leads=1, mode="progressive", profile=nobody, amd=False)
    callback_for(rig, "agent01")
    await run_until(rig, lambda: rig.dials())
    assert state(rig, "agent01") is ag.AgentState.RESERVED
    attempt_id = rig.dials()[0].attempt_id
    await run_until(rig, lambda: rig.service.attempt(attempt_id).ended_at is not None)
    assert rig.service.attempt(attempt_id).outcome == AttemptOutcome.BUSY
    assert state(rig, "agent01") is ag.AgentState.AVAILABLE


async def test_an_agent_on_a_preview_call_is_busy_to_the_acd_until_wrap_up_ends(
    rig_for: Any,
) -> None:
    rig: Rig = await rig_for(agents=1, leads=2, mode="preview", profile=PEOPLE, amd=False)
    await rig.run(3)
    campaign = rig.service.get("renewals")
    lead = await rig.engine.preview_next(campaign, "agent01")
    assert lead is not None
    attempt_id = await rig.engine.preview_choose(campaign, "agent01", lead.id, dial=True)
    assert attempt_id is not None
    assert state(rig, "agent01") is ag.AgentState.RESERVED  # while the lead's phone rings
    rig.seats.carry_out(rig.seats.acd.enqueue("inbound-1", QUEUE))
    assert rig.seats.acd.waiting_call("inbound-1") is not None, "not offered to agent01"
    await run_until(rig, lambda: rig.service.attempt(attempt_id).connected_at is not None)
    assert state(rig, "agent01") is ag.AgentState.ON_CALL
    assert rig.seats.acd.agent("agent01").call_id == attempt_id
    assert rig.seats.acd.waiting_call("inbound-1") is not None, "still not offered: talking"
    await run_until(rig, lambda: state(rig, "agent01") is not ag.AgentState.ON_CALL)
    assert state(rig, "agent01") is ag.AgentState.WRAP_UP
    assert rig.seats.acd.waiting_call("inbound-1") is not None, "not during wrap-up"
    # after the queue's 5 s of wrap-up the agent is available, and takes the inbound caller
    await run_until(rig, lambda: rig.seats.acd.agent("agent01").call_id == "inbound-1", 10)


async def test_a_preview_dial_is_refused_while_the_agent_is_not_available(rig_for: Any) -> None:
    rig: Rig = await rig_for(agents=1, leads=1, mode="preview", profile=PEOPLE, amd=False)
    await rig.run(3)
    campaign = rig.service.get("renewals")
    lead = await rig.engine.preview_next(campaign, "agent01")
    assert lead is not None
    rig.seats.carry_out(rig.seats.acd.enqueue("inbound-1", QUEUE))  # agent01 takes an inbound call
    assert state(rig, "agent01") is ag.AgentState.ON_CALL
    with pytest.raises(CampaignStateConflict, match="not available"):
        await rig.engine.preview_choose(campaign, "agent01", lead.id, dial=True)
    assert rig.dials() == []
    again = await rig.engine.preview_next(campaign, "agent01")
    assert again is not None and again.id == lead.id  # still theirs to dial once free
