"""Escalation (bullseye): as a call waits, widen who may take it, step by step."""

from __future__ import annotations

from acd.model import QueueConfig, WaitingCall


def wake_times(call: WaitingCall, queue: QueueConfig) -> list[float]:
    """When the call's eligibility changes by itself: each step, and the owner window's end."""
    times = [call.since + step.after_seconds for step in queue.escalation]
    if call.owner_until:
        times.append(call.owner_until)
    return sorted(times)


def apply_due_steps(call: WaitingCall, queue: QueueConfig, now: float) -> bool:
    """Apply every step whose time has come; return whether anything changed."""
    changed = False
    while call.step < len(queue.escalation):
        step = queue.escalation[call.step]
        if call.since + step.after_seconds > now:
            break
        if step.min_level is not None:
            current = call.min_level if call.min_level is not None else 5
            call.min_level = min(current, step.min_level)
        call.alternatives = tuple(dict.fromkeys(call.alternatives + step.add_skills))
        call.queues = tuple(dict.fromkeys(call.queues + step.add_queues))
        call.step += 1
        changed = True
    return changed or (bool(call.owner_until) and call.owner_until <= now)
