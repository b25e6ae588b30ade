"""The pure engine, node type by node type: inputs in, state and actions out."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ivr import engine
from ivr.nodes import luhn_valid
from ivr.schema import parse_flow
from ivr.state import (
    AskDigits,
    AskMenu,
    Bundle,
    CallState,
    CallWebhook,
    Digits,
    End,
    Fetched,
    Looked,
    Lookup,
    Play,
    Reply,
    SetVariables,
    Step,
)

NOW = 1_800_000_000.0  # a Friday, 2027-01-15 08:00 UTC


def bundle(nodes: dict[str, Any], start: str | None = None, **extra: Any) -> Bundle:
    data = {"name": "t", "start": start or next(iter(nodes)), "nodes": nodes, **extra}
    subflows = extra.pop("subflows", {}) if "subflows" in extra else {}
    data.pop("subflows", None)
    return Bundle(parse_flow(data), 1, {k: parse_flow(v) for k, v in subflows.items()})


def run(b: Bundle, *replies: Reply, now: float = NOW, caller: str | None = "+1555") -> Step:
    state, actions = engine.start(b, "c1", caller, now)
    for reply in replies:
        state, actions = engine.step(b, state, reply, now)
    return state, actions


def ended(state: CallState) -> End:
    assert state.ending is not None, f"still waiting at {state.node}"
    return state.ending


HANGUP = {"type": "hangup"}
MENU = {
    "type": "menu",
    "prompt": "menu",
    "options": {"1": {"target": "sales", "label": "Sales"}, "2": "bye"},
    "retries": 2,
    "timeout": 3,
    "invalid_prompt": "try-again",
    "invalid": "fallback",
    "variable": "IVR_MENU",
}
Q = {"type": "queue", "queue": "sales"}


def test_play_plays_then_goes_on_and_hangup_ends_the_call() -> None:
    state, actions = run(bundle({"hi": {"type": "play", "say": "Hello", "next": "bye"},
                                 "bye": {"type": "hangup", "prompt": "goodbye"}}))  # fmt: skip
    assert Play(None, "Hello") in actions and Play("goodbye", None) in actions
    assert ended(state) == End("hangup") and state.path == ("hi", "bye")


def test_a_menu_choice_sets_its_variable_notes_the_label_and_routes() -> None:
    b = bundle({"m": MENU, "sales": Q, "bye": HANGUP, "fallback": HANGUP})
    state, actions = run(b)
    assert actions[-1] == AskMenu("menu", None, "12", 3.0)
    state, actions = run(b, Digits("1"))
    assert ended(state) == End("queue", "sales")
    assert state.vars()["IVR_MENU"] == "1" and state.vars()["QUEUE_SELECTED"] == "sales"
    assert state.summary == "chose Sales"


def test_a_menu_retries_on_invalid_input_and_timeouts_then_takes_the_invalid_branch() -> None:
    b = bundle({"m": MENU, "sales": Q, "bye": HANGUP, "fallback": Q})
    state, actions = run(b, Digits("9"))
    assert state.node == "m" and state.attempts == 1
    assert actions == (Play("try-again", None), AskMenu("menu", None, "12", 3.0))
    state, _ = run(b, Digits("9"), Digits(""))
    assert state.attempts == 2 and state.ending is None
    state, _ = run(b, Digits("9"), Digits(""), Digits("7"))
    assert ended(state).kind == "queue" and state.path == ("m", "fallback")
    assert "made no valid choice" in state.summary


def test_a_menu_without_an_invalid_branch_hangs_up_when_retries_are_spent() -> None:
    b = bundle({"m": {**MENU, "invalid": None, "retries": 0}, "sales": Q, "bye": HANGUP,
                "fallback": HANGUP}, start="m")  # fmt: skip
    state, _ = run(b, Digits(""))
    assert ended(state) == End("hangup", reason="no-valid-input")


COLLECT = {
    "type": "collect",
    "prompt": "account",
    "variable": "IVR_ACCOUNT",
    "label": "account",
    "min_digits": 4,
    "max_digits": 8,
    "regex": "[1-9][0-9]*",
    "retries": 1,
    "next": "done",
    "invalid": "bad",
}


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [("1234#", True), ("12345678", True), ("123#", False), ("0123#", False), ("12a4#", False),
     ("", False), ("123456789#", False)],
)  # fmt: skip
def test_collect_checks_length_terminator_and_regex(typed: str, accepted: bool) -> None:
    b = bundle({"c": COLLECT, "done": Q, "bad": HANGUP})
    state, actions = run(b, Digits(typed))
    if accepted:
        assert ended(state).kind == "queue"
        assert state.vars()["IVR_ACCOUNT"] == typed.rstrip("#")
        assert f"entered account {typed.rstrip('#')}" in state.summary
    else:
        assert state.ending is None and state.attempts == 1
        assert actions[-1] == AskDigits("account", None, 8, "#", 5.0)


def test_collect_goes_to_its_invalid_branch_after_the_retries_and_luhn_is_checked() -> None:
    b = bundle({"c": {**COLLECT, "regex": None, "luhn": True, "max_digits": 19, "mask": True},
                "done": Q, "bad": HANGUP})  # fmt: skip
    state, _ = run(b, Digits("4111111111111112#"), Digits(""))
    assert state.path == ("c", "bad") and ended(state).kind == "hangup"
    state, _ = run(b, Digits("4111111111111111#"))
    assert ended(state).kind == "queue" and "entered account ****************" in state.summary
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")


def test_crm_lookup_by_caller_and_by_account_sets_crm_variables() -> None:
    b = bundle({"who": {"type": "crm_lookup", "by": "caller", "found": "acct", "not_found": "acct"},
                "acct": {"type": "crm_lookup", "by": "account", "variable": "IVR_ACCOUNT",
                         "found": "vip", "not_found": "bye"},
                "vip": Q, "bye": HANGUP})  # fmt: skip
    state, actions = run(b)
    assert actions[-1] == Lookup("caller", "+1555")
    state, _ = run(b, Looked(True, (("CRM_TIER", "gold"),)))
    assert state.path == ("who", "acct", "bye")  # no account entered: not found, no lookup
    assert state.vars()["CRM_TIER"] == "gold" and "identified" in state.summary
    state, _ = run(b, Looked(False))
    assert "identified" not in state.summary and "not verified" in state.summary


def test_condition_evaluates_branches_in_order_with_the_safe_evaluator() -> None:
    b = bundle({
        "s": {"type": "set", "variables": {"IVR_X": "7"}, "next": "c"},
        "c": {"type": "condition", "branches": [
            {"when": "IVR_X > 10", "goto": "big"},
            {"when": "IVR_X in ['6', '7'] and not CRM_TIER", "goto": "seven"}],
            "otherwise": "big"},
        "big": HANGUP, "seven": Q})  # fmt: skip
    state, _ = run(b)
    assert state.path == ("s", "c", "seven")


HOURS = {
    "type": "hours",
    "timezone": "America/Chicago",
    "holidays": "US",
    "open": {"mon": ["08:00-18:00"], "fri": ["08:00-12:00", "13:00-17:00"]},
    "closed_dates": ["2027-01-18"],
    "if_open": "open",
    "if_closed": "closed",
    "if_holiday": "holiday",
}


@pytest.mark.parametrize(
    ("local", "where"),
    [("2027-01-15 09:30", "open"), ("2027-01-15 12:30", "closed"), ("2027-01-16 10:00", "closed"),
     ("2027-01-18 10:00", "holiday"), ("2027-07-05 10:00", "holiday"),
     ("2027-01-11 07:59", "closed"), ("2027-07-12 10:00", "open")],
)  # fmt: skip
def test_business_hours_follow_the_time_zone_and_holidays(local: str, where: str) -> None:
    b = bundle({"h": HOURS, "open": Q, "closed": HANGUP, "holiday": HANGUP})
    when = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("America/Chicago"))
    state, _ = run(b, now=when.timestamp())
    assert state.path[-1] == where


def test_set_writes_variables_skills_priority_and_language_for_the_acd() -> None:
    b = bundle({"a": {"type": "set", "skills": {"billing": 3}, "next": "b"},
                "b": {"type": "set", "variables": {"IVR_NOTE": "acct {IVR_MISSING}x"},
                      "skills": {"lang:de": 1}, "priority": 10, "language": "de", "next": "q"},
                "q": Q})  # fmt: skip
    state, actions = run(b)
    v = state.vars()
    assert v["SB_SKILLS"] == "billing:3,lang:de:1" and v["SB_PRIORITY"] == "10"
    assert v["SB_LANGUAGE"] == "de" and v["IVR_NOTE"] == "acct x"
    assert any(
        isinstance(a, SetVariables) and ("SB_PRIORITY", "10") in a.variables for a in actions
    )


def test_callback_offer_accepted_ends_as_a_callback_and_declined_goes_on() -> None:
    b = bundle({"cb": {"type": "callback", "say": "Press 1", "queue": "sales", "declined": "q"},
                "q": Q})  # fmt: skip
    state, _ = run(b, Digits("1"))
    assert ended(state) == End("callback", "sales") and state.vars()["IVR_CALLBACK"] == "yes"
    state, _ = run(b, Digits(""))
    assert ended(state) == End("queue", "sales") and "declined a callback" in state.summary


def test_voicemail_ends_the_call_in_the_box() -> None:
    state, _ = run(bundle({"vm": {"type": "voicemail", "mailbox": "1000@default"}}))
    assert ended(state) == End("voicemail", "1000@default")


def test_a_webhook_assigns_its_answer_and_a_failure_or_missing_key_takes_the_fallback() -> None:
    b = bundle({"s": {"type": "set", "variables": {"IVR_ACCOUNT": "42"}, "next": "w"},
                "w": {"type": "webhook", "url": "http://crm.local/balance", "send": ["IVR_ACCOUNT"],
                      "assign": {"IVR_BALANCE": "balance"}, "next": "ok", "fallback": "ko"},
                "ok": HANGUP, "ko": Q})  # fmt: skip
    state, actions = run(b)
    assert actions[-1] == CallWebhook(
        "http://crm.local/balance", "POST", (("IVR_ACCOUNT", "42"),), 2.0
    )
    state, _ = run(b, Fetched(True, (("balance", "12.50"),)))
    assert state.path[-1] == "ok" and state.vars()["IVR_BALANCE"] == "12.50"
    assert run(b, Fetched(False, error="timeout"))[0].path[-1] == "ko"
    assert run(b, Fetched(True, (("other", "1"),)))[0].path[-1] == "ko"


def test_a_subflow_runs_and_returns_to_the_parent() -> None:
    sub = {"name": "verify", "start": "ask", "nodes": {
        "ask": {"type": "menu", "say": "Press 1", "options": {"1": "back"}, "invalid": "back"},
        "back": {"type": "return"}}}  # fmt: skip
    b = bundle({"go": {"type": "subflow", "flow": "verify", "next": "q"}, "q": Q},
               subflows={"verify": sub})  # fmt: skip
    state, _ = run(b)
    assert state.flow == "verify" and state.node == "ask"
    state, _ = run(b, Digits("1"))
    assert ended(state).kind == "queue" and state.path == ("go", "verify/ask", "verify/back", "q")


def test_a_flow_that_goes_round_too_long_ends_at_its_limit_node() -> None:
    b = bundle({"m": {"type": "menu", "say": "again?", "options": {"9": "p"}},
                "p": {"type": "play", "say": "once more", "next": "m"}, "q": Q},
               max_steps=5, on_limit="q")  # fmt: skip
    state, _ = run(b, *[Digits("9")] * 10)
    assert ended(state) == End("queue", "sales") and "went round too long" in state.summary
    assert state.steps <= 6
