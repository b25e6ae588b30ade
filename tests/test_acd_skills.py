"""The skills-based ACD: requirements, strategies, priority, escalation, callbacks, states."""

from __future__ import annotations

from acd import agents as ag
from acd.agents import AgentState
from acd.engine import AUTO_PAUSE_REASON
from acd.model import EscalationStep, Overflow, OverflowKind, QueueConfig, Strategy
from acd.requirements import CallerProfile, requirements_for
from tests.rig import Rig

SALES = QueueConfig("sales", skills=(("sales", 1),))


def test_vip_caller_jumps_ahead_of_standard_callers_but_not_of_older_vips() -> None:
    rig = Rig(SALES)
    rig.call("std-1", "sales")
    rig.clock.advance(5)
    rig.call("vip-1", "sales", priority=50)
    rig.clock.advance(5)
    rig.call("std-2", "sales")
    rig.call("vip-2", "sales", priority=50)
    for name in ("ann", "bob", "cat", "dan"):
        rig.agent(name, sales=1)
    assert [c for c, _ in rig.offered()] == ["vip-1", "vip-2", "std-1", "std-2"]


def test_an_agent_below_the_minimum_level_is_never_offered_the_call() -> None:
    rig = Rig(QueueConfig("billing", skills=(("billing", 3),)))
    rig.agent("junior", billing=2)
    rig.call("c1", "billing")
    assert rig.offered() == []
    rig.agent("senior", billing=4)
    assert rig.offered() == [("c1", "senior")]


def test_most_skilled_strategy_picks_the_highest_level_agent() -> None:
    rig = Rig(QueueConfig("tech", skills=(("tech", 1),), strategy=Strategy.MOST_SKILLED))
    rig.agent("novice", tech=1)
    rig.agent("expert", tech=5)
    rig.agent("middle", tech=3)
    rig.call("c1", "tech")
    assert rig.offered() == [("c1", "expert")]


def test_fewest_calls_strategy_evens_out_the_load() -> None:
    rig = Rig(QueueConfig("s", skills=(("s", 1),), strategy=Strategy.FEWEST_CALLS))
    rig.agent("busy", s=1)
    rig.call("c1", "s")
    rig.answer("c1", "busy")
    rig.finish("c1", "busy")
    rig.agent("fresh", s=1)  # idle for less time than busy, but took no calls
    rig.call("c2", "s")
    assert rig.offered()[-1] == ("c2", "fresh")


def test_round_robin_remembers_where_it_left_off() -> None:
    rig = Rig(QueueConfig("s", skills=(("s", 1),), strategy=Strategy.ROUND_ROBIN))
    for name in ("a1", "a2", "a3"):
        rig.agent(name, s=1)
    for n in range(4):
        rig.call(f"c{n}", "s")
        agent = rig.offered()[-1][1]
        rig.answer(f"c{n}", agent)
        rig.finish(f"c{n}", agent)
    assert [a for _, a in rig.offered()] == ["a1", "a2", "a3", "a1"]


def test_ring_all_rings_every_eligible_agent_and_the_first_answer_wins() -> None:
    rig = Rig(QueueConfig("s", skills=(("s", 1),), strategy=Strategy.RING_ALL))
    for name in ("a1", "a2", "a3"):
        rig.agent(name, s=1)
    rig.agent("other", x=1)
    rig.call("c1", "s")
    assert sorted(a for _, a in rig.offered()) == ["a1", "a2", "a3"]
    rig.answer("c1", "a2")
    assert [rig.state(a) for a in ("a1", "a2", "a3")] == [
        AgentState.AVAILABLE,
        AgentState.ON_CALL,
        AgentState.AVAILABLE,
    ]


def test_weighted_random_favours_higher_levels_and_repeats_for_a_seed() -> None:
    def picks(seed: int) -> list[str]:
        rig = Rig(
            QueueConfig("s", skills=(("s", 1),), strategy=Strategy.WEIGHTED_RANDOM), seed=seed
        )
        rig.agent("low", s=1)
        rig.agent("high", s=5)
        chosen = []
        for n in range(60):
            rig.call(f"c{n}", "s")
            call, agent = rig.offered()[-1]
            chosen.append(agent)
            rig.acd.ring_no_answer(call, agent)
            rig.acd.left_queue(call)
            rig.acd.apply(agent, ag.MakeAvailable())
        return chosen

    first = picks(3)
    assert first == picks(3)
    assert first.count("high") > 2 * first.count("low")


def test_when_an_agent_frees_up_the_best_score_across_their_queues_wins() -> None:
    slow = QueueConfig("slow", skills=(("a", 1),), weight=1.0)
    fast = QueueConfig("fast", skills=(("b", 1),), weight=4.0)
    rig = Rig(slow, fast)
    rig.call("old-slow", "slow")  # waits 30 s at weight 1: score 30
    rig.clock.advance(20)
    rig.call("new-fast", "fast")  # waits 10 s at weight 4: score 40
    rig.clock.advance(10)
    rig.agent("both", a=1, b=1)
    assert rig.offered() == [("new-fast", "both")]


def test_escalation_relaxes_the_minimum_level_after_the_configured_wait() -> None:
    queue = QueueConfig(
        "billing", skills=(("billing", 4),), escalation=(EscalationStep(30, min_level=2),)
    )
    rig = Rig(queue)
    rig.agent("junior", billing=2)
    rig.call("c1", "billing")
    rig.clock.advance(29)
    assert rig.offered() == []
    rig.clock.advance(1.5)
    assert rig.offered() == [("c1", "junior")]
    assert "longest-idle" in rig.acd.decisions("c1")[-1].rule


def test_escalation_widens_a_call_to_another_queues_agents() -> None:
    sales = QueueConfig(
        "sales", skills=(("sales", 1),), escalation=(EscalationStep(60, add_queues=("support",)),)
    )
    support = QueueConfig("support", skills=(("support", 1),))
    rig = Rig(sales, support)
    rig.agent("helper", support=2)
    rig.call("c1", "sales")
    rig.clock.advance(61)
    assert rig.offered() == [("c1", "helper")]
    assert "widened to queue support" in rig.acd.decisions("c1")[-1].rule


def test_escalation_adds_agents_holding_another_skill() -> None:
    queue = QueueConfig(
        "fr",
        skills=(("french", 3),),
        escalation=(EscalationStep(45, add_skills=(("language-line", 1),)),),
    )
    rig = Rig(queue)
    rig.agent("interpreter", **{"language-line": 2})
    rig.call("c1", "fr")
    rig.clock.advance(44)
    assert rig.offered() == []
    rig.clock.advance(2)
    assert rig.offered() == [("c1", "interpreter")]


def test_an_agent_freeing_up_finds_a_call_widened_to_their_skill() -> None:
    queue = QueueConfig(
        "fr",
        skills=(("french", 3),),
        escalation=(EscalationStep(45, add_skills=(("language-line", 1),)),),
    )
    rig = Rig(queue)
    rig.agent("interpreter", available=False, **{"language-line": 2})
    rig.call("c1", "fr")
    rig.clock.advance(50)
    rig.acd.apply("interpreter", ag.Login())
    assert rig.offered() == [("c1", "interpreter")]


def test_max_wait_sends_the_call_to_its_overflow_target() -> None:
    queue = QueueConfig(
        "sales",
        skills=(("sales", 1),),
        max_wait_seconds=120,
        overflow=Overflow(OverflowKind.VOICEMAIL, "sales-mailbox"),
    )
    rig = Rig(queue)
    rig.call("c1", "sales")
    rig.clock.advance(121)
    assert [(o.call_id, o.kind, o.target) for o in rig.rec.overflows] == [
        ("c1", "voicemail", "sales-mailbox")
    ]
    assert rig.acd.waiting() == []
    assert rig.acd.snapshot("sales").overflowed == 1


def test_a_callback_keeps_the_callers_place_and_is_offered_in_turn() -> None:
    rig = Rig(SALES)
    rig.call("first", "sales")
    rig.clock.advance(10)
    rig.call("second", "sales")
    rig.acd.request_callback("first", "+14155550101")
    assert rig.acd.abandoned("first") == []  # the caller hangs up on purpose: nothing to do
    rig.agent("ann", sales=1)
    assert [(d.call_id, d.agent_id, d.number) for d in rig.rec.callbacks] == [
        ("first", "ann", "+14155550101")
    ]
    assert rig.offered() == []
    assert rig.acd.snapshot("sales").abandoned == 0


def test_the_owner_agent_is_tried_alone_first_then_anyone() -> None:
    rig = Rig(QueueConfig("sales", skills=(("sales", 1),), owner_first_seconds=20))
    rig.agent("owner", available=False, sales=1)
    rig.agent("other", sales=1)
    rig.call("c1", "sales", owner="owner")
    assert rig.offered() == []
    rig.clock.advance(21)
    assert rig.offered() == [("c1", "other")]


def test_the_owner_gets_the_call_at_once_when_available() -> None:
    rig = Rig(QueueConfig("sales", skills=(("sales", 1),)))
    rig.agent("other", sales=1)
    rig.agent("owner", sales=1)
    rig.call("c1", "sales", owner="owner")
    assert rig.offered() == [("c1", "owner")]
    assert rig.acd.decisions("c1")[-1].rule.startswith("owner-first")


def test_an_at_risk_vip_needs_retention_and_gets_priority() -> None:
    queue = QueueConfig("support", skills=(("support", 2),), priority=5)
    wanted = requirements_for(
        queue, {}, CallerProfile(tier="vip", churn_risk=0.85, owner="agent07")
    )
    assert dict(wanted.skills) == {"support": 2, "retention": 1}
    assert wanted.priority == 55 and wanted.owner == "agent07"
    assert any("churn risk" in r for r in wanted.reasons)


def test_ivr_skills_priority_and_language_become_requirements() -> None:
    queue = QueueConfig("support", skills=(("support", 1),))
    ivr = {"SB_SKILLS": "billing:3,support:2,bogus:9", "SB_PRIORITY": "7", "SB_LANGUAGE": "de"}
    wanted = requirements_for(queue, ivr, None)
    assert dict(wanted.skills) == {"billing": 3, "support": 2}
    assert (wanted.priority, wanted.language) == (7, "de")
    assert "ignored SB_SKILLS entry 'bogus:9'" in wanted.reasons


def test_a_german_speaking_caller_waits_for_a_german_speaking_agent() -> None:
    rig = Rig(SALES)
    rig.agent("ann", sales=3)
    rig.call("c1", "sales", language="de")
    assert rig.offered() == []
    rig.agent("jan", sales=1, **{"lang:de": 1})
    assert rig.offered() == [("c1", "jan")]


def test_an_agent_is_auto_paused_after_k_ring_no_answers_in_a_row() -> None:
    rig = Rig(QueueConfig("s", skills=(("s", 1),), auto_pause_after=2))
    rig.agent("sleepy", s=1)
    rig.call("c1", "s")
    rig.acd.ring_no_answer("c1", "sleepy")  # re-offered to sleepy: nobody else
    assert rig.state("sleepy") is AgentState.RESERVED
    rig.acd.ring_no_answer("c1", "sleepy")
    agent = rig.acd.agent("sleepy")
    assert (agent.state, agent.pause_reason) == (AgentState.PAUSED, AUTO_PAUSE_REASON)


def test_configuration_changes_apply_to_the_next_decision() -> None:
    rig = Rig(QueueConfig("s", skills=(("s", 4),)))
    rig.agent("ann", s=2)
    rig.call("c1", "s")
    assert rig.offered() == []
    rig.acd.configure_queue(QueueConfig("s", skills=(("s", 2),)))
    rig.call("c2", "s")
    assert rig.offered() == [("c2", "ann")]


def test_raising_an_agents_skill_lets_them_take_a_waiting_call() -> None:
    rig = Rig(QueueConfig("s", skills=(("s", 3),)))
    rig.agent("ann", s=1)
    rig.call("c1", "s")
    rig.acd.set_skills("ann", (("s", 3),))
    assert rig.offered() == [("c1", "ann")]


def test_the_explanation_says_why_a_vip_still_waits() -> None:
    rig = Rig(QueueConfig("billing", skills=(("billing", 3),)))
    rig.agent("junior", billing=1)
    rig.agent("busy", billing=4)
    rig.acd.apply("busy", ag.Pause("Lunch"))
    rig.call("vip", "billing", priority=50)
    why = rig.acd.explain("vip")
    assert why.eligible_available == ()
    assert dict(why.blocked) == {"junior": "billing level 1 < 3", "busy": "paused (Lunch)"}
    assert why.summary.startswith("no eligible agent is available")


def test_time_in_each_agent_state_is_kept_for_reports() -> None:
    rig = Rig(SALES)
    rig.agent("ann", sales=1)
    rig.clock.advance(10)
    rig.acd.apply("ann", ag.Pause("Coaching"))
    rig.clock.advance(5)
    rig.acd.apply("ann", ag.MakeAvailable())
    seconds = rig.acd.stats.state_seconds("ann")
    assert seconds["available"] == 11 and seconds["paused"] == 5


def test_observing_a_pbx_the_acd_follows_it_even_when_a_hang_up_was_missed() -> None:
    rig = Rig(SALES)
    rig.acd.routing = False
    rig.agent("ann", sales=1)
    rig.acd.ringing("c1", "ann", "sales")
    rig.acd.answered("c1", "ann", "sales", wait=1.0)
    # the end of c1 was never seen (a cut connection); Asterisk now rings ann for c2
    rig.acd.ringing("c2", "ann", "sales")
    assert (rig.state("ann"), rig.acd.agent("ann").call_id) == (AgentState.RESERVED, "c2")
    rig.acd.answered("c2", "ann", "sales", wait=1.0)
    assert rig.state("ann") is AgentState.ON_CALL
