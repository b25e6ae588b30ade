"""The pacer's events and settings, and the baselines it is compared with."""

from __future__ import annotations

import re

import pytest

from dialer import errors
from dialer import events as ev
from dialer.baselines import ADAPT_SECONDS, Progressive, VicidialAdaptHardLimit
from dialer.errors import InvalidPacingSetting, UnknownAgent, UnknownCall
from dialer.pacer import Pacer
from dialer.settings import PacingSettings


def test_a_call_dialled_twice_is_refused() -> None:
    pacer = Pacer(PacingSettings())
    pacer.apply(ev.Dialled("c1", 0.0))
    with pytest.raises(UnknownCall) as caught:
        pacer.apply(ev.Dialled("c1", 1.0))
    assert caught.value.details == {"call_id": "c1"}


def test_an_event_for_a_call_not_in_flight_names_it() -> None:
    with pytest.raises(UnknownCall, match="c9"):
        Pacer(PacingSettings()).apply(ev.Person("c9", 0.0))


def test_connecting_to_an_agent_who_is_not_free_is_refused() -> None:
    pacer = Pacer(PacingSettings())
    pacer.apply(ev.Dialled("c1", 0.0))
    pacer.apply(ev.Person("c1", 1.0))
    with pytest.raises(UnknownAgent):
        pacer.apply(ev.Connected("c1", "nobody", 1.0))


@pytest.mark.parametrize(
    ("setting", "value"),
    [("limit", 0.0), ("limit", 1.5), ("window_seconds", 0.0), ("amd_false_positive", 0.05)],
)
def test_bad_pacing_settings_name_the_setting(setting: str, value: float) -> None:
    with pytest.raises(InvalidPacingSetting) as caught:
        PacingSettings(**{setting: value})  # type: ignore[arg-type]
    assert caught.value.details["setting"] == setting
    assert caught.value.status == 422


def test_a_reserved_agent_who_leaves_is_held_until_no_call_needs_them() -> None:
    pacer = Pacer(PacingSettings())
    pacer.apply(ev.AgentFree("a1", 0.0))
    pacer.apply(ev.Dialled("c1", 0.0))
    pacer.apply(ev.AgentAway("a1", 1.0))
    assert pacer.held == {"a1"} and pacer.uncovered == 0
    assert pacer.decide(1.0).dial == 0  # held agents are not dialled for
    pacer.apply(ev.Unanswered("c1", 25.0))
    assert not pacer.held and not pacer.free


def test_handle_times_are_learnt_from_connect_to_free() -> None:
    pacer = Pacer(PacingSettings())
    pacer.apply(ev.AgentFree("a1", 0.0))
    for i in range(40):
        t = i * 100.0
        pacer.apply(ev.Dialled(f"c{i}", t))
        pacer.apply(ev.Person(f"c{i}", t + 5))
        pacer.apply(ev.Connected(f"c{i}", "a1", t + 5))
        pacer.apply(ev.AgentFree("a1", t + 65))
    curve = pacer.handle.curve()
    assert curve is not None and curve.mean() == pytest.approx(60.0)


def test_progressive_dials_one_line_per_unclaimed_free_agent() -> None:
    dialler = Progressive()
    for agent in ("a1", "a2", "a3"):
        dialler.apply(ev.AgentFree(agent, 0.0))
    dialler.apply(ev.Dialled("c1", 0.0))
    assert dialler.decide(0.0).dial == 2


def answers(dialler: VicidialAdaptHardLimit, calls: range, dropped: int, at: float) -> None:
    """People answer; the first ``dropped`` are abandoned, the rest talk to agent a0."""
    for i in calls:
        dialler.apply(ev.Dialled(f"c{i}", at))
        dialler.apply(ev.Person(f"c{i}", at))
        if i < dropped:
            dialler.apply(ev.Abandoned(f"c{i}", at))
        else:
            dialler.apply(ev.Connected(f"c{i}", "a0", at))
            dialler.apply(ev.AgentFree("a0", at))


def vicidial_with(agents: int) -> VicidialAdaptHardLimit:
    dialler = VicidialAdaptHardLimit(limit=0.03, period_seconds=86400.0)
    for i in range(agents):
        dialler.apply(ev.AgentFree(f"a{i}", 0.0))
    return dialler


def test_vicidial_raises_its_level_while_agents_sit_ready() -> None:
    dialler = vicidial_with(4)
    dialler.decide(0.0)
    dialler.decide(ADAPT_SECONDS)  # 15 s of 4 ready of 4: level x (1 + 1), clamped to 3
    assert dialler.level == 2.0
    dialler.decide(2 * ADAPT_SECONDS)
    assert dialler.level == 3.0


def test_vicidial_keeps_level_times_agents_lines_up() -> None:
    dialler = vicidial_with(4)
    dialler.level = 2.5
    assert dialler.decide(1.0).dial == 10


def test_vicidial_checks_drops_only_after_fifty_answers_then_halves() -> None:
    dialler = vicidial_with(4)
    dialler.level = 3.0
    answers(dialler, range(49), 2, 1.0)
    for _ in range(3):
        dialler.decide(ADAPT_SECONDS)
    assert dialler.level == 3.0  # 49 answers: not checked yet (and agents are ready)
    answers(dialler, range(49, 50), 2, 2.0)
    dialler.decide(2 * ADAPT_SECONDS)  # 2 of 50 = 4%: over 3%, under 6%: halved
    assert dialler.level == 1.5


def test_vicidial_resets_to_one_when_far_over_the_limit() -> None:
    dialler = vicidial_with(2)
    dialler.level = 3.0
    answers(dialler, range(50), 10, 1.0)
    dialler.decide(ADAPT_SECONDS)
    assert dialler.level == 1.0


def test_the_error_tree_in_the_docstring_is_the_real_one() -> None:
    drawn = {
        name: (int(status), error_id)
        for name, status, error_id in re.findall(r"(\w+)\s+(\d{3}) ([a-z-]+)", errors.__doc__ or "")
    }
    real = {
        cls.__name__: (cls.status, cls.error_id)
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.DialerError)
    }
    assert drawn == real
    assert all(issubclass(cls, errors.DialerError) for cls in (UnknownAgent, UnknownCall))
