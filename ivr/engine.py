"""The pure IVR engine: ``start`` and ``step`` take a state and an input, give a new state and
the actions a runtime carries out. No I/O, no clock of its own (``now`` is passed in).

A runtime performs the actions in order. The last one of a step may wait for the caller or
the outside world (``AskMenu``, ``AskDigits``, ``Lookup``, ``CallWebhook``); its answer
(``Digits``, ``Looked``, ``Fetched``) is the next ``step``'s input. A step whose state has an
``ending`` is the last: the runtime hands the call over (queue, callback, voicemail) or hangs
up. Every node entered counts one step; past the flow's ``max_steps`` the call goes to
``on_limit`` (or hangs up), so every call ends within a bounded number of steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ivr import nodes
from ivr.state import (
    Action,
    Bundle,
    CallState,
    End,
    Frame,
    Reply,
    SetVariables,
    Step,
)


def start(
    bundle: Bundle,
    call_id: str,
    caller: str | None,
    now: float,
    variables: Mapping[str, str] | None = None,
) -> Step:
    first = {**(variables or {}), "IVR_FLOW": bundle.label}
    state = CallState(call_id, caller, (Frame(bundle.main.name),), bundle.main.start)
    state = state.with_vars(first)
    actions: list[Action] = [SetVariables((("IVR_FLOW", bundle.label),))]
    return _advance(bundle, now, actions, nodes.Go(bundle.main.start, state))


def step(bundle: Bundle, state: CallState, reply: Reply, now: float) -> Step:
    if state.ending is not None:
        return state, ()
    actions: list[Action] = []
    node = bundle.flow(state.flow).nodes[state.node]
    outcome = nodes.reply(node, state, reply, nodes.Context(bundle, now, actions))
    return _advance(bundle, now, actions, outcome)


def _advance(bundle: Bundle, now: float, actions: list[Action], outcome: nodes.Outcome) -> Step:
    context = nodes.Context(bundle, now, actions)
    while True:
        match outcome:
            case nodes.Wait(state=state, action=action):
                actions.append(action)
                return state, tuple(actions)
            case nodes.Finish(state=state, end=end):
                return _finish(bundle, state, end, actions)
            case nodes.Go(target=target, state=state):
                state = replace(
                    state,
                    node=target,
                    attempts=0,
                    steps=state.steps + 1,
                    path=(*state.path, _where(bundle, state, target)),
                )
                if state.steps > bundle.main.max_steps:
                    outcome = _limit(bundle, state, context)
                    continue
                node = bundle.flow(state.flow).nodes[target]
                outcome = nodes.enter(node, state.noted(node.note), context)


def _where(bundle: Bundle, state: CallState, target: str) -> str:
    return target if state.flow == bundle.main.name else f"{state.flow}/{target}"


def _limit(bundle: Bundle, state: CallState, context: nodes.Context) -> nodes.Outcome:
    limit = bundle.main.on_limit
    state = state.noted("went round too long")
    if limit is None or bundle.main.nodes[limit].type == "return":
        return nodes.Finish(state, End("hangup", reason="step-limit"))
    state = replace(state, stack=state.stack[:1], node=limit)
    return nodes.enter(bundle.main.nodes[limit], state, context)


def _finish(bundle: Bundle, state: CallState, end: End, actions: list[Action]) -> Step:
    extra = {"IVR_SUMMARY": state.summary, "IVR_OUTCOME": end.kind}
    if end.kind in ("queue", "callback") and end.target:
        extra["QUEUE_SELECTED"] = end.target
    if end.kind == "callback":
        extra["IVR_CALLBACK"] = "yes"
    state = replace(state.with_vars(extra), ending=end)
    actions += [SetVariables(tuple(extra.items())), end]
    return state, tuple(actions)
