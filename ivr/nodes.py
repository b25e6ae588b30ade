"""What each node type does when entered, and with the caller's (or the world's) answer.

``enter(node, state, context)`` and ``reply(node, state, input, context)`` return an outcome:
``Go`` to another node, ``Wait`` for an answer, or ``Finish`` the call. They may append
actions (``Play``, ``SetVariables``) to ``context.actions`` on the way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from ivr import hours
from ivr.expressions import evaluate
from ivr.schema import (
    CallbackNode,
    CollectNode,
    ConditionNode,
    CrmLookupNode,
    HangupNode,
    HoursNode,
    MenuNode,
    Node,
    PlayNode,
    QueueNode,
    ReturnNode,
    SetNode,
    SubflowNode,
    VoicemailNode,
    WebhookNode,
    option_label,
    option_target,
)
from ivr.state import (
    Action,
    AskDigits,
    AskMenu,
    Bundle,
    CallState,
    CallWebhook,
    Digits,
    End,
    Fetched,
    Frame,
    Looked,
    Lookup,
    Play,
    Reply,
    SetVariables,
)


@dataclass(frozen=True, slots=True)
class Context:
    bundle: Bundle
    now: float
    actions: list[Action]

    def set(self, state: CallState, changes: Mapping[str, str]) -> CallState:
        if changes:
            self.actions.append(SetVariables(tuple(changes.items())))
        return state.with_vars(changes)

    def play(self, prompt: str | None, say: str | None) -> None:
        if prompt or say:
            self.actions.append(Play(prompt, say))


@dataclass(frozen=True, slots=True)
class Go:
    target: str
    state: CallState


@dataclass(frozen=True, slots=True)
class Wait:
    state: CallState
    action: Action


@dataclass(frozen=True, slots=True)
class Finish:
    state: CallState
    end: End


Outcome = Go | Wait | Finish


def enter(node: Node, state: CallState, context: Context) -> Outcome:
    handler = _ENTER[type(node)]
    return handler(node, state, context)


def reply(node: Node, state: CallState, answer: Reply, context: Context) -> Outcome:
    handler = _REPLY.get(type(node))
    if handler is None:  # an answer nobody asked for: carry on as if entering afresh
        return enter(node, state, context)
    return handler(node, state, answer, context)


# -- nodes that do not wait -------------------------------------------------------------
def _play(node: PlayNode, state: CallState, context: Context) -> Outcome:
    context.play(node.prompt, node.say)
    return Go(node.next, state)


def _condition(node: ConditionNode, state: CallState, context: Context) -> Outcome:
    variables = state.vars()
    for branch in node.branches:
        if evaluate(branch.when, variables):
            return Go(branch.goto, state)
    return Go(node.otherwise, state)


def _hours(node: HoursNode, state: CallState, context: Context) -> Outcome:
    now = hours.status(node, context.now)
    if now == "open":
        return Go(node.if_open, state)
    if now == "holiday":
        return Go(node.if_holiday or node.if_closed, state.noted("called on a holiday"))
    return Go(node.if_closed, state.noted("called out of hours"))


_REFERENCE = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


def _set(node: SetNode, state: CallState, context: Context) -> Outcome:
    variables = state.vars()
    changes = {
        name: _REFERENCE.sub(lambda m: variables.get(m.group(1), ""), value)
        for name, value in node.variables.items()
    }
    if node.skills:
        skills = dict(_skills(variables.get("SB_SKILLS", "")))
        skills.update({name: str(level) for name, level in node.skills.items()})
        changes["SB_SKILLS"] = ",".join(f"{k}:{v}" for k, v in sorted(skills.items()))
    if node.priority is not None:
        changes["SB_PRIORITY"] = str(node.priority)
    if node.language:
        changes["SB_LANGUAGE"] = node.language
    return Go(node.next, context.set(state, changes))


def _skills(raw: str) -> list[tuple[str, str]]:
    pairs = (part.strip().rpartition(":") for part in raw.split(",") if part.strip())
    return [(name, level) for name, _, level in pairs if name]


def _subflow(node: SubflowNode, state: CallState, context: Context) -> Outcome:
    sub = context.bundle.flow(node.flow)
    stack = (*state.stack, Frame(sub.name, resume=node.next))
    return Go(sub.start, replace(state, stack=stack))


def _return(node: Node, state: CallState, context: Context) -> Outcome:
    if len(state.stack) == 1:
        return Finish(state, End("hangup", reason="return"))
    resume = state.stack[-1].resume
    assert resume is not None  # every subflow frame is pushed with where to resume
    return Go(resume, replace(state, stack=state.stack[:-1]))


def _queue(node: QueueNode, state: CallState, context: Context) -> Outcome:
    context.play(node.prompt, node.say)
    return Finish(state, End("queue", node.queue))


def _voicemail(node: VoicemailNode, state: CallState, context: Context) -> Outcome:
    context.play(node.prompt, node.say)
    return Finish(state.noted("left a voicemail"), End("voicemail", node.mailbox))


def _hangup(node: HangupNode, state: CallState, context: Context) -> Outcome:
    context.play(node.prompt, node.say)
    return Finish(state, End("hangup"))


# -- nodes that wait --------------------------------------------------------------------
def _menu(node: MenuNode, state: CallState, context: Context) -> Outcome:
    return Wait(state, AskMenu(node.prompt, node.say, "".join(node.options), node.timeout))


def _menu_reply(node: MenuNode, state: CallState, answer: Reply, context: Context) -> Outcome:
    digit = answer.value[:1] if isinstance(answer, Digits) else ""
    option = node.options.get(digit)
    if option is None:
        return _retry(node, state, context, "made no valid choice")
    state = state.noted(f"chose {option_label(option)}")
    if node.variable:
        state = context.set(state, {node.variable: digit})
    return Go(option_target(option), state)


def _collect(node: CollectNode, state: CallState, context: Context) -> Outcome:
    ask = AskDigits(node.prompt, node.say, node.max_digits, node.terminator, node.timeout)
    return Wait(state, ask)


def _collect_reply(node: CollectNode, state: CallState, answer: Reply, context: Context) -> Outcome:
    raw = answer.value if isinstance(answer, Digits) else ""
    if node.terminator and node.terminator in raw:
        raw = raw.split(node.terminator, 1)[0]
    if not _acceptable(node, raw):
        return _retry(node, state, context, f"entered no valid {node.label}")
    shown = "*" * len(raw) if node.mask else raw
    state = state.noted(f"entered {node.label} {shown}")
    return Go(node.next, context.set(state, {node.variable: raw}))


def _acceptable(node: CollectNode, digits: str) -> bool:
    if not (digits.isdigit() and node.min_digits <= len(digits) <= node.max_digits):
        return False
    if node.regex is not None and re.fullmatch(node.regex, digits) is None:
        return False
    return not node.luhn or luhn_valid(digits)


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char) * (2 if i % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _retry(
    node: MenuNode | CollectNode, state: CallState, context: Context, failure: str
) -> Outcome:
    if state.attempts < node.retries:
        context.play(node.invalid_prompt, None)
        state = replace(state, attempts=state.attempts + 1)
        return enter(node, state, context)
    state = state.noted(failure)
    if node.invalid is None:
        return Finish(state, End("hangup", reason="no-valid-input"))
    return Go(node.invalid, state)


def _callback(node: CallbackNode, state: CallState, context: Context) -> Outcome:
    return Wait(state, AskMenu(node.prompt, node.say, node.accept, node.timeout))


def _callback_reply(
    node: CallbackNode, state: CallState, answer: Reply, context: Context
) -> Outcome:
    if isinstance(answer, Digits) and answer.value[:1] == node.accept:
        return Finish(state.noted("asked for a callback"), End("callback", node.queue))
    return Go(node.declined, state.noted("declined a callback"))


def _lookup(node: CrmLookupNode, state: CallState, context: Context) -> Outcome:
    key = state.caller if node.by == "caller" else state.vars().get(node.variable)
    if not key:
        return _not_found(node, state)
    return Wait(state, Lookup(node.by, key if node.by == "caller" else node.prefix + key))


def _lookup_reply(
    node: CrmLookupNode, state: CallState, answer: Reply, context: Context
) -> Outcome:
    if not (isinstance(answer, Looked) and answer.found):
        return _not_found(node, state)
    state = context.set(state, dict(answer.variables))
    return Go(node.found, state.noted("verified" if node.by == "account" else "identified"))


def _not_found(node: CrmLookupNode, state: CallState) -> Outcome:
    """An unknown caller is no news; an account that does not check out is."""
    return Go(node.not_found, state.noted("not verified") if node.by == "account" else state)


def _webhook(node: WebhookNode, state: CallState, context: Context) -> Outcome:
    variables = state.vars()
    payload = tuple((name, variables.get(name, "")) for name in node.send)
    return Wait(state, CallWebhook(node.url, node.method, payload, node.timeout))


def _webhook_reply(node: WebhookNode, state: CallState, answer: Reply, context: Context) -> Outcome:
    values = dict(answer.values) if isinstance(answer, Fetched) and answer.ok else None
    if values is None or any(key not in values for key in node.assign.values()):
        return Go(node.fallback, state)
    changes = {name: values[key] for name, key in node.assign.items()}
    return Go(node.next, context.set(state, changes))


_ENTER: dict[type, Callable[..., Outcome]] = {
    PlayNode: _play,
    MenuNode: _menu,
    CollectNode: _collect,
    CrmLookupNode: _lookup,
    ConditionNode: _condition,
    HoursNode: _hours,
    SetNode: _set,
    QueueNode: _queue,
    CallbackNode: _callback,
    VoicemailNode: _voicemail,
    WebhookNode: _webhook,
    SubflowNode: _subflow,
    HangupNode: _hangup,
    ReturnNode: _return,
}
_REPLY: dict[type, Callable[..., Outcome]] = {
    MenuNode: _menu_reply,
    CollectNode: _collect_reply,
    CallbackNode: _callback_reply,
    CrmLookupNode: _lookup_reply,
    WebhookNode: _webhook_reply,
}
