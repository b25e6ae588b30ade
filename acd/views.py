"""The JSON views of the ACD's agents, queues, intervals and routing explanations: what its
routes answer and the board pushes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from acd.agents import Agent
from acd.commands import PhoneFailed
from acd.explain import Explanation
from acd.stats import Counters, QueueSnapshot


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


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


def alert_view(alert: PhoneFailed) -> dict[str, Any]:
    """A failed phone, as supervisors see it on the board and in ``/api/alerts``."""
    until = "until a supervisor or the agent makes them available"
    retry = f"rung again at {iso(alert.retry_at)}" if alert.retry_at is not None else until
    return {
        "kind": "phone-failed",
        "agent_id": alert.agent_id,
        "call_id": alert.call_id,
        "at": iso(alert.at),
        "failures": alert.failures,
        "retry_at": iso(alert.retry_at) if alert.retry_at is not None else None,
        "message": (
            f"{alert.agent_id}'s phone failed {alert.failures} time(s) in a row before it "
            f"could ring; paused, {retry}"
        ),
    }
