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
        lead = dialer.adapter._lines.lead_channel("att-human")
        assert lead is not None
        ended = await dialer.wait(ob.LeadEnded, "att-human")
        assert ended.outcome is ob.LineOutcome.CALLEE_HUNG_UP, ended
        # The agent's leg is back waiting for the next lead, not hung up.
        await asyncio.sleep(0.5)
        assert not dialer.of(ob.AgentLegGone, "agent01")
        leg = dialer.adapter._lines.leg_channel("agent01", ready=True)
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
        lead = dialer.adapter._lines.lead_channel("att-machine")
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
            lead = dialer.adapter._lines.lead_channel(attempt)
            assert lead is not None
            await dialer.until(
                lambda lead=lead: [1]  # type: ignore[misc]
                if "switchboard-safe-harbour" in application_of(pbx, lead)
                else [],
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
