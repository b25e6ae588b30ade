"""A small reader of Asterisk's ``queue_log``: the ground truth of the AMI captures.

Lines are ``epoch|callid|queue|agent|event|data1|data2|...``; times are whole seconds. One
``QueueLeg`` per queue visit of a call: a visit starts at ``ENTERQUEUE`` (or at the first line
of a call that entered before the log starts) and is *transferred* when another
``ENTERQUEUE`` of the same callid follows it. A redirected caller's first leg gets its
``COMPLETECALLER`` only when the caller finally hangs up, so its talktime is not the talk
with that agent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

_NOT_CALLS = frozenset({"NONE", "MANAGER"})


@dataclass
class QueueLeg:
    call_id: str
    queue: str
    entered_at: int | None = None  # ENTERQUEUE; None when it entered before the log began
    caller_number: str | None = None
    outcome: str | None = None  # answered | abandoned | transferred
    agent: str | None = None
    rang_no_answer: list[str] = field(default_factory=list)
    wait: int | None = None  # CONNECT holdtime, ABANDON waittime
    talk: int | None = None  # COMPLETE* talktime
    connected_at: int | None = None
    ended_at: int | None = None


@dataclass(frozen=True)
class MemberLine:
    at: int
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]


def read_queue_log(path: Path) -> tuple[list[QueueLeg], list[MemberLine]]:
    legs: list[QueueLeg] = []
    members: list[MemberLine] = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        at, call_id, queue, agent, event, *data = line.split("|")
        if call_id in _NOT_CALLS:
            members.append(MemberLine(int(at), queue, agent, event, tuple(data)))
        else:
            _apply(legs, int(at), call_id, queue, agent, event, data)
    return legs, members


def _apply(
    legs: list[QueueLeg], at: int, call_id: str, queue: str, agent: str, event: str, data: list[str]
) -> None:
    if event == "ENTERQUEUE":
        for earlier in (leg for leg in legs if leg.call_id == call_id):
            earlier.outcome = "transferred"
        legs.append(QueueLeg(call_id, queue, at, data[1] or None))
        return
    leg = next((x for x in reversed(legs) if (x.call_id, x.queue) == (call_id, queue)), None)
    if leg is None:  # entered before the log began
        leg = QueueLeg(call_id, queue)
        legs.append(leg)
    if event == "CONNECT":
        leg.agent, leg.wait, leg.connected_at = agent, int(data[0]), at
        leg.outcome = leg.outcome or "answered"
    elif event in ("COMPLETEAGENT", "COMPLETECALLER"):
        leg.agent, leg.talk, leg.ended_at = agent, int(data[1]), at
        leg.wait = int(data[0]) if leg.wait is None else leg.wait
        leg.outcome = leg.outcome or "answered"
    elif event == "ABANDON":
        leg.wait, leg.ended_at, leg.outcome = int(data[2]), at, "abandoned"
    elif event == "RINGNOANSWER":
        leg.rang_no_answer.append(agent)
