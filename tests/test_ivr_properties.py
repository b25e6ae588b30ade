"""A validated flow never gets stuck: whatever the caller presses and whatever the CRM and
webhooks answer, every call ends in a queue, a hangup, a voicemail or a callback within a
bounded number of steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ivr import engine
from ivr.schema import TERMINAL, Flow, parse_flow, targets
from ivr.state import (
    AskDigits,
    AskMenu,
    Bundle,
    CallWebhook,
    Digits,
    Fetched,
    Looked,
    Lookup,
    Reply,
)
from ivr.validate import Catalogue, problems

QUEUES = ["sales", "billing"]
CATALOGUE = Catalogue(frozenset(QUEUES), frozenset({"sales", "billing"}))
SHIPPED = Path(__file__).parents[1] / "ivr" / "flows" / "main-menu.yaml"
ENDINGS = {"queue", "hangup", "voicemail", "callback"}
WAITS = ("menu", "collect", "callback")
OTHERS = ("play", "crm_lookup", "condition", "hours", "set", "webhook")
ENDS = ("queue", "hangup", "voicemail", "return")


@st.composite
def nodes_for(draw: st.DrawFn, names: list[str], i: int) -> dict[str, Any]:
    later, every = names[i + 1 :], names
    kind = draw(st.sampled_from(ENDS if not later else WAITS + OTHERS + ENDS))
    fwd = st.sampled_from(later) if later else st.nothing()
    anywhere = st.sampled_from(every)  # only nodes that wait for the caller may loop back
    match kind:
        case "queue":
            return {"type": "queue", "queue": draw(st.sampled_from(QUEUES))}
        case "voicemail":
            return {"type": "voicemail", "mailbox": "100"}
        case "hangup" | "return":
            return {"type": kind}
        case "play":
            return {"type": "play", "say": "x", "next": draw(fwd)}
        case "menu":
            keys = draw(st.lists(st.sampled_from("0123456789*#"), min_size=1, max_size=4,
                                 unique=True))  # fmt: skip
            return {"type": "menu", "say": "x", "options": {k: draw(anywhere) for k in keys},
                    "retries": draw(st.integers(0, 3)),
                    "invalid": draw(st.none() | anywhere)}  # fmt: skip
        case "collect":
            return {"type": "collect", "say": "x", "variable": "IVR_X", "max_digits": 4,
                    "regex": draw(st.none() | st.just("1.*")), "luhn": draw(st.booleans()),
                    "retries": draw(st.integers(0, 2)), "next": draw(anywhere),
                    "invalid": draw(st.none() | anywhere)}  # fmt: skip
        case "callback":
            return {"type": "callback", "say": "x", "queue": "sales", "declined": draw(anywhere)}
        case "crm_lookup":
            return {"type": "crm_lookup", "by": draw(st.sampled_from(["caller", "account"])),
                    "variable": "IVR_X", "found": draw(fwd), "not_found": draw(fwd)}  # fmt: skip
        case "condition":
            return {"type": "condition", "otherwise": draw(fwd), "branches": [
                {"when": "IVR_X == '1' or CRM_TIER == 'vip'", "goto": draw(fwd)}]}  # fmt: skip
        case "hours":
            return {"type": "hours", "timezone": "Europe/Berlin", "holidays": "DE",
                    "open": {"mon": ["09:00-17:00"]}, "if_open": draw(fwd),
                    "if_closed": draw(fwd)}  # fmt: skip
        case "set":
            return {"type": "set", "skills": {"billing": 2}, "priority": 5, "next": draw(fwd)}
        case _:
            return {"type": "webhook", "url": "http://x/", "assign": {"IVR_B": "b"},
                    "next": draw(fwd), "fallback": draw(fwd)}  # fmt: skip


@st.composite
def flows(draw: st.DrawFn) -> Flow:
    names = [f"n{i}" for i in range(draw(st.integers(1, 9)))]
    nodes = {name: draw(nodes_for(names, i)) for i, name in enumerate(names)}
    data: dict[str, Any] = {"name": "prop", "start": "n0", "nodes": nodes,
                            "max_steps": draw(st.integers(5, 30))}  # fmt: skip
    terminal = [n for n, node in nodes.items() if node["type"] in TERMINAL]
    use_limit: bool = draw(st.booleans())
    if terminal and use_limit:
        data["on_limit"] = draw(st.sampled_from(terminal))
    flow = parse_flow(data)
    reachable = _reachable(flow)  # drop what the draw left unreachable
    flow = flow.model_copy(
        update={"nodes": {n: v for n, v in flow.nodes.items() if n in reachable}}
    )
    assume(problems(flow, CATALOGUE) == [])
    return flow


def _reachable(flow: Flow) -> set[str]:
    seen, todo = set(), [flow.start, *([flow.on_limit] if flow.on_limit else [])]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += [t for _, t in targets(flow.nodes[name])]
    return seen


def answer_for(action: object, data: st.DataObject) -> Reply:
    if isinstance(action, AskMenu | AskDigits):
        return Digits(data.draw(st.text("0123456789*#", max_size=6)))
    if isinstance(action, Lookup):
        return Looked(data.draw(st.booleans()), (("CRM_TIER", "vip"),))
    if isinstance(action, CallWebhook):
        return Fetched(data.draw(st.booleans()), data.draw(st.sampled_from([(), (("b", "1"),)])))
    return Digits("")  # not a waiting action: a runtime would never ask


def assert_ends(bundle: Bundle, data: st.DataObject) -> None:
    now = data.draw(st.floats(1.7e9, 1.9e9))
    state, actions = engine.start(bundle, "p", data.draw(st.none() | st.just("+1555")), now)
    bound = (bundle.main.max_steps + 2) * 6  # every node entered, each re-asked at most 5 times
    for _ in range(bound):
        if state.ending is not None:
            break
        state, actions = engine.step(bundle, state, answer_for(actions[-1], data), now)
    assert state.ending is not None, f"stuck at {state.node} after {bound} inputs"
    assert state.ending.kind in ENDINGS
    assert state.steps <= bundle.main.max_steps + 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(flows(), st.data())
def test_a_validated_flow_always_ends_within_a_bounded_number_of_steps(
    flow: Flow, data: st.DataObject
) -> None:
    assert_ends(Bundle(flow, 1), data)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_the_shipped_main_menu_always_ends_whatever_the_caller_presses(data: st.DataObject) -> None:
    from ivr.schema import load_file

    assert_ends(Bundle(load_file(SHIPPED), 1), data)
