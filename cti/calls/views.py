"""The JSON view of a call: what the calls routes answer and the desktops are pushed."""

from __future__ import annotations

from typing import Any

from acd.views import iso
from cti.calls.model import Call


def call_view(call: Call) -> dict[str, Any]:
    return {
        "call_id": call.call_id,
        "leg": call.leg,
        "direction": call.direction.value,
        "phase": call.phase.value,
        "caller_number": call.caller_number,
        "caller_name": call.caller_name,
        "dialled": call.dialled,
        "queue": call.queue,
        "agent_id": call.agent_id,
        "offered_at": iso(call.offered_at),
        "queued_at": iso(call.queued_at),
        "ringing_at": iso(call.ringing_at),
        "answered_at": iso(call.answered_at),
        "ended_at": iso(call.ended_at),
        "on_hold": call.on_hold,
        "outcome": call.outcome.value if call.outcome else None,
        "ivr": dict(call.variables),
    }
