"""Validation: one test per class of error, each naming the path; the shipped flow is valid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ivr import schema
from ivr.errors import InvalidFlow
from ivr.validate import Catalogue, problems

CATALOGUE = Catalogue(
    frozenset({"sales", "support", "billing"}), frozenset({"sales", "billing", "lang:de"})
)
SHIPPED = Path(__file__).parents[1] / "ivr" / "flows" / "main-menu.yaml"


def base() -> dict[str, Any]:
    return {
        "name": "main",
        "start": "main_menu",
        "nodes": {
            "main_menu": {
                "type": "menu",
                "prompt": "menu",
                "options": {"1": "sales", "2": "billing_q"},
                "invalid": "sales",
            },
            "sales": {"type": "queue", "queue": "sales"},
            "billing_q": {"type": "queue", "queue": "billing"},
        },
    }


def check(data: dict[str, Any], catalogue: Catalogue = CATALOGUE) -> list[str]:
    try:
        flow = schema.parse_flow(data)
    except InvalidFlow as exc:
        return list(exc.problems)
    return problems(flow, catalogue)


def test_the_shipped_flow_and_the_base_flow_are_valid() -> None:
    assert check(base()) == []
    shipped = schema.load_file(SHIPPED)
    catalogue = Catalogue(
        frozenset({"sales", "support", "billing", "retention"}),
        frozenset({"sales", "support", "billing", "retention"}),
    )
    assert problems(shipped, catalogue) == []


def test_a_target_that_does_not_exist_is_named_by_its_path() -> None:
    data = base()
    data["nodes"]["main_menu"]["options"]["3"] = "billing"
    assert check(data) == ["nodes.main_menu.options.3: target 'billing' does not exist"]


def test_an_unknown_start_node_and_an_unreachable_node_are_reported() -> None:
    data = base()
    data["nodes"]["orphan"] = {"type": "hangup"}
    assert check(data) == ["nodes.orphan: unreachable from start 'main_menu'"]
    data["start"] = "nowhere"
    assert "start: node 'nowhere' does not exist" in check(data)


def test_a_loop_that_waits_for_no_input_is_refused() -> None:
    data = base()
    data["nodes"]["sales"] = {"type": "play", "say": "hi", "next": "again"}
    data["nodes"]["again"] = {"type": "condition", "branches": [{"when": "1", "goto": "sales"}],
                              "otherwise": "billing_q"}  # fmt: skip
    assert check(data) == ["nodes.sales: loop that waits for no input: sales -> again -> sales"]


def test_a_loop_through_a_menu_is_allowed() -> None:
    data = base()
    data["nodes"]["sales"] = {"type": "play", "say": "hi", "next": "main_menu"}
    assert check(data) == []


def test_missing_prompts_are_reported() -> None:
    data = base()
    del data["nodes"]["main_menu"]["prompt"]
    assert check(data) == ["nodes.main_menu.prompt: a menu node needs a prompt file or text to say"]


def test_an_invalid_regex_and_an_unsafe_expression_are_reported() -> None:
    data = base()
    data["nodes"]["main_menu"]["options"]["2"] = "acct"
    data["nodes"]["acct"] = {"type": "collect", "say": "account", "variable": "IVR_ACCOUNT",
                             "regex": "[0-9", "next": "cond"}  # fmt: skip
    data["nodes"]["cond"] = {"type": "condition", "otherwise": "sales",
                             "branches": [{"when": "__import__('os').system('x')",
                                           "goto": "billing_q"}]}  # fmt: skip
    found = check(data)
    assert found[0].startswith("nodes.acct.regex: invalid regular expression:")
    assert found[1].startswith("nodes.cond.branches.0.when: invalid expression: call of")


def test_a_queue_a_skill_or_a_subflow_that_does_not_exist_is_reported() -> None:
    data = base()
    data["nodes"]["sales"] = {"type": "set", "skills": {"vip": 2}, "language": "fr",
                              "next": "sub"}  # fmt: skip
    data["nodes"]["sub"] = {"type": "subflow", "flow": "verify", "next": "vip_q"}
    data["nodes"]["vip_q"] = {"type": "queue", "queue": "vip"}
    assert check(data) == [
        "nodes.sales.skills.vip: skill 'vip' does not exist",
        "nodes.sales.language: skill 'lang:fr' does not exist",
        "nodes.sub.flow: flow 'verify' does not exist or has no active version",
        "nodes.vip_q.queue: queue 'vip' does not exist",
    ]


def test_subflows_that_call_each_other_in_a_circle_are_refused() -> None:
    nodes = {"s": {"type": "subflow", "flow": "main", "next": "r"}, "r": {"type": "return"}}
    other = schema.parse_flow({"name": "other", "start": "s", "nodes": nodes})
    data = base()
    data["nodes"]["sales"] = {"type": "subflow", "flow": "other", "next": "billing_q"}
    catalogue = Catalogue(CATALOGUE.queues, CATALOGUE.skills, {"other": other})
    assert check(data, catalogue) == [
        "nodes.sales.flow: subflows call each other: main -> other -> main"
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"type": "dance"}, "nodes.sales: Input tag 'dance' found using 'type'"),
        ({"type": "queue"}, "nodes.sales.queue: Field required"),
        ({"type": "menu", "say": "x", "options": {"12": "sales"}}, "nodes.sales.options.12.[key]"),
        ({"type": "hours", "timezone": "Mars/Olympus", "open": {"mon": ["9-5"]},
          "if_open": "sales", "if_closed": "sales"}, "nodes.sales.timezone: unknown time zone"),
    ],
)  # fmt: skip
def test_shape_errors_name_their_path(change: dict[str, Any], expected: str) -> None:
    data = base()
    data["nodes"]["sales"] = change
    assert any(p.startswith(expected) for p in check(data)), check(data)


def test_the_schema_is_exported_as_json_schema_with_every_node_type() -> None:
    exported = schema.json_schema()
    assert exported["title"] == "Switchboard IVR flow"
    defs = exported["$defs"]
    for node in ("PlayNode", "MenuNode", "CollectNode", "CrmLookupNode", "ConditionNode",
                 "HoursNode", "SetNode", "QueueNode", "CallbackNode", "VoicemailNode",
                 "WebhookNode", "SubflowNode", "HangupNode"):  # fmt: skip
        assert node in defs
