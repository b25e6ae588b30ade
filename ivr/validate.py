"""Whole-flow checks, each problem as ``path: message``.

- every target names a node of the flow (``nodes.main_menu.options.3: target 'billing' does
  not exist``), and every node is reachable from ``start``;
- no loop passes only through nodes that wait for no input (it would spin for ever);
- play, menu, collect and callback nodes have a prompt (a file or TTS text);
- regular expressions compile, condition expressions are in the safe language;
- queues, skills and subflows exist; subflows do not call each other in a circle;
- webhook URLs go to an allowed host (``SWITCHBOARD_IVR_WEBHOOK_HOSTS``);
- opening hours parse, the time zone and the holiday calendar exist;
- ``on_limit`` is a node that ends the call; the simulation names waiting nodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from ivr import hours
from ivr.expressions import ExpressionError, compile_expression
from ivr.schema import (
    TERMINAL,
    WAITING,
    CallbackNode,
    CollectNode,
    ConditionNode,
    Flow,
    HoursNode,
    Node,
    QueueNode,
    SetNode,
    SubflowNode,
    WebhookNode,
    targets,
)
from ivr.webhook import HostAllowList

NEEDS_PROMPT = frozenset({"play", "menu", "collect", "callback"})


@dataclass(frozen=True, slots=True)
class Catalogue:
    """What a flow may name: live queues and skills, and the other (active) flows."""

    queues: frozenset[str] = frozenset()
    skills: frozenset[str] = frozenset()
    flows: Mapping[str, Flow] = field(default_factory=dict)
    strict: bool = True  # False: names of queues, skills and flows are not checked
    webhook_hosts: HostAllowList | None = None  # None: webhook hosts are not checked


def problems(flow: Flow, catalogue: Catalogue) -> list[str]:
    found = [*_structure(flow), *_nodes(flow, catalogue), *_subflow_cycles(flow, catalogue)]
    return [f"{path}: {message}" for path, message in found]


def _structure(flow: Flow) -> Iterator[tuple[str, str]]:
    if flow.start not in flow.nodes:
        yield "start", f"node {flow.start!r} does not exist"
    for name, node in flow.nodes.items():
        for path, target in targets(node):
            if target not in flow.nodes:
                yield f"nodes.{name}.{path}", f"target {target!r} does not exist"
    if flow.on_limit is not None:
        limit = flow.nodes.get(flow.on_limit)
        if limit is None:
            yield "on_limit", f"target {flow.on_limit!r} does not exist"
        elif limit.type not in TERMINAL:
            yield "on_limit", f"{flow.on_limit!r} is a {limit.type} node; it must end the call"
    reachable = _reachable(flow)
    for name in flow.nodes:
        if name not in reachable:
            yield f"nodes.{name}", f"unreachable from start {flow.start!r}"
    yield from _loops_without_input(flow)
    for name in flow.simulation:
        waiting = flow.nodes.get(name)
        if waiting is None or waiting.type not in WAITING:
            yield f"simulation.{name}", "not a node that waits for the caller"


def _reachable(flow: Flow) -> set[str]:
    seen, todo = set(), [flow.start]
    if flow.on_limit:
        todo.append(flow.on_limit)
    while todo:
        name = todo.pop()
        if name in seen or name not in flow.nodes:
            continue
        seen.add(name)
        todo += [target for _, target in targets(flow.nodes[name])]
    return seen


def _loops_without_input(flow: Flow) -> Iterator[tuple[str, str]]:
    """Cycles in the graph of nodes that do not wait for the caller (white-grey-black DFS)."""
    spinning = {n: node for n, node in flow.nodes.items() if node.type not in WAITING}
    colour: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(name: str, trail: list[str]) -> Iterator[tuple[str, str]]:
        colour[name] = 1
        trail.append(name)
        for _, target in targets(spinning[name]):
            if target not in spinning:
                continue
            if colour.get(target) == 1:
                loop = trail[trail.index(target) :]
                if frozenset(loop) not in reported:
                    reported.add(frozenset(loop))
                    shown = " -> ".join([*loop, target])
                    yield f"nodes.{target}", f"loop that waits for no input: {shown}"
            elif target not in colour:
                yield from visit(target, trail)
        trail.pop()
        colour[name] = 2

    for name in spinning:
        if name not in colour:
            yield from visit(name, [])


def _nodes(flow: Flow, catalogue: Catalogue) -> Iterator[tuple[str, str]]:
    for name, node in flow.nodes.items():
        for path, message in _node(node, flow, catalogue):
            yield f"nodes.{name}" + (f".{path}" if path else ""), message


def _node(node: Node, flow: Flow, catalogue: Catalogue) -> Iterator[tuple[str, str]]:
    if node.type in NEEDS_PROMPT and not (getattr(node, "prompt", None) or node.say):  # type: ignore[union-attr]
        yield "prompt", f"a {node.type} node needs a prompt file or text to say"
    if catalogue.strict:
        yield from _names(node, flow, catalogue)
    if isinstance(node, WebhookNode) and catalogue.webhook_hosts is not None:
        refused = catalogue.webhook_hosts.refusal(node.url)
        if refused is not None:
            yield "url", refused
    if isinstance(node, CollectNode):
        yield from _collect(node)
    if isinstance(node, ConditionNode):
        for i, branch in enumerate(node.branches):
            try:
                compile_expression(branch.when)
            except ExpressionError as exc:
                yield f"branches.{i}.when", f"invalid expression: {exc}"
    if isinstance(node, HoursNode):
        yield from hours.check(node)


def _names(node: Node, flow: Flow, catalogue: Catalogue) -> Iterator[tuple[str, str]]:
    if isinstance(node, QueueNode | CallbackNode) and node.queue not in catalogue.queues:
        yield "queue", f"queue {node.queue!r} does not exist"
    if isinstance(node, SetNode):
        for skill in node.skills:
            if skill not in catalogue.skills:
                yield f"skills.{skill}", f"skill {skill!r} does not exist"
        if node.language and f"lang:{node.language}" not in catalogue.skills:
            yield "language", f"skill 'lang:{node.language}' does not exist"
    if isinstance(node, SubflowNode):
        if node.flow == flow.name:
            yield "flow", "a flow cannot run itself as a subflow"
        elif node.flow not in catalogue.flows:
            yield "flow", f"flow {node.flow!r} does not exist or has no active version"


def _collect(node: CollectNode) -> Iterator[tuple[str, str]]:
    if node.min_digits > node.max_digits:
        yield "min_digits", f"{node.min_digits} is more than max_digits {node.max_digits}"
    if node.regex is not None:
        try:
            re.compile(node.regex)
        except re.error as exc:
            yield "regex", f"invalid regular expression: {exc}"


def _subflow_cycles(flow: Flow, catalogue: Catalogue) -> Iterator[tuple[str, str]]:
    flows = {**catalogue.flows, flow.name: flow}

    def calls(name: str) -> list[str]:
        current = flows.get(name)
        if current is None:
            return []
        return [n.flow for n in current.nodes.values() if isinstance(n, SubflowNode)]

    for node_name, node in flow.nodes.items():
        if not isinstance(node, SubflowNode) or node.flow == flow.name:
            continue
        trail, todo = [flow.name, node.flow], [(node.flow, [flow.name, node.flow])]
        seen: set[str] = set()
        while todo:
            current, trail = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            for called in calls(current):
                if called == flow.name:
                    shown = " -> ".join([*trail, called])
                    yield f"nodes.{node_name}.flow", f"subflows call each other: {shown}"
                    todo.clear()
                    break
                todo.append((called, [*trail, called]))
