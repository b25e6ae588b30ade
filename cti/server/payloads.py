"""The JSON shapes pushed to desktops and boards. Built here and nowhere else."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import orjson

from acd.agents import Agent
from acd.explain import Explanation
from acd.stats import Counters, QueueSnapshot
from cti.calls.model import Call
from cti.crm.cards import CallerLookup, CustomerCard


def encode(message: dict[str, Any]) -> bytes:
    return orjson.dumps(message, default=_default)


def _default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


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


def card_view(card: CustomerCard) -> dict[str, Any]:
    view = dataclasses.asdict(card)
    view["phones"] = list(card.phones)
    view["recent"] = [dataclasses.asdict(i) for i in card.recent]
    return view


def lookup_view(lookup: CallerLookup | None) -> dict[str, Any]:
    if lookup is None:
        return {"status": "unavailable", "matches": [], "offer_create": False}
    matches = [card_view(c) for c in lookup.matches]
    if lookup.withheld:
        status = "withheld"
    elif not matches:
        status = "unknown"
    elif len(matches) > 1:
        status = "ambiguous"
    else:
        status = "known"
    return {
        "status": status,
        "number": lookup.number_e164 or lookup.number_raw,
        "withheld": lookup.withheld,
        "matches": matches,
        "offer_create": status in ("unknown", "withheld"),
    }


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


def agent_view(agent: Agent) -> dict[str, Any]:
    return {
        "agent_id": agent.agent_id,
        "name": agent.name,
        "state": agent.state.value,
        "since": iso(agent.since),
        "call_id": agent.call_id,
        "queue": agent.queue,
        "pause_reason": agent.pause_reason,
        "pending_pause": agent.pending_pause,
        "skills": dict(agent.skills),
        "calls_taken": agent.calls_taken,
    }


def snapshot_view(snapshot: QueueSnapshot) -> dict[str, Any]:
    return dataclasses.asdict(snapshot)


def board(snapshots: list[QueueSnapshot], agents: list[Agent]) -> bytes:
    return encode(
        {
            "type": "board",
            "queues": [snapshot_view(s) for s in snapshots],
            "agents": [agent_view(a) for a in agents],
        }
    )


def interval_view(queue: str, start: int, counters: Counters) -> dict[str, Any]:
    return {
        "queue": queue,
        "start": iso(start),
        **dataclasses.asdict(counters),
        "service_level": counters.service_level(),
        "service_level_all": counters.service_level_all(),
        "abandon_rate": counters.abandon_rate(),
        "asa": counters.asa(),
        "aht": counters.aht(),
        "occupancy": counters.occupancy(),
    }


def explanation_view(why: Explanation) -> dict[str, Any]:
    return {
        "call_id": why.call_id,
        "queue": why.queue,
        "queues": list(why.queues),
        "waiting_seconds": why.waiting_seconds,
        "score": why.score,
        "priority": why.priority,
        "requirements": {
            "skills": why.requirements,
            "alternatives": why.alternatives,
            "language": why.language,
        },
        "reasons": list(why.reasons),
        "offered_to": list(why.offered_to),
        "decisions": [
            {
                "at": iso(d.at),
                "rule": d.rule,
                "chosen": list(d.chosen),
                "passed_over": [{"id": who, "reason": why} for who, why in d.passed_over],
            }
            for d in why.decisions
        ],
        "now": {
            "eligible_available": list(why.eligible_available),
            "blocked": [{"agent_id": a, "reason": r} for a, r in why.blocked],
        },
        "summary": why.summary,
    }
