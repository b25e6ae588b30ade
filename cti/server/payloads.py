"""The JSON shapes pushed to desktops and boards, built from each feature's views."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import orjson

from acd.agents import Agent
from acd.commands import PhoneFailed
from acd.stats import QueueSnapshot
from acd.views import agent_view, alert_view, snapshot_view
from cti.calls.model import Call
from cti.calls.views import call_view
from cti.crm.cards import CallerLookup
from cti.crm.views import lookup_view


def encode(message: dict[str, Any]) -> bytes:
    return orjson.dumps(message, default=_default)


def _default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def pop(call: Call, lookup: CallerLookup | None, sent_at: float) -> bytes:
    return encode(
        {
            "type": "pop",
            "call": call_view(call),
            "customer": lookup_view(lookup),
            "ivr": dict(call.variables),
            "ringing_at": call.ringing_at,
            "sent_at": sent_at,
        }
    )


def call_changed(call: Call, change: str) -> bytes:
    return encode({"type": "call", "change": change, "call": call_view(call)})


def board(
    snapshots: list[QueueSnapshot], agents: list[Agent], alerts: list[PhoneFailed] | None = None
) -> bytes:
    return encode(
        {
            "type": "board",
            "queues": [snapshot_view(s) for s in snapshots],
            "agents": [agent_view(a) for a in agents],
            "alerts": [alert_view(a) for a in alerts or ()],
        }
    )
