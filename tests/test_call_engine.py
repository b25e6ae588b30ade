"""The call engine on the simulated PBX, on a manual clock: calls, pops, agent states, legs."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import date

import orjson
import pytest

from acd.agents import AgentState
from acd.model import Overflow, OverflowKind, QueueConfig, Strategy
from cti.calls.events import CallerIdentified
from cti.calls.model import Call
from cti.calls.service import CallCentre, EnrichFn
from cti.clock import ManualClock
from cti.crm.cards import CallerLookup, CustomerCard
from cti.crm.external import ExternalCard, ExternalLookup
from cti.crm.models import Outcome, Tier
from cti.server.bus import InProcessBus
from cti.server.hub import Hub, agent_topic
from cti.telephony import commands as cmd
from cti.telephony import events as ev
from cti.telephony import outbound as ob
from cti.telephony.errors import CommandRefused
from cti.telephony.simulated import QueueTraffic, SimulatedTelephony, TrafficProfile

JANE = CustomerCard(
    id=1,
    name="Jane Roe",
    phones=("+14155550101",),
    email=None,
    account_number="A-1",
    segment="retail",
    tier=Tier.VIP,
    lifetime_value=12000.0,
    churn_risk=0.2,
    consent_marketing_calls=False,
    consent_recording=True,
    customer_since=date(2019, 5, 1),
    owner_agent=None,
    open_complaints=1,
    recent=(),
)


async def lookup(number: str | None) -> CallerLookup:
    matches = (JANE,) if number == "+14155550101" else ()
    return CallerLookup(number, number, number is None, matches)


class Rig:
    def __init__(
        self,
        attended: set[str] | None = None,
        patience: float = 1e6,
        queues: list[QueueConfig] | None = None,
        enrich: EnrichFn | None = None,
    ) -> None:
        self.clock = ManualClock()
        self.bus = InProcessBus()
        self.hub = Hub(self.bus, self.clock)
        profile = TrafficProfile(
            queues=(QueueTraffic("sales", 0.0, mean_patience=patience, mean_talk=30),)
        )
        self.attended = attended or set()
        self.phone = SimulatedTelephony(
            self.clock, profile, rng=random.Random(1), is_attended=lambda a: a in self.attended
        )
        self.legs: list[Call] = []
        queues = queues or [
            QueueConfig("sales", skills=(("sales", 1),), wrapup_seconds=5),
            QueueConfig("support", skills=(("support", 1),)),
        ]
        self.centre = CallCentre(
            self.clock,
            self.phone,
            queues,
            self.hub,
            lookup,
            lambda c, lk: self.legs.append(c),
            enrich=enrich,
        )

    def agent(self, agent_id: str, *skills: str) -> None:
        self.centre.acd.add_agent(agent_id, agent_id, tuple((s, 2) for s in skills))
        self.centre.set_agent_state(agent_id, AgentState.AVAILABLE, None)
        self.clock.advance(1)

    def messages(self, agent_id: str) -> list[dict]:  # type: ignore[type-arg]
        return [orjson.loads(payload) for payload in self.subs[agent_id].drain()]

    async def crm_answered(self) -> None:
        """Wait until every CRM answer asked for has reached the engine as an event."""
        await self.centre.lookups.delivered()

    def watch(self, *agent_ids: str) -> None:
        self.subs = {a: self.bus.subscribe(agent_topic(a)) for a in agent_ids}


async def test_the_pop_reaches_the_agent_while_the_phone_rings_before_answer() -> None:
    rig = Rig(attended={"ann"})
    rig.agent("ann", "sales")
    rig.watch("ann")
    call_id = rig.phone.place_call("sales", "+14155550101", "Jane Roe")
    await rig.crm_answered()
    pops = [m for m in rig.messages("ann") if m["type"] == "pop"]
    assert len(pops) == 1
    assert pops[0]["call"]["phase"] == "ringing"
    assert pops[0]["customer"]["status"] == "known"
    assert pops[0]["customer"]["matches"][0]["name"] == "Jane Roe"
    assert rig.centre.acd.agent("ann").state is AgentState.RESERVED
    await rig.phone.execute(cmd.Answer(call_id, "ann"))
    assert rig.centre.acd.agent("ann").state is AgentState.ON_CALL


def test_a_campaign_line_on_the_port_stream_is_left_to_the_dialer() -> None:
    rig = Rig()
    rig.agent("ann", "sales")
    for event in (
        ob.LeadRinging("att-1", 1.0),
        ob.LeadAnswered("att-1", ob.AmdVerdict.HUMAN, 2.0, 2.0),
        ob.AgentLegReady("ann", 2.0),
        ob.LeadEnded("att-1", ob.LineOutcome.CALLEE_HUNG_UP, 3.0),
    ):
        rig.centre.handle(event)  # no call_id: nothing for the call engine
    assert rig.centre.calls == {} and rig.legs == []
    assert rig.centre.acd.agent("ann").state is AgentState.AVAILABLE


async def test_an_unattended_agent_answers_by_itself_and_the_leg_is_logged() -> None:
    rig = Rig()
    rig.agent("ann", "sales")
    rig.phone.place_call("sales", "+14155550101")
    await rig.crm_answered()
    rig.clock.advance(3.1)
    assert rig.centre.acd.agent("ann").state is AgentState.ON_CALL
    rig.clock.advance(3600)
    assert len(rig.legs) == 1
    leg = rig.legs[0]
    assert leg.outcome is Outcome.ANSWERED and leg.agent_id == "ann"
    assert leg.talk_seconds and leg.talk_seconds > 0
    assert rig.centre.acd.agent("ann").state is AgentState.AVAILABLE


async def test_a_caller_who_runs_out_of_patience_is_logged_as_abandoned() -> None:
    rig = Rig(patience=60)
    rig.phone.place_call("sales", None)
    await rig.crm_answered()
    rig.clock.advance(3600)
    assert [leg.outcome for leg in rig.legs] == [Outcome.ABANDONED]
    assert rig.centre.acd.snapshot("sales").abandoned == 1


async def test_a_ring_out_rings_the_next_agent_and_records_who_did_not_answer() -> None:
    rig = Rig(attended={"ann"})
    rig.agent("ann", "sales")
    rig.agent("bob", "sales")
    call_id = rig.phone.place_call("sales", "+14155550101")
    await rig.crm_answered()
    assert rig.centre.calls[call_id].agent_id == "ann"
    rig.clock.advance(15.01)
    assert rig.centre.calls[call_id].agent_id == "bob"
    assert rig.centre.calls[call_id].rang_agents == ("ann",)


async def test_a_withheld_caller_gets_a_pop_offering_to_create_a_record() -> None:
    rig = Rig(attended={"ann"})
    rig.agent("ann", "sales")
    rig.watch("ann")
    rig.phone.place_call("sales", None)
    await rig.crm_answered()
    pop = next(m for m in rig.messages("ann") if m["type"] == "pop")
    assert pop["customer"]["status"] == "withheld"
    assert pop["customer"]["offer_create"] is True


async def test_a_transfer_to_another_queue_logs_one_leg_per_queue() -> None:
    rig = Rig()
    rig.agent("ann", "sales")
    call_id = rig.phone.place_call("sales", "+14155550101")
    await rig.crm_answered()
    rig.clock.advance(3.1)
    await rig.phone.execute(cmd.Transfer(call_id, "support", "queue"))
    rig.clock.advance(1e8)
    assert [(leg.leg, leg.queue, leg.outcome) for leg in rig.legs] == [
        (0, "sales", Outcome.TRANSFERRED),
        (1, "support", Outcome.ABANDONED),
    ]


@pytest.mark.parametrize("seed", [3, 11])
async def test_under_steady_traffic_no_agent_ever_holds_two_calls(seed: int) -> None:
    rig = Rig()
    profile = TrafficProfile(queues=(QueueTraffic("sales", 20.0, mean_patience=40, mean_talk=20),))
    rig.phone = SimulatedTelephony(rig.clock, profile, rng=random.Random(seed))
    rig.centre = CallCentre(
        rig.clock,
        rig.phone,
        [QueueConfig("sales", wrapup_seconds=2)],
        rig.hub,
        lookup,
        lambda c, lk: rig.legs.append(c),
    )
    for name in ("ann", "bob", "cat"):
        rig.agent(name)
    await rig.phone.start()
    for _ in range(600):
        rig.clock.advance(1)
        await rig.crm_answered()
        busy = [a.call_id for a in rig.centre.acd.agents() if a.call_id]
        assert len(busy) == len(set(busy))
    await rig.phone.stop()
    outcomes = {leg.outcome for leg in rig.legs}
    assert Outcome.ANSWERED in outcomes
    assert len({leg.call_id for leg in rig.legs}) == len(rig.legs)


async def test_ring_all_rings_every_agent_and_the_first_to_answer_takes_the_call() -> None:
    rig = Rig(attended={"ann", "bob"}, queues=[QueueConfig("sales", strategy=Strategy.RING_ALL)])
    rig.agent("ann")
    rig.agent("bob")
    rig.watch("ann", "bob")
    call_id = rig.phone.place_call("sales", "+14155550101")
    await rig.crm_answered()
    assert all(any(m["type"] == "pop" for m in rig.messages(a)) for a in ("ann", "bob"))
    await rig.phone.execute(cmd.Answer(call_id, "bob"))
    assert rig.centre.acd.agent("bob").state is AgentState.ON_CALL
    assert rig.centre.acd.agent("ann").state is AgentState.AVAILABLE
    with pytest.raises(CommandRefused):
        await rig.phone.execute(cmd.Answer(call_id, "ann"))


async def test_a_caller_past_the_maximum_wait_goes_to_voicemail_and_the_leg_says_so() -> None:
    overflow = Overflow(OverflowKind.VOICEMAIL, "sales-box")
    rig = Rig(queues=[QueueConfig("sales", max_wait_seconds=60, overflow=overflow)])
    rig.phone.place_call("sales", "+14155550101")
    await rig.crm_answered()
    rig.clock.advance(61)
    assert [(leg.outcome, leg.queue) for leg in rig.legs] == [(Outcome.VOICEMAIL, "sales")]
    assert rig.centre.acd.snapshot("sales").overflowed == 1


async def test_a_callback_is_dialled_for_the_agent_when_the_callers_turn_comes() -> None:
    rig = Rig(queues=[QueueConfig("sales")])
    call_id = rig.phone.place_call("sales", "+14155550101")
    await rig.crm_answered()
    rig.centre.request_callback(call_id, "+14155550101")
    assert [leg.outcome for leg in rig.legs] == [Outcome.ABANDONED]  # the caller's leg ends
    assert rig.centre.acd.snapshot("sales").callbacks_waiting == 1
    assert rig.centre.acd.snapshot("sales").abandoned == 0
    rig.agent("ann")
    await rig.crm_answered()
    outbound = [c for c in rig.centre.calls.values() if c.direction.value == "outbound"]
    assert [(c.caller_number, c.agent_id, c.variable("CALLBACK_OF")) for c in outbound] == [
        ("+14155550101", "ann", call_id)
    ]
    assert rig.centre.acd.snapshot("sales").callbacks_waiting == 0


async def test_a_vip_known_to_the_crm_is_served_before_older_standard_callers() -> None:
    rig = Rig(queues=[QueueConfig("sales")])
    first = rig.phone.place_call("sales", "+14155550199")
    rig.clock.advance(30)
    vip = rig.phone.place_call("sales", "+14155550101")  # Jane Roe, tier VIP
    await rig.crm_answered()
    assert [c.call_id for c in rig.centre.acd.waiting("sales")] == [vip, first]
    assert "vip customer: priority +50" in rig.centre.acd.explain(vip).reasons


async def test_a_consultation_then_completion_hands_the_customer_to_the_colleague() -> None:
    rig = Rig(attended={"ann", "bob"}, queues=[QueueConfig("sales", wrapup_seconds=30)])
    rig.agent("ann")
    call_id = rig.phone.place_call("sales", "+14155550101")
    await rig.crm_answered()
    await rig.phone.execute(cmd.Answer(call_id, "ann"))
    rig.agent("bob")
    await rig.phone.execute(cmd.Consult(call_id, "ann", "bob", "agent"))
    assert rig.centre.calls[call_id].on_hold
    consult = f"{call_id}-consult"
    await rig.phone.execute(cmd.Answer(consult, "bob"))
    await rig.phone.execute(cmd.EndConsult(call_id, complete=True))
    bob = rig.centre.acd.agent("bob")
    assert (bob.state, bob.call_id) == (AgentState.ON_CALL, call_id)
    assert rig.centre.acd.agent("ann").state is AgentState.WRAP_UP
    call = rig.centre.calls[call_id]
    assert (call.agent_id, call.on_hold, call.leg) == ("bob", False, 1)


async def test_a_cancelled_consultation_returns_to_the_customer() -> None:
    rig = Rig(attended={"ann", "bob"}, queues=[QueueConfig("sales")])
    rig.agent("ann")
    call_id = rig.phone.place_call("sales", "+14155550101")
    await rig.crm_answered()
    await rig.phone.execute(cmd.Answer(call_id, "ann"))
    rig.agent("bob")
    await rig.phone.execute(cmd.Consult(call_id, "ann", "bob", "agent"))
    await rig.phone.execute(cmd.Answer(f"{call_id}-consult", "bob"))
    await rig.phone.execute(cmd.EndConsult(call_id, complete=False))
    assert not rig.centre.calls[call_id].on_hold
    assert rig.centre.acd.agent("ann").state is AgentState.ON_CALL
    assert rig.centre.acd.agent("bob").state is AgentState.AVAILABLE


@pytest.mark.parametrize(
    ("ivr_outcome", "logged"),
    [("hangup", Outcome.CONTAINED), (None, Outcome.MISSED)],
    ids=["the-ivr-ended-it", "the-caller-left"],
)
async def test_a_call_the_ivr_served_to_the_end_is_logged_as_contained_not_missed(
    ivr_outcome: str | None, logged: Outcome
) -> None:
    rig = Rig()
    at = rig.clock.now()
    rig.centre.handle(ev.CallOffered("ivr-1", at, "+14155550101", None, "ivr"))
    variables = (("IVR_FLOW", "main-menu@1"), ("IVR_SUMMARY", "heard the opening hours"))
    if ivr_outcome is not None:
        variables += (("IVR_OUTCOME", ivr_outcome),)
    rig.centre.handle(ev.CallVariables("ivr-1", at + 20, variables))
    cause = ev.EndCause.SYSTEM if ivr_outcome else ev.EndCause.CALLER_HANGUP
    rig.centre.handle(ev.CallEnded("ivr-1", at + 21, cause))
    await rig.crm_answered()
    assert [(leg.outcome, leg.queue) for leg in rig.legs] == [(logged, None)]


async def test_the_simulated_pbx_ends_a_call_for_the_ivr_as_the_system() -> None:
    rig = Rig()
    ended: list[ev.EndCause] = []
    rig.phone.subscribe(lambda e: ended.append(e.cause) if isinstance(e, ev.CallEnded) else None)
    call_id = rig.phone.place_call("sales", "+14155550101")
    rig.phone.system_hangs_up(call_id)
    assert ended == [ev.EndCause.SYSTEM]


class HeldLookups:
    """Takes the centre's CRM questions and answers only when the test says so."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str | None]] = []

    def ask(self, call_id: str, number: str | None) -> None:
        self.asked.append((call_id, number))


async def test_the_crm_answer_reaches_the_engine_as_an_event_and_the_pop_follows_it() -> None:
    rig = Rig(attended={"ann"})
    held = HeldLookups()
    rig.centre.lookups = held  # type: ignore[assignment]
    rig.agent("ann", "sales")
    rig.watch("ann")
    call_id = rig.phone.place_call("sales", "+14155550101")
    assert held.asked == [(call_id, "+14155550101")]
    assert rig.centre.acd.agent("ann").state is AgentState.RESERVED  # ringing, no answer yet
    assert [m for m in rig.messages("ann") if m["type"] == "pop"] == []
    rig.centre.handle(CallerIdentified(call_id, await lookup("+14155550101")))
    pops = [m for m in rig.messages("ann") if m["type"] == "pop"]
    assert [p["customer"]["matches"][0]["name"] for p in pops] == ["Jane Roe"]
    assert rig.centre.lookup_result(call_id) is not None


async def test_a_crm_answer_for_a_call_that_has_ended_changes_nothing() -> None:
    rig = Rig()
    held = HeldLookups()
    rig.centre.lookups = held  # type: ignore[assignment]
    call_id = rig.phone.place_call("sales", "+14155550101")
    rig.phone.caller_hangs_up(call_id)
    rig.centre.handle(CallerIdentified(call_id, await lookup("+14155550101")))
    assert rig.centre.lookup_result(call_id) is None
    assert call_id not in rig.centre.calls


async def test_calls_the_pbx_took_down_are_logged_pbx_lost_not_abandoned_nor_talked_through() -> (
    None
):
    rig = Rig()
    rig.agent("ann", "sales")
    now = rig.clock.now()
    handle = rig.centre.handle
    for call_id, number in (("talking", "+14155550101"), ("waiting", "+14155550177")):
        handle(ev.CallOffered(call_id, now, number, None, "+14155550100"))
        handle(ev.CallQueued(call_id, now, "sales"))
    handle(ev.AgentRinging("talking", now + 1, "ann", "sales"))
    handle(ev.CallAnswered("talking", now + 3, "ann", "sales"))
    rig.clock.advance(60)  # the PBX died at now + 20; the link came back at now + 60
    for call_id in ("talking", "waiting"):
        handle(ev.CallEnded(call_id, now + 20, ev.EndCause.PBX_LOST))

    logged = {leg.call_id: leg for leg in rig.legs}
    assert {c: leg.outcome for c, leg in logged.items()} == {
        "talking": Outcome.PBX_LOST,
        "waiting": Outcome.PBX_LOST,
    }
    assert (logged["talking"].agent_id, logged["talking"].talk_seconds) == ("ann", 17.0)
    assert logged["waiting"].wait_seconds == 20.0
    assert rig.centre.acd.snapshot("sales").abandoned == 0
    assert rig.centre.acd.agent("ann").state is not AgentState.ON_CALL
    assert not rig.centre.calls


class SlowCrm:
    """An external CRM that answers only when the test lets it."""

    def __init__(self) -> None:
        self.go = asyncio.Event()

    async def __call__(self, number: str | None) -> ExternalLookup:
        await self.go.wait()
        card = ExternalCard("ext-1", "Jane Roe", Tier.VIP, 900.0, 0.9, 3, ())
        return ExternalLookup("found", number, (card,))


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("never came true")


async def test_the_pop_goes_out_at_ring_with_the_crm_pending_and_the_enrichment_follows() -> None:
    crm = SlowCrm()
    rig = Rig(attended={"ann"}, enrich=crm)
    rig.agent("ann", "sales")
    rig.watch("ann")
    call_id = rig.phone.place_call("sales", "+14155550199")
    seen: list[dict] = []  # type: ignore[type-arg]
    await _until(lambda: bool(seen.extend(rig.messages("ann")) or any(
        m["type"] == "pop" for m in seen)))  # fmt: skip
    (pop,) = [m for m in seen if m["type"] == "pop"]
    assert pop["crm"] == {"status": "pending", "number": "+14155550199", "reason": None,
                          "cards": []}  # fmt: skip
    assert not any(m["type"] == "enrich" for m in seen)
    crm.go.set()
    await rig.crm_answered()
    (enrich,) = [m for m in rig.messages("ann") if m["type"] == "enrich"]
    assert enrich["call_id"] == call_id and enrich["crm"]["status"] == "found"
    assert enrich["crm"]["cards"][0]["tier"] == "vip"
    assert rig.centre.external_result(call_id) == await crm("+14155550199")


async def test_an_external_answer_for_a_call_that_has_ended_changes_nothing() -> None:
    crm = SlowCrm()
    rig = Rig(attended={"ann"}, enrich=crm)
    rig.agent("ann", "sales")
    rig.watch("ann")
    call_id = rig.phone.place_call("sales", "+14155550199")
    rig.phone.caller_hangs_up(call_id)
    crm.go.set()
    await rig.crm_answered()
    assert not any(m["type"] == "enrich" for m in rig.messages("ann"))
    assert rig.centre.external_result(call_id) is None
