"""Routing: longest idle among agents with the queue's skill; wrap-up by timer or by agent."""

from __future__ import annotations

from acd import agents as ag
from acd.agents import AgentState
from acd.commands import Offer
from acd.model import QueueConfig
from tests.rig import centre, login


def test_the_call_goes_to_the_longest_idle_agent_with_the_skill() -> None:
    acd, rec, clock = centre()
    login(acd, clock, "ann", "sales")
    login(acd, clock, "bob", "sales")
    login(acd, clock, "cat", "support")
    acd.enqueue("c1", "sales")
    assert [(o.call_id, o.agent_id) for o in rec.offers] == [("c1", "ann")]


def test_an_agent_without_the_skill_is_never_offered_the_call() -> None:
    acd, rec, clock = centre()
    login(acd, clock, "cat", "support")
    acd.enqueue("c1", "sales")
    assert rec.offers == []
    assert [c.call_id for c in acd.waiting("sales")] == ["c1"]


def test_the_oldest_call_is_served_first_when_an_agent_frees_up() -> None:
    acd, rec, clock = centre()
    acd.add_agent("ann", "Ann", (("sales", 1),))
    acd.enqueue("c1", "sales")
    clock.advance(2)
    acd.enqueue("c2", "sales")
    acd.apply("ann", ag.Login())
    assert rec.offers[0].call_id == "c1"


def test_an_agent_who_let_it_ring_out_is_passed_over_for_another() -> None:
    acd, rec, clock = centre()
    login(acd, clock, "ann", "sales")
    login(acd, clock, "bob", "sales")
    acd.enqueue("c1", "sales")
    acd.enqueue("c2", "sales")
    assert {(o.call_id, o.agent_id) for o in rec.offers} == {("c1", "ann"), ("c2", "bob")}
    acd.ring_no_answer("c1", "ann")
    # ann is free again, c1 still waits; bob is busy, so ann is the only choice left
    assert rec.offers[-1] == Offer("c1", "ann", "sales", 15.0)


def test_wrap_up_ends_by_timer_and_the_agent_takes_the_next_call() -> None:
    acd, rec, clock = centre()
    login(acd, clock, "ann", "sales")
    acd.enqueue("c1", "sales")
    acd.answered("c1", "ann", "sales", wait=0.0)
    acd.enqueue("c2", "sales")
    acd.call_done("c1", "ann", "sales")
    assert acd.agent("ann").state is AgentState.WRAP_UP
    clock.advance(4.9)
    assert acd.agent("ann").state is AgentState.WRAP_UP
    clock.advance(0.2)
    assert rec.offers[-1].call_id == "c2"
    assert acd.agent("ann").state is AgentState.RESERVED


def test_wrap_up_ended_by_the_agent_cancels_the_timer() -> None:
    acd, _, clock = centre()
    login(acd, clock, "ann", "sales")
    acd.enqueue("c1", "sales")
    acd.answered("c1", "ann", "sales", wait=0.0)
    acd.call_done("c1", "ann", "sales")
    acd.apply("ann", ag.EndWrapUp())
    acd.apply("ann", ag.Pause("Coaching"))
    clock.advance(10)
    assert acd.agent("ann").state is AgentState.PAUSED


def test_the_board_counts_service_level_and_abandons() -> None:
    acd, _, clock = centre(QueueConfig("sales", service_level_seconds=20))
    acd.enqueue("c1", "sales")
    acd.enqueue("c2", "sales")
    acd.enqueue("c3", "sales")
    clock.advance(10)
    acd.answered("c1", "x", "sales", wait=10)
    clock.advance(20)
    acd.answered("c2", "x", "sales", wait=30)
    snap = acd.snapshot("sales")
    assert (snap.waiting, snap.longest_wait) == (1, 30)
    acd.abandoned("c3")
    snap = acd.snapshot("sales")
    assert (snap.offered, snap.answered, snap.abandoned) == (3, 2, 1)
    assert snap.service_level == 1 / 3
    assert snap.asa == 20


def test_agents_by_state_are_counted_per_queue() -> None:
    acd, _, clock = centre()
    login(acd, clock, "ann", "sales")
    login(acd, clock, "bob", "sales")
    acd.apply("bob", ag.Pause("Lunch"))
    assert acd.snapshot("sales").agents == {"available": 1, "paused": 1}
