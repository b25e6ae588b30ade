"""IVR reports per flow, from the stored sessions.

- **containment**: calls the flow finished itself (its ``hangup`` after self-service, or a
  ``voicemail``) over all calls that entered it; calls handed to an agent (``queue``,
  ``callback``) are not contained, and neither are callers who hung up in the IVR (shown
  apart as ``abandoned``);
- **drop-off per node**: of the calls that reached a node, how many callers hung up there;
- **time in the IVR**: mean, median and 90th percentile seconds from start to hand-over.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ivr.driver import CONTAINED
from ivr.store import IvrSessionRow


@dataclass(frozen=True, slots=True)
class NodeDropOff:
    node: str
    reached: int
    hung_up: int

    @property
    def rate(self) -> float:
        return self.hung_up / self.reached if self.reached else 0.0


@dataclass(frozen=True, slots=True)
class FlowReport:
    flow: str
    calls: int
    outcomes: dict[str, int]
    containment: float
    abandoned: float
    mean_seconds: float
    median_seconds: float
    p90_seconds: float
    drop_off: tuple[NodeDropOff, ...]


def report(rows: Iterable[IvrSessionRow]) -> list[FlowReport]:
    by_flow: dict[str, list[IvrSessionRow]] = defaultdict(list)
    for row in rows:
        by_flow[row.flow].append(row)
    return [_flow_report(name, by_flow[name]) for name in sorted(by_flow)]


def _flow_report(flow: str, rows: Sequence[IvrSessionRow]) -> FlowReport:
    outcomes = Counter(row.outcome for row in rows)
    calls = len(rows)
    seconds = sorted(row.seconds for row in rows)
    return FlowReport(
        flow,
        calls,
        dict(sorted(outcomes.items())),
        sum(outcomes[o] for o in CONTAINED) / calls,
        outcomes["caller-hangup"] / calls,
        sum(seconds) / calls,
        _percentile(seconds, 0.5),
        _percentile(seconds, 0.9),
        _drop_off(rows),
    )


def _drop_off(rows: Sequence[IvrSessionRow]) -> tuple[NodeDropOff, ...]:
    reached: Counter[str] = Counter()
    hung_up: Counter[str] = Counter()
    for row in rows:
        reached.update(set(row.path))
        if row.outcome == "caller-hangup":
            hung_up[row.last_node] += 1
    nodes = sorted(reached, key=lambda n: (-hung_up[n], -reached[n], n))
    return tuple(NodeDropOff(n, reached[n], hung_up[n]) for n in nodes)


def _percentile(ordered: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]
