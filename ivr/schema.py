"""The flow format: a flow is data (YAML or JSON), checked by pydantic, exported as JSON Schema.

A flow names its ``start`` node and maps node names to nodes; each node has a ``type``.
Targets (``next``, ``options``, ``invalid``...) name other nodes of the same flow. Field
shapes are checked here; what needs the whole flow or the live catalogue (targets that exist,
reachability, loops, queues and skills) is checked by ``ivr.validate``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ivr.errors import InvalidFlow

NodeName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
FlowName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,63}$")]
VarName = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")]
Dtmf = Annotated[str, Field(pattern=r"^[0-9*#]$")]
Seconds = Annotated[float, Field(gt=0, le=120)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
SkillName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_:.-]{0,31}$")]


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, max_length=200, description="Text added to the journey")


class _Prompted(_Node):
    prompt: str | None = Field(None, max_length=200, description="A sound file (no extension)")
    say: str | None = Field(None, max_length=1000, description="Text for TTS where available")


class PlayNode(_Prompted):
    type: Literal["play"]
    next: NodeName


class MenuOption(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: NodeName
    label: str | None = Field(None, max_length=64, description="Shown as 'chose <label>'")


class MenuNode(_Prompted):
    type: Literal["menu"]
    options: dict[Dtmf, MenuOption | NodeName] = Field(min_length=1)
    timeout: Seconds = 5.0
    retries: int = Field(2, ge=0, le=5)
    invalid: NodeName | None = Field(None, description="Where to go once retries are spent")
    invalid_prompt: str | None = Field(None, max_length=200)
    variable: VarName | None = Field(None, description="Stores the digit chosen")


class CollectNode(_Prompted):
    type: Literal["collect"]
    variable: VarName
    label: str = Field("digits", max_length=64, description="Shown as 'entered <label> 1234'")
    min_digits: int = Field(1, ge=1, le=32)
    max_digits: int = Field(16, ge=1, le=32)
    terminator: Literal["#", "*"] | None = "#"
    timeout: Seconds = 5.0
    retries: int = Field(2, ge=0, le=5)
    regex: str | None = Field(None, max_length=200)
    luhn: bool = False
    mask: bool = Field(False, description="Keep the digits out of the journey text")
    next: NodeName
    invalid: NodeName | None = None
    invalid_prompt: str | None = Field(None, max_length=200)


class CrmLookupNode(_Node):
    type: Literal["crm_lookup"]
    by: Literal["caller", "account"] = "caller"
    variable: VarName = Field("IVR_ACCOUNT", description="The account number, for by: account")
    prefix: str = Field("", max_length=16, description="Put before the digits: AC + 1234")
    found: NodeName
    not_found: NodeName


class Branch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    when: str = Field(max_length=500, description="e.g. CRM_TIER == 'vip' and IVR_MENU in ['1']")
    goto: NodeName


class ConditionNode(_Node):
    type: Literal["condition"]
    branches: list[Branch] = Field(min_length=1, max_length=20)
    otherwise: NodeName


class HoursNode(_Node):
    type: Literal["hours"]
    timezone: str = Field(max_length=64, description="IANA name, e.g. America/Chicago")
    open: dict[Weekday, list[str]] = Field(description="Day to 'HH:MM-HH:MM' ranges")
    holidays: str | None = Field(None, description="Country, or country-subdivision: US, DE-BY")
    closed_dates: list[date] = Field(default_factory=list, max_length=366)
    if_open: NodeName
    if_closed: NodeName
    if_holiday: NodeName | None = Field(None, description="Defaults to if_closed")


class SetNode(_Node):
    type: Literal["set"]
    variables: dict[VarName, str] = Field(default_factory=dict, description="'{VAR}' expands")
    skills: dict[SkillName, Annotated[int, Field(ge=1, le=5)]] = Field(default_factory=dict)
    priority: int | None = Field(None, ge=-1000, le=1000)
    language: str | None = Field(None, pattern=r"^[a-z]{2}$")
    next: NodeName


class QueueNode(_Prompted):
    type: Literal["queue"]
    queue: str = Field(max_length=64)


class CallbackNode(_Prompted):
    type: Literal["callback"]
    queue: str = Field(max_length=64, description="Where the caller keeps their place")
    accept: Dtmf = "1"
    timeout: Seconds = 5.0
    declined: NodeName


class VoicemailNode(_Prompted):
    type: Literal["voicemail"]
    mailbox: str = Field(max_length=64, pattern=r"^[A-Za-z0-9@._-]+$")


class WebhookNode(_Node):
    type: Literal["webhook"]
    url: str = Field(pattern=r"^https?://", max_length=500)
    method: Literal["GET", "POST"] = "POST"
    timeout: float = Field(2.0, gt=0, le=10)
    send: list[VarName] = Field(default_factory=list, description="Variables sent as JSON")
    assign: dict[VarName, str] = Field(default_factory=dict, description="VAR: response key")
    next: NodeName
    fallback: NodeName


class SubflowNode(_Node):
    type: Literal["subflow"]
    flow: FlowName
    next: NodeName


class ReturnNode(_Node):
    type: Literal["return"]


class HangupNode(_Prompted):
    type: Literal["hangup"]


Node = Annotated[
    PlayNode
    | MenuNode
    | CollectNode
    | CrmLookupNode
    | ConditionNode
    | HoursNode
    | SetNode
    | QueueNode
    | CallbackNode
    | VoicemailNode
    | WebhookNode
    | SubflowNode
    | ReturnNode
    | HangupNode,
    Field(discriminator="type"),
]

#: Nodes that end the call (``return`` ends a subflow, or the call at the top level).
TERMINAL = frozenset({"queue", "voicemail", "hangup", "return"})
#: Nodes that wait for the caller: a loop through none of them would spin without input.
WAITING = frozenset({"menu", "collect", "callback"})


class Flow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: FlowName
    description: str = Field("", max_length=500)
    start: NodeName
    nodes: dict[NodeName, Node] = Field(min_length=1, max_length=500)
    max_steps: int = Field(60, ge=5, le=1000, description="Nodes one call may pass through")
    on_limit: NodeName | None = Field(None, description="A terminal node for calls at the limit")
    simulation: dict[NodeName, dict[str, float]] = Field(
        default_factory=dict,
        description="Per waiting node, answers ('2', '1234#', '' = silence, 'hangup') to weights",
    )


_TARGET_FIELDS = (
    "next",
    "invalid",
    "found",
    "not_found",
    "otherwise",
    "if_open",
    "if_closed",
    "if_holiday",
    "declined",
    "fallback",
)


def targets(node: Node) -> list[tuple[str, str]]:
    """Every ``(field path, target node)`` a node may go to."""
    found: list[tuple[str, str]] = []
    for field in _TARGET_FIELDS:
        value = getattr(node, field, None)
        if isinstance(value, str):
            found.append((field, value))
    if isinstance(node, MenuNode):
        found += [(f"options.{d}", option_target(o)) for d, o in node.options.items()]
    if isinstance(node, ConditionNode):
        found += [(f"branches.{i}.goto", b.goto) for i, b in enumerate(node.branches)]
    return found


def option_target(option: MenuOption | str) -> str:
    return option if isinstance(option, str) else option.target


def option_label(option: MenuOption | str) -> str:
    return option if isinstance(option, str) else (option.label or option.target)


def parse_flow(data: Any) -> Flow:
    """A ``Flow`` from plain data; every problem is reported as ``path: message``."""
    try:
        return Flow.model_validate(data)
    except ValidationError as exc:
        raise InvalidFlow(_problems(exc), name=_name_of(data)) from None


def load_text(text: str) -> Any:
    """YAML or JSON text to plain data (JSON is YAML); a syntax error is an ``InvalidFlow``."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidFlow([f"(file): not YAML or JSON: {exc}"]) from None


def load_file(path: Path) -> Flow:
    return parse_flow(load_text(path.read_text(encoding="utf-8")))


def json_schema() -> dict[str, Any]:
    schema = Flow.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Switchboard IVR flow"
    return schema


def dump(flow: Flow) -> dict[str, Any]:
    return flow.model_dump(mode="json", exclude_none=True)


def _problems(exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors():
        loc = [str(p) for p in error["loc"]]
        if len(loc) >= 3 and loc[0] == "nodes" and loc[2] in _TYPE_TAGS:
            del loc[2]  # the union tag pydantic inserts
        path = ".".join(p for p in loc if p not in ("MenuOption", "str")) or "(flow)"
        problems.append(f"{path}: {error['msg']}")
    return list(dict.fromkeys(problems))


_TYPE_TAGS = frozenset(
    {
        "play",
        "menu",
        "collect",
        "crm_lookup",
        "condition",
        "hours",
        "set",
        "queue",
        "callback",
        "voicemail",
        "webhook",
        "subflow",
        "return",
        "hangup",
    }
)


def _name_of(data: Any) -> str | None:
    return data.get("name") if isinstance(data, Mapping) else None


def to_json(flow: Flow) -> str:
    return json.dumps(dump(flow), indent=2)
