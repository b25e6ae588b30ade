"""Messages a desktop may send over its websocket, validated at the edge."""

from __future__ import annotations

from typing import Annotated, Literal

import orjson
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from cti.errors import SwitchboardError


class InvalidMessage(SwitchboardError):
    error_id = "invalid-message"


class Ping(BaseModel):
    type: Literal["ping"]


class Resync(BaseModel):
    type: Literal["resync"]


class AnswerCall(BaseModel):
    type: Literal["answer"]
    call_id: str = Field(min_length=1, max_length=128)


class HangupCall(BaseModel):
    type: Literal["hangup"]
    call_id: str = Field(min_length=1, max_length=128)


class HoldCall(BaseModel):
    type: Literal["hold"]
    call_id: str = Field(min_length=1, max_length=128)
    on_hold: bool


class SetState(BaseModel):
    type: Literal["set_state"]
    state: Literal["available", "paused", "logged_out"]
    reason: str | None = Field(None, max_length=64)


AgentMessage = Annotated[
    Ping | Resync | AnswerCall | HangupCall | HoldCall | SetState, Field(discriminator="type")
]
_agent_messages: TypeAdapter[AgentMessage] = TypeAdapter(AgentMessage)
AGENT_TYPES = ("ping", "resync", "answer", "hangup", "hold", "set_state")
BOARD_TYPES = ("ping",)


def parse(raw: str | bytes, allowed: tuple[str, ...] = AGENT_TYPES) -> AgentMessage:
    """Parse one client message; raise ``InvalidMessage`` naming what is wrong and where."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidMessage(f"invalid JSON: {exc}", details={"reason": "invalid-json"}) from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise InvalidMessage(
            "a message must be a JSON object with a string 'type'", details={"field": "type"}
        )
    if data["type"] not in allowed:
        raise InvalidMessage(
            f"unknown message type {data['type']!r}; expected one of {', '.join(allowed)}",
            details={"field": "type", "reason": "unknown-message-type"},
        )
    try:
        return _agent_messages.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or "message"
        raise InvalidMessage(f"{where}: {first['msg']}", details={"field": where}) from None
