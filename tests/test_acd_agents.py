"""The agent lifecycle: what agents and the PBX may do in each state."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace

import pytest

from acd import agents as ag
from acd.agents import Agent, AgentState
from acd.errors import IllegalStateChange
from acd.model import Requirements, WaitingCall, new_waiting_call


def agent(state: AgentState = AgentState.AVAILABLE, **kw: object) -> Agent:
    return Agent("a1", "Ann", (("sales", 3),), state=state, **kw)  # type: ignore[arg-type]


def test_an_agent_cannot_become_available_while_on_a_call() -> None:
    with pytest.raises(IllegalStateChange) as err:
        ag.transition(agent(AgentState.ON_CALL, call_id="c1"), ag.MakeAvailable(), 10.0)
    assert err.value.status == 409
    assert err.value.error_id == "illegal-state-change"


def test_a_pause_asked_for_during_a_call_is_taken_after_wrap_up() -> None:
    on_call = agent(AgentState.ON_CALL, call_id="c1")
    asked = ag.transition(on_call, ag.Pause("Lunch"), 5.0)
    assert asked.state is AgentState.ON_CALL and asked.pending_pause == "Lunch"
    wrapping = ag.transition(asked, ag.CallDone("c1", wrapup_seconds=10), 6.0)
    assert wrapping.state is AgentState.WRAP_UP
    after = ag.transition(wrapping, ag.EndWrapUp(), 16.0)
    assert (after.state, after.pause_reason) == (AgentState.PAUSED, "Lunch")


def test_wrap_up_ends_in_available_and_resets_idle_time() -> None:
    wrapping = agent(AgentState.WRAP_UP, call_id="c1", idle_since=1.0)
    after = ag.transition(wrapping, ag.EndWrapUp(), 30.0)
    assert after.state is AgentState.AVAILABLE
    assert after.idle_since == 30.0 and after.call_id is None


def test_a_call_without_wrap_up_returns_the_agent_to_available() -> None:
    on_call = agent(AgentState.ON_CALL, call_id="c1")
    after = ag.transition(on_call, ag.CallDone("c1", wrapup_seconds=0), 9.0)
    assert after.state is AgentState.AVAILABLE and after.calls_taken == 1


def test_a_ring_out_releases_the_agent() -> None:
    reserved = ag.transition(agent(), ag.Reserve("c1", "sales"), 1.0)
    assert reserved.state is AgentState.RESERVED
    released = ag.transition(reserved, ag.Release("c1"), 13.0)
    assert released.state is AgentState.AVAILABLE


def test_an_agent_who_dials_out_from_pause_goes_back_to_pause() -> None:
    paused = agent(AgentState.PAUSED, pause_reason="Admin")
    reserved = ag.transition(paused, ag.Reserve("out-1", None), 1.0)
    on_call = ag.transition(reserved, ag.Connect("out-1"), 2.0)
    after = ag.transition(on_call, ag.CallDone("out-1", wrapup_seconds=0), 30.0)
    assert (after.state, after.pause_reason) == (AgentState.PAUSED, "Admin")


def test_logging_out_during_a_call_is_refused() -> None:
    with pytest.raises(IllegalStateChange):
        ag.transition(agent(AgentState.ON_CALL, call_id="c"), ag.Logout(), 1.0)


def test_a_logged_out_agent_cannot_pause() -> None:
    with pytest.raises(IllegalStateChange):
        ag.transition(agent(AgentState.LOGGED_OUT), ag.Pause("x"), 1.0)


def test_evolve_gives_what_dataclasses_replace_gives() -> None:
    full = Agent(
        "a9",
        "Zoe",
        (("lang:fr", 2), ("sales", 4)),
        AgentState.ON_CALL,
        12.0,
        3.0,
        "c7",
        "sales",
        "Lunch",
        "Training",
        41,
        2,
    )
    assert full.evolve() == full
    assert full.evolve(state=AgentState.WRAP_UP, since=20.0) == replace(
        full, state=AgentState.WRAP_UP, since=20.0
    )
    reskilled = full.evolve(skills=(("support", 5),))
    assert reskilled.level("support") == 5 and reskilled.level("sales") == 0
    assert full.level("sales") == 4


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("agent_id", "a2"),
        ("name", "Bea"),
        ("skills", (("support", 2),)),
        ("state", AgentState.PAUSED),
        ("since", 7.0),
        ("idle_since", 8.0),
        ("call_id", "c9"),
        ("queue", "support"),
        ("pause_reason", "Lunch"),
        ("pending_pause", "Coaching"),
        ("calls_taken", 4),
        ("rna_streak", 2),
    ],
)
def test_evolving_an_agent_gives_what_replace_gives(name: str, value: object) -> None:
    before = agent(call_id="c1", queue="sales", calls_taken=1)
    after = before.evolve(**{name: value})
    assert after == replace(before, **{name: value})  # type: ignore[arg-type]
    assert after.level("support") == (2 if name == "skills" else 0)
    assert before.level("sales") == 3 and before.state is AgentState.AVAILABLE


def test_a_waiting_call_made_on_the_hot_path_is_the_call_the_constructor_makes() -> None:
    wanted = Requirements(skills=(("sales", 2),), priority=3, owner="a1")
    fast = new_waiting_call("c1", "sales", 12.5, 7, wanted, 0.5, 32.5)
    slow = WaitingCall("c1", "sales", 12.5, 7, wanted, 0.5, queues=("sales",), owner_until=32.5)
    assert fast == slow and repr(fast) == repr(slow) and vars(fast) == vars(slow)
    assert replace(fast, step=2) == replace(slow, step=2)
    with pytest.raises(FrozenInstanceError):
        fast.step = 1  # type: ignore[misc]
