"""Replay a real day against a proposed routing configuration and staffing.

The day's callers come from an AMI capture (``cti.replay``), an Asterisk
``queue_log``, or a call-log CSV. Each keeps its arrival time and queue; an answered caller
keeps their talk time, an abandoning caller their patience (the wait they gave up after).
What the log cannot say is drawn: an answered caller's patience is their wait plus an
exponential with the maximum-likelihood mean (total waiting exposure over abandons; waits of
answered callers are censored observations), and an abandoning caller's talk time is drawn
from the day's answered talks. Replications differ only in those draws.

The report sets service level (answered within T over offered), ASA and abandons as they
happened beside the simulated ones, with 95% confidence intervals.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from acd.model import QueueConfig
from simulations.model import RunResult, run
from simulations.replicate import QueueEstimate, summarise
from simulations.scenario import Arrival, Group, Scenario
from wfm.errors import InvalidInput
from wfm.history import CallRecord


@dataclass(frozen=True, slots=True)
class DayCall:
    at: float  # epoch seconds
    queue: str
    answered: bool
    wait: float
    talk: float | None


@dataclass(frozen=True, slots=True)
class Actual:
    queue: str
    offered: int
    answered: int
    abandoned: int
    service_level: float
    asa: float


@dataclass(frozen=True, slots=True)
class ReplayReport:
    start: float  # epoch of the first interval
    calls: int
    mean_patience: dict[str, float]
    actual: dict[str, Actual]
    simulated: dict[str, QueueEstimate]


def from_capture(path: Path) -> list[DayCall]:
    from cti.replay.run import replay

    return [
        DayCall(
            line.entered_at,
            line.queue,
            line.outcome.value == "answered",
            line.wait_seconds,
            line.talk_seconds,
        )
        for line in replay(path)
    ]


@dataclass(slots=True)
class _Leg:
    at: float
    queue: str
    wait: float | None = None


def from_queue_log(path: Path) -> list[DayCall]:
    """Legs of ``ENTERQUEUE`` .. ``CONNECT``/``COMPLETE*``/``ABANDON``/``EXIT*`` lines."""
    legs: dict[str, _Leg] = {}
    done: list[DayCall] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.strip().split("|")
        if len(parts) < 5 or parts[1] in ("NONE", "MANAGER"):
            continue
        try:
            at = float(parts[0])
        except ValueError:
            raise InvalidInput(
                "the time is not epoch seconds", source=str(path), row=number
            ) from None
        call, queue, event, data = parts[1], parts[2], parts[4], parts[5:]
        if event == "ENTERQUEUE":
            legs[call] = _Leg(at, queue)
        elif call not in legs:
            continue
        elif event == "CONNECT":
            legs[call].wait = _field(data, 0, path, number)
        elif event in ("COMPLETECALLER", "COMPLETEAGENT", "TRANSFER"):
            leg, offset = legs.pop(call), 2 if event == "TRANSFER" else 0
            talk = _field(data, offset + 1, path, number)
            wait = leg.wait if leg.wait is not None else _field(data, offset, path, number)
            done.append(DayCall(leg.at, leg.queue, True, wait, talk))
        elif event in ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY"):
            leg = legs.pop(call)
            wait = _field(data, 2, path, number) if event == "ABANDON" else at - leg.at
            done.append(DayCall(leg.at, leg.queue, False, wait, None))
    return sorted(done, key=lambda c: c.at)


def _field(data: Sequence[str], i: int, path: Path, row: int) -> float:
    try:
        return float(data[i])
    except (IndexError, ValueError):
        raise InvalidInput(
            f"data field {i + 1} is not a number", source=str(path), row=row
        ) from None


def from_records(records: Sequence[CallRecord]) -> list[DayCall]:
    return [
        DayCall(r.offered_at.timestamp(), r.queue, r.outcome == "answered", r.wait or 0.0, r.talk)
        for r in records
        if r.outcome in ("answered", "abandoned")
    ]


def actual(calls: Sequence[DayCall], targets: dict[str, float]) -> dict[str, Actual]:
    out = {}
    for queue in sorted({c.queue for c in calls}):
        mine = [c for c in calls if c.queue == queue]
        answered = [c for c in mine if c.answered]
        in_sl = sum(c.wait <= targets.get(queue, 20.0) for c in answered)
        out[queue] = Actual(
            queue,
            len(mine),
            len(answered),
            len(mine) - len(answered),
            in_sl / len(mine) if mine else math.nan,
            sum(c.wait for c in answered) / len(answered) if answered else math.nan,
        )
    return out


def mean_patience(calls: Sequence[DayCall]) -> float:
    """Exponential patience, maximum likelihood with answered waits censored."""
    abandons = sum(not c.answered for c in calls)
    exposure = sum(c.wait for c in calls)
    return exposure / abandons if abandons else math.inf


def arrivals(
    calls: Sequence[DayCall], start: float, seed: int, default_talk: float = 180.0
) -> tuple[Arrival, ...]:
    rng = random.Random(seed)
    patience = {
        q: mean_patience([c for c in calls if c.queue == q]) for q in {c.queue for c in calls}
    }
    talks = [c.talk for c in calls if c.talk is not None] or [default_talk]
    out = []
    for c in calls:
        if c.answered:
            mean = patience[c.queue]
            wait = math.inf if mean == math.inf else c.wait + rng.expovariate(1.0 / mean)
            out.append(
                Arrival(
                    c.at - start, c.queue, c.talk if c.talk is not None else rng.choice(talks), wait
                )
            )
        else:
            out.append(Arrival(c.at - start, c.queue, rng.choice(talks), c.wait))
    return tuple(out)


def replay_day(
    calls: Sequence[DayCall],
    queues: Sequence[QueueConfig],
    groups: Sequence[Group],
    *,
    interval: float = 1800.0,
    replications: int = 5,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> ReplayReport:
    if not calls:
        raise InvalidInput("the day has no answered or abandoned calls", field="calls")
    known = {q.name for q in queues}
    unknown = sorted({c.queue for c in calls} - known)
    if unknown:
        raise InvalidInput(f"queue(s) {', '.join(unknown)} are not configured", field="queues")
    start = math.floor(min(c.at for c in calls) / interval) * interval
    runs: list[RunResult] = []
    for r in range(replications):
        scenario = Scenario(
            tuple(queues),
            (),
            tuple(groups),
            interval,
            epoch=start,
            arrivals=arrivals(calls, start, seed + r),
        )
        runs.append(run(scenario, seed + r))
        if progress is not None:
            progress(r + 1)
    targets = {q.name: q.service_level_seconds for q in queues}
    patience = {
        q: mean_patience([c for c in calls if c.queue == q])
        for q in sorted({c.queue for c in calls})
    }
    return ReplayReport(
        start, len(calls), patience, actual(calls, targets), summarise(tuple(runs)).queues
    )


def load_day(path: Path) -> list[DayCall]:
    """By extension: ``.jsonl`` an AMI capture, ``.csv`` a call log, else a queue_log."""
    if not path.exists():
        raise InvalidInput("no such file", source=str(path))
    if path.suffix == ".jsonl":
        return from_capture(path)
    if path.suffix == ".csv":
        from wfm.history import read_calls_csv

        return from_records(read_calls_csv(path))
    return from_queue_log(path)
