"""Offers that fail before the phone rings (busy, unreachable): the agent is paused with a
growing backoff and for good at the limit, the call is held back, and each failure is an
alert; without this the same call would be offered to the same phone again at once."""

from __future__ import annotations

from acd import agents as ag
from acd import failures
from acd.agents import AgentState
from acd.commands import PhoneFailed
from acd.engine import Acd
from acd.model import QueueConfig
from cti.clock import ManualClock
from tests.acd_rig import DrivenAcd, Recorder


def centre() -> tuple[Acd, Recorder, ManualClock]:
    clock, rec = ManualClock(), Recorder()
    acd = DrivenAcd(clock, (QueueConfig("sales", skills=(("sales", 1),)),), rec)
    for agent in ("ann", "bob"):
        acd.add_agent(agent, agent.title(), (("sales", 1),))
        acd.apply(agent, ag.Login())
        clock.advance(1)
    return acd, rec, clock


def alerts(rec: Recorder) -> list[PhoneFailed]:
    return [c for c in rec.commands if isinstance(c, PhoneFailed)]


def test_a_failed_offer_pauses_the_agent_and_holds_the_call_back_instead_of_offering_again() -> (
    None
):
    acd, rec, clock = centre()
    acd.apply("bob", ag.Pause("lunch"))
    acd.enqueue("c1", "sales")
    assert [(o.call_id, o.agent_id) for o in rec.offers] == [("c1", "ann")]
    acd.ring_no_answer("c1", "ann", failed=True)
    ann = acd.agent("ann")
    assert (ann.state, ann.pause_reason) == (AgentState.PAUSED, failures.PHONE_FAILED_REASON)
    assert len(rec.offers) == 1  # not offered again at once
    (alert,) = alerts(rec)
    assert (alert.agent_id, alert.call_id, alert.failures, alert.retry_at) == (
        "ann", "c1", 1, clock.now() + failures.AGENT_FIRST_DELAY
    )  # fmt: skip
    clock.advance(failures.AGENT_FIRST_DELAY)
    assert acd.agent("ann").state is AgentState.RESERVED  # back after the backoff, offered again
    assert [(o.call_id, o.agent_id) for o in rec.offers] == [("c1", "ann")] * 2


def test_the_call_goes_to_a_working_phone_after_its_own_backoff() -> None:
    acd, rec, clock = centre()
    acd.enqueue("c1", "sales")
    first = rec.offers[-1].agent_id
    acd.ring_no_answer("c1", first, failed=True)
    assert len(rec.offers) == 1
    clock.advance(failures.CALL_FIRST_DELAY)
    other = next(a for a in ("ann", "bob") if a != first)
    assert rec.offers[-1].agent_id == other


def test_an_agent_whose_phone_keeps_failing_stays_paused_until_someone_makes_them_available() -> (
    None
):
    acd, rec, clock = centre()
    acd.apply("bob", ag.Pause("lunch"))
    acd.enqueue("c1", "sales")
    for n in range(1, failures.AGENT_LIMIT + 1):
        assert rec.offers[-1].agent_id == "ann" and len(rec.offers) == n
        acd.ring_no_answer("c1", "ann", failed=True)
        clock.advance(60)
    assert len(rec.offers) == failures.AGENT_LIMIT  # then no more, however long it waits
    assert alerts(rec)[-1].failures == failures.AGENT_LIMIT and alerts(rec)[-1].retry_at is None
    assert acd.agent("ann").pause_reason == failures.PHONE_FAILED_REASON
    acd.apply("ann", ag.MakeAvailable())  # a person vouches for the phone: counted anew
    assert rec.offers[-1].agent_id == "ann" and len(rec.offers) == failures.AGENT_LIMIT + 1
    acd.ring_no_answer("c1", "ann", failed=True)
    assert alerts(rec)[-1].failures == 1


def test_an_answer_clears_the_agents_failures_and_a_plain_ring_out_is_no_failure() -> None:
    acd, rec, clock = centre()
    acd.apply("bob", ag.Pause("lunch"))
    acd.enqueue("c1", "sales")
    acd.ring_no_answer("c1", "ann", failed=True)
    clock.advance(failures.AGENT_FIRST_DELAY)
    acd.answered("c1", "ann", "sales", 3.0)
    acd.call_done("c1", "ann", "sales")
    acd.enqueue("c2", "sales")
    acd.ring_no_answer("c2", "ann")  # rang out: no pause, no alert
    assert len(alerts(rec)) == 1
    assert acd.agent("ann").state is not AgentState.PAUSED
