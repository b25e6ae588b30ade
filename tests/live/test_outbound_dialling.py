"""Outbound campaigns on Asterisk 22: the adapter's ``execute_outbound`` and what comes back.

Leads are dialled through ``switchboard-dialer-out`` (the trunk is a simulated phone here,
``phones.conf``); an answered lead runs ``AMD()`` in ``switchboard-dialer``; agents wait on a
persistent leg in ``switchboard-dialer-agent`` and are connected by ``Bridge``. Ring and talk
times are a few seconds so that the whole file runs in about a minute.
"""

from __future__ import annotations

import asyncio

import pytest

from cti.telephony import outbound as ob
from tests.live.dialer import Dialer, application_of
from tests.live.pbx import Pbx
from tests.live.relay import Relay

pytestmark = pytest.mark.asterisk

CALLER_ID = "+14155550100"


async def ready_leg(dialer: Dialer, pbx: Pbx, agent: str) -> None:
    pbx.phone(agent, "answer-1-600")  # the agent's phone answers after 1 s and stays up
    await dialer.do(ob.OpenAgentLeg(agent))
    await dialer.wait(ob.AgentLegReady, agent)


def dial(attempt: str, number: str, ring: float = 10.0, amd: bool = True) -> ob.DialLead:
    return ob.DialLead(attempt, number, CALLER_ID, ring_timeout=ring, amd=amd)


async def test_a_person_who_answers_is_bridged_to_a_waiting_agent_within_two_seconds(
    pbx: Pbx,
) -> None:
    async with Dialer(pbx) as dialer:
        await ready_leg(dialer, pbx, "agent01")
        pbx.phone("+14155550111", "person-1-5")  # says a word, talks 5 s, hangs up
        await dialer.do(dial("att-human", "+14155550111"))
        await dialer.wait(ob.LeadRinging, "att-human")
        answered = await dialer.wait(ob.LeadAnswered, "att-human")
        assert answered.verdict is ob.AmdVerdict.HUMAN
        await dialer.do(ob.ConnectLead("att-human", "agent01"))
        connected = await dialer.wait(ob.LeadConnected, "att-human")
        assert connected.agent_id == "agent01"
        assert connected.at - answered.at < 2.0, (answered, connected)
        lead = dialer.adapter.lines.lead_channel("att-human")
        assert lead is not None
        ended = await dialer.wait(ob.LeadEnded, "att-human")
        assert ended.outcome is ob.LineOutcome.CALLEE_HUNG_UP, ended
        # The agent's leg is back waiting for the next lead, not hung up.
        await asyncio.sleep(0.5)
        assert not dialer.of(ob.AgentLegGone, "agent01")
        leg = dialer.adapter.lines.leg_channel("agent01", ready=True)
        assert leg is not None and application_of(pbx, leg).startswith("MusicOnHold")
        await dialer.do(ob.CloseAgentLeg("agent01"))
        await dialer.wait(ob.AgentLegGone, "agent01")


async def test_a_machine_is_detected_and_left_the_campaign_message(pbx: Pbx) -> None:
    async with Dialer(pbx) as dialer:
        pbx.phone("+14155550112", "machine-1")
        await dialer.do(dial("att-machine", "+14155550112"))
        answered = await dialer.wait(ob.LeadAnswered, "att-machine")
        assert answered.verdict is ob.AmdVerdict.MACHINE
        assert answered.answered_at < answered.at
        await dialer.do(ob.PlayMachineMessage("att-machine"))
        lead = dialer.adapter.lines.lead_channel("att-machine")
        assert lead is not None
        await dialer.until(
            lambda: [1] if "switchboard-machine-message" in application_of(pbx, lead) else [],
            "the machine message playing",
            timeout=15,
        )
        ended = await dialer.wait(ob.LeadEnded, "att-machine")
        assert ended.outcome is ob.LineOutcome.HUNG_UP, ended


async def test_no_answer_and_busy_end_with_their_outcomes_and_causes(pbx: Pbx) -> None:
    async with Dialer(pbx) as dialer:
        pbx.phone("+14155550113", "noanswer")
        pbx.phone("+14155550114", "busy")
        await dialer.do(dial("att-noanswer", "+14155550113", ring=3))
        await dialer.do(dial("att-busy", "+14155550114", ring=3))
        busy = await dialer.wait(ob.LeadEnded, "att-busy")
        no_answer = await dialer.wait(ob.LeadEnded, "att-noanswer")
    assert busy.outcome is ob.LineOutcome.BUSY and busy.cause.startswith("reason 5"), busy
    assert no_answer.outcome is ob.LineOutcome.NO_ANSWER, no_answer
    assert no_answer.cause.startswith("reason 3"), no_answer
    assert not dialer.of(ob.LeadAnswered)


async def test_an_abandoned_person_hears_the_safe_harbour_message(pbx: Pbx) -> None:
    async with Dialer(pbx) as dialer:
        pbx.phone("+14155550115", "person-1-8")
        pbx.phone("+14155550116", "person-1-8")
        await dialer.do(dial("att-abandon", "+14155550115"))
        await dialer.do(dial("att-fallback", "+14155550116"))
        await dialer.wait(ob.LeadAnswered, "att-abandon")
        await dialer.do(ob.PlaySafeHarbour("att-abandon"))  # no agent: the dialer gives up
        # att-fallback gets no word at all: the dialplan plays the message by itself.
        for attempt in ("att-abandon", "att-fallback"):
            lead = dialer.adapter.lines.lead_channel(attempt)
            assert lead is not None
            await dialer.until(
                lambda lead=lead: (
                    [1]  # type: ignore[misc]
                    if "switchboard-safe-harbour" in application_of(pbx, lead)
                    else []
                ),
                f"the safe-harbour message on {attempt}",
                timeout=10,
            )
        for attempt in ("att-abandon", "att-fallback"):
            ended = await dialer.wait(ob.LeadEnded, attempt)
            assert ended.outcome is ob.LineOutcome.HUNG_UP, ended
        assert not dialer.of(ob.LeadOptedOut)


async def test_nine_pressed_during_the_safe_harbour_message_opts_the_lead_out(pbx: Pbx) -> None:
    async with Dialer(pbx) as dialer:
        pbx.phone("+14155550117", "person-1-10-9-0.5")  # presses 9 as its greeting ends
        await dialer.do(dial("att-optout", "+14155550117"))
        await dialer.wait(ob.LeadAnswered, "att-optout")
        await dialer.do(ob.PlaySafeHarbour("att-optout"))
        opted = await dialer.wait(ob.LeadOptedOut, "att-optout")
        ended = await dialer.wait(ob.LeadEnded, "att-optout")
    assert ended.outcome is ob.LineOutcome.HUNG_UP and opted.at <= ended.at


# -- a campaign: 30 leads over 3 agents, progressive (one line per free agent) ----------------

PLANS = {  # what each kind of lead's phone does, and the state the lead must end in
    "person": ("person-1-30", "connected"),  # the agent ends the call after a second
    "machine": ("machine-1", "machine"),  # the campaign hangs up on machines
    "busy": ("busy", "busy"),
    "noanswer": ("noanswer", "no-answer"),
}
KINDS = ["person", "person", "machine", "busy", "person", "noanswer"] * 5  # 30 leads


class Progressive:
    """A 1:1 driver of the port, as the campaign runtime uses it: a free agent gets the next
    lead; a person is connected to that agent, a machine hung up on; the agent hangs up
    after a second of talk; any end frees the agent."""

    def __init__(self, dialer: Dialer, leads: list[tuple[str, str]], agents: list[str]) -> None:
        self.dialer, self.leads, self.free = dialer, list(leads), list(agents)
        self.agent_of: dict[str, str] = {}
        self.state: dict[str, str] = {}
        self.latency: dict[str, float] = {}
        self._seen = 0
        self._answered: dict[str, ob.LeadAnswered] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.leads or self.agent_of:
            assert loop.time() < deadline, f"campaign unfinished: {self.agent_of}"
            while self.free and self.leads:
                attempt, number = self.leads.pop(0)
                self.agent_of[attempt] = self.free.pop(0)
                await self.dialer.do(dial(attempt, number, ring=2))
            await self.dialer.until(lambda: self.dialer.events[self._seen :], "events", 30)
            for event in self.dialer.events[self._seen :]:
                self._seen += 1
                await self.on(event)

    async def on(self, event: object) -> None:
        if isinstance(event, ob.LeadAnswered):
            self._answered[event.attempt_id] = event
            if event.verdict is ob.AmdVerdict.MACHINE:
                self.state[event.attempt_id] = "machine"
                await self.dialer.do(ob.HangupLead(event.attempt_id))
            else:
                agent = self.agent_of[event.attempt_id]
                await self.dialer.do(ob.ConnectLead(event.attempt_id, agent))
        elif isinstance(event, ob.LeadConnected):
            self.state[event.attempt_id] = "connected"
            self.latency[event.attempt_id] = event.at - self._answered[event.attempt_id].at
            self._later(1.0, ob.HangupLead(event.attempt_id))
        elif isinstance(event, ob.LeadEnded):
            self.state.setdefault(event.attempt_id, event.outcome.value)
            self.free.append(self.agent_of.pop(event.attempt_id))

    def _later(self, delay: float, command: ob.OutboundCommand) -> None:
        async def later() -> None:
            await asyncio.sleep(delay)
            await self.dialer.do(command)

        task = asyncio.get_running_loop().create_task(later())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def test_a_campaign_of_thirty_leads_over_three_agents_ends_with_every_lead_in_its_state(
    pbx: Pbx,
) -> None:
    agents = ["agent01", "agent02", "agent03"]
    leads = [(f"camp-{i:02d}", f"+1415555{2000 + i}") for i in range(len(KINDS))]
    for (_, number), kind in zip(leads, KINDS, strict=True):
        pbx.phone(number, PLANS[kind][0])
    async with Dialer(pbx) as dialer:
        for agent in agents:
            await ready_leg(dialer, pbx, agent)
        campaign = Progressive(dialer, leads, agents)
        await campaign.run(timeout=150)
        expected = {
            attempt: PLANS[kind][1] for (attempt, _), kind in zip(leads, KINDS, strict=True)
        }
        assert campaign.state == expected
        assert len(campaign.latency) == KINDS.count("person")
        assert max(campaign.latency.values()) < 2.0, campaign.latency
        ended = [e.attempt_id for e in dialer.of(ob.LeadEnded)]
        assert sorted(ended) == sorted(expected)  # every lead ended exactly once
        assert not dialer.of(ob.AgentLegGone)  # the agents' legs stayed up throughout
        for agent in agents:
            await dialer.do(ob.CloseAgentLeg(agent))
        for agent in agents:
            await dialer.wait(ob.AgentLegGone, agent)
        await dialer.until(lambda: [1] if not pbx.channels() else [], "no channel left", 15)


async def test_a_lead_that_hangs_up_while_the_ami_link_is_down_ends_once_after_the_resync(
    pbx: Pbx,
) -> None:
    relay = Relay(pbx.ami_port)
    try:
        async with Dialer(pbx, port=relay.port) as dialer:
            await ready_leg(dialer, pbx, "agent01")
            pbx.phone("+14155550118", "person-1-1")  # hangs up a second after its word
            await dialer.do(dial("att-cut", "+14155550118"))
            await dialer.wait(ob.LeadAnswered, "att-cut")
            await dialer.do(ob.ConnectLead("att-cut", "agent01"))
            await dialer.wait(ob.LeadConnected, "att-cut")
            lead = dialer.adapter.lines.lead_channel("att-cut")
            relay.cut()
            await dialer.until(
                lambda: [1] if lead not in pbx.channels() else [], "the lead hung up", 20
            )
            assert not dialer.of(ob.LeadEnded)  # nothing could tell Switchboard
            relay.restore()
            ended = await dialer.wait(ob.LeadEnded, "att-cut")
            assert ended.outcome is ob.LineOutcome.CALLEE_HUNG_UP
            assert ended.cause == "ended while the AMI link was down"
            await asyncio.sleep(1.0)
            assert len(dialer.of(ob.LeadEnded)) == 1  # counted once
            assert not dialer.of(ob.AgentLegGone)  # the agent's leg lived through the cut
    finally:
        relay.close()


async def test_an_attempt_whose_events_were_all_lost_in_a_cut_ends_failed_after_the_resync(
    pbx: Pbx,
) -> None:
    relay = Relay(pbx.ami_port)
    try:
        async with Dialer(pbx, port=relay.port) as dialer:
            await ready_leg(dialer, pbx, "agent01")
            pbx.phone("+14155550119", "noanswer")  # rings through the cut
            await dialer.do(dial("att-kept", "+14155550119", ring=30.0))
            await dialer.wait(ob.LeadRinging, "att-kept")
            # Queued in Asterisk as far as Switchboard knows; the cut swallowed all that
            # followed (its channel was never seen), and Asterisk has no channel of that id.
            dialer.adapter.lines.dialling("att-lost")
            relay.cut()
            await asyncio.sleep(0.5)
            relay.restore()
            ended = await dialer.wait(ob.LeadEnded, "att-lost")
            assert ended.outcome is ob.LineOutcome.FAILED
            assert ended.cause == "lost-during-outage"
            await asyncio.sleep(1.0)
            assert [e.attempt_id for e in dialer.of(ob.LeadEnded)] == ["att-lost"]
            assert dialer.adapter.lines.lead_channel("att-kept") is not None
            assert not dialer.of(ob.AgentLegGone)
            await dialer.do(ob.HangupLead("att-kept"))
            await dialer.wait(ob.LeadEnded, "att-kept")
    finally:
        relay.close()
