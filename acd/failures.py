"""Offers that fail before the phone can ring: how long the agent and the call wait.

A phone that is busy, unreachable or unknown to the PBX makes every offer fail at once. Left
alone, the ACD would offer the same call to the same agent again at once, thousands of times
a second. Instead, each failure:

- pauses the agent (``PHONE_FAILED_REASON``) for ``agent_delay(n)`` after their n-th failure
  in a row, and for good from the ``AGENT_LIMIT``-th on (a person must look at the phone);
  an answered call or the agent making themself available starts the count again;
- holds the call back from offers for ``call_delay(n)`` after its n-th failed offer, so that
  one broken phone does not make it cycle through every free agent at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PHONE_FAILED_REASON = "auto: phone unreachable"
AGENT_LIMIT = 3
AGENT_FIRST_DELAY = 2.0
CALL_FIRST_DELAY = 1.0
CALL_MAX_DELAY = 30.0


def agent_delay(failures: int) -> float | None:
    """Seconds the agent stays paused after ``failures`` in a row; ``None``: until a person
    makes them available."""
    if failures >= AGENT_LIMIT:
        return None
    return AGENT_FIRST_DELAY * 2.0 ** (failures - 1)


def call_delay(failures: int) -> float:
    return min(CALL_MAX_DELAY, CALL_FIRST_DELAY * 2.0 ** (failures - 1))


@dataclass(slots=True)
class FailureBook:
    """Failures in a row, per agent and per call."""

    agents: dict[str, int] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    def failed(self, agent_id: str, call_id: str) -> tuple[int, int]:
        agent = self.agents[agent_id] = self.agents.get(agent_id, 0) + 1
        call = self.calls[call_id] = self.calls.get(call_id, 0) + 1
        return agent, call

    def agent_ok(self, agent_id: str) -> None:
        self.agents.pop(agent_id, None)

    def call_gone(self, call_id: str) -> None:
        self.calls.pop(call_id, None)
