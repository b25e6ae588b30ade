"""The ACD is pure: an event goes in, its decisions come back in order, nothing is called."""

from __future__ import annotations

import dataclasses

import pytest

from acd import agents as ag
from acd.agents import AgentState
from acd.commands import AgentChanged, Offer, QueueChanged, Wake, WakeKind
from acd.engine import Acd
from acd.model import QueueConfig, Strategy
from cti.clock import ManualClock
from simulations.model import Model
from simulations.scenario import Arrival, Group, Scenario


def ring_all() -> tuple[Acd, ManualClock]:
    clock = ManualClock()
    acd = Acd(clock, [QueueConfig("sales", strategy=Strategy.RING_ALL, wrapup_seconds=30)])
    for name in ("ann", "bob"):
        acd.add_agent(name, name, ())
        acd.apply(name, ag.Login())
        clock.advance(1)
    return acd, clock


def test_a_call_arriving_returns_every_decision_it_made_in_order() -> None:
    acd, _ = ring_all()
    decisions = acd.enqueue("c1", "sales")
    reserved = [(c.agent.agent_id, c.agent.state) for c in decisions if isinstance(c, AgentChanged)]
    assert reserved == [("ann", AgentState.RESERVED), ("bob", AgentState.RESERVED)]
    assert [c for c in decisions if not isinstance(c, AgentChanged)] == [
        Offer("c1", "ann", "sales", 15.0),
        Offer("c1", "bob", "sales", 15.0),
        QueueChanged("sales"),
    ]
    assert decisions[-1] == QueueChanged("sales")  # after the offers, as they were made


def test_a_waiting_call_is_immutable() -> None:
    acd, _ = ring_all()
    acd.apply("ann", ag.Pause("break"))
    acd.apply("bob", ag.Pause("break"))
    acd.enqueue("c1", "sales")
    call = acd.waiting_call("c1")
    assert call is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.callback_number = "+14155550101"  # type: ignore[misc]
    acd.request_callback("c1", "+14155550101")
    assert call.callback_number is None
    assert acd.waiting_call("c1") == dataclasses.replace(call, callback_number="+14155550101")


def test_a_wrap_up_ended_early_leaves_its_wake_with_nothing_to_do() -> None:
    acd, clock = ring_all()
    acd.enqueue("c1", "sales")
    acd.answered("c1", "ann", "sales", 0.0)
    done = acd.call_done("c1", "ann", "sales")
    first = next(c for c in done if isinstance(c, Wake))
    assert (first.kind, first.subject, first.at) == (WakeKind.WRAP_UP, "ann", clock.now() + 30)
    acd.apply("ann", ag.MakeAvailable())  # ann ends her wrap-up herself
    acd.enqueue("c2", "sales")
    acd.answered("c2", "ann", "sales", 0.0)
    clock.advance(10)
    acd.call_done("c2", "ann", "sales")  # a second wrap-up, until 30 s from now
    clock.advance(25)
    assert acd.wake(first) == []  # the first wrap-up's wake, now due, is stale
    assert acd.agent("ann").state is AgentState.WRAP_UP


def test_on_ring_all_in_the_simulator_the_first_agent_offered_answers() -> None:
    queue = QueueConfig("sales", strategy=Strategy.RING_ALL)
    scenario = Scenario(
        (queue,),
        (),
        (Group("team", (), (2,)),),
        interval=3600.0,
        arrivals=(Arrival(60.0, "sales", 100.0, 1e9),),
    )
    model = Model(scenario, seed=1)
    result = model.run()
    taken = {a.agent_id: a.calls_taken for a in model.acd.agents()}
    assert result.queues["sales"].answered == 1
    assert taken == {"team-0001": 1, "team-0002": 0}  # the longest idle, offered first
