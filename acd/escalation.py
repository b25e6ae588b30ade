"""Escalation (bullseye): as a call waits, widen who may take it, step by step."""

from __future__ import annotations

from dataclasses import replace

from acd.model import QueueConfig, WaitingCall


def wake_times(call: WaitingCall, queue: QueueConfig) -> list[float]:
    """When the call's eligibility changes by itself: each step, and the owner window's end."""
    times = [call.since + step.after_seconds for step in queue.escalation]
    if call.owner_until:
        times.append(call.owner_until)
    return sorted(times)


def apply_due_steps(call: WaitingCall, queue: QueueConfig, now: float) -> WaitingCall:
    """``call`` with every step whose time has come applied (``call`` itself if none is due)."""
    step_no, min_level = call.step, call.min_level
    alternatives, queues = call.alternatives, call.queues
    while step_no < len(queue.escalation):
        step = queue.escalation[step_no]
        if call.since + step.after_seconds > now:
            break
        if step.min_level is not None:
            current = min_level if min_level is not None else 5
            min_level = min(current, step.min_level)
        alternatives = tuple(dict.fromkeys(alternatives + step.add_skills))
        queues = tuple(dict.fromkeys(queues + step.add_queues))
        step_no += 1
    if step_no == call.step:
        return call
    return replace(
        call, step=step_no, min_level=min_level, alternatives=alternatives, queues=queues
    )
