"""Shifts from a per-interval requirement: an integer programme solved by HiGHS (scipy).

A *pattern* is a start slot, a length and (for long shifts) an unpaid break slot. With
``x_p`` agents on pattern ``p``, ``over_t`` and ``under_t`` per slot::

    minimise   sum_p cost_p x_p + over_weight sum_t over_t + under_weight sum_t under_t
    subject to sum_p covers(p, t) x_p - over_t + under_t = required_t   for every slot t
               sum_p x_p <= max_agents                                  (if given)

``cost_p`` is the paid hours times ``hourly_cost``. Short staffing is allowed but priced far
above any shift (``under_weight``), so the answer covers everything it can.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from wfm.errors import Infeasible, InvalidInput


@dataclass(frozen=True, slots=True)
class ShiftRules:
    lengths_hours: tuple[float, ...] = (4.0, 6.0, 8.0)
    start_step_minutes: int = 30
    earliest_start_hour: float = 0.0
    latest_end_hour: float = 24.0
    break_minutes: int = 30  # unpaid, for shifts longer than break_after_hours
    break_after_hours: float = 5.0
    break_margin_hours: float = 2.0  # no break in the first or last this many hours
    hourly_cost: float = 1.0
    over_weight: float = 0.3  # per agent-slot above the requirement
    under_weight: float = 100.0  # per agent-slot below it
    max_agents: int | None = None
    time_limit_seconds: float = 20.0

    def check(self, slot_minutes: int) -> None:
        if not self.lengths_hours or any(not 1 <= h <= 14 for h in self.lengths_hours):
            raise InvalidInput("each length must be 1 to 14 hours", field="lengths_hours")
        for name in ("start_step_minutes", "break_minutes"):
            value = getattr(self, name)
            if value < 0 or value % slot_minutes or (name == "start_step_minutes" and not value):
                raise InvalidInput(f"must be a multiple of {slot_minutes}", field=name)
        if not 0 <= self.earliest_start_hour < self.latest_end_hour <= 24:
            raise InvalidInput(
                "need 0 <= earliest start < latest end <= 24", field="latest_end_hour"
            )


@dataclass(frozen=True, slots=True)
class Shift:
    start_slot: int
    length_slots: int
    break_slot: int | None  # first slot of the break
    break_slots: int
    count: int

    def covers(self, slot: int) -> bool:
        inside = self.start_slot <= slot < self.start_slot + self.length_slots
        on_break = (
            self.break_slot is not None
            and self.break_slot <= slot < self.break_slot + self.break_slots
        )
        return inside and not on_break


@dataclass(frozen=True, slots=True)
class Schedule:
    slot_minutes: int
    required: tuple[int, ...]
    shifts: tuple[Shift, ...]
    coverage: tuple[int, ...]
    paid_hours: float
    over: int  # agent-slots above the requirement
    under: int  # agent-slots below it
    status: str

    @property
    def agents(self) -> int:
        return sum(s.count for s in self.shifts)


def patterns(rules: ShiftRules, slot_minutes: int, slots: int) -> list[Shift]:
    per_hour = 60 // slot_minutes
    step = rules.start_step_minutes // slot_minutes
    first = math.ceil(rules.earliest_start_hour * per_hour)
    last_end = min(slots, math.floor(rules.latest_end_hour * per_hour))
    out = []
    for hours in rules.lengths_hours:
        length = round(hours * per_hour)
        breaks = rules.break_minutes // slot_minutes if hours > rules.break_after_hours else 0
        margin = round(rules.break_margin_hours * per_hour)
        for start in range(first, last_end - length + 1, step):
            if not breaks:
                out.append(Shift(start, length, None, 0, 0))
                continue
            for b in range(start + margin, start + length - margin - breaks + 1):
                out.append(Shift(start, length, b, breaks, 0))
    return out


def schedule(
    required: Sequence[int], slot_minutes: int, rules: ShiftRules | None = None
) -> Schedule:
    rules = rules or ShiftRules()
    if slot_minutes not in (15, 30, 60) or len(required) != 24 * 60 // slot_minutes:
        raise InvalidInput(
            f"need {24 * 60 // max(slot_minutes, 1)} slots of 15, 30 or 60 minutes",
            field="required",
        )
    if any(r < 0 for r in required):
        raise InvalidInput("must be >= 0", field="required")
    rules.check(slot_minutes)
    slots = len(required)
    shapes = patterns(rules, slot_minutes, slots)
    if not shapes:
        raise Infeasible("no shift fits between the earliest start and the latest end")
    counts, status = _solve(shapes, np.asarray(required, dtype=float), slot_minutes, rules)
    chosen = tuple(
        Shift(s.start_slot, s.length_slots, s.break_slot, s.break_slots, int(c))
        for s, c in zip(shapes, counts, strict=True)
        if c > 0
    )
    coverage = tuple(sum(s.count for s in chosen if s.covers(t)) for t in range(slots))
    return Schedule(
        slot_minutes,
        tuple(int(r) for r in required),
        chosen,
        coverage,
        sum(s.count * (s.length_slots - s.break_slots) for s in chosen) * slot_minutes / 60,
        sum(max(0, c - r) for c, r in zip(coverage, required, strict=True)),
        sum(max(0, r - c) for c, r in zip(coverage, required, strict=True)),
        status,
    )


def _solve(
    shapes: list[Shift], required: np.ndarray, slot_minutes: int, rules: ShiftRules
) -> tuple[np.ndarray, str]:
    p, t = len(shapes), required.size
    rows, cols = [], []
    for j, s in enumerate(shapes):
        for slot in range(s.start_slot, s.start_slot + s.length_slots):
            if s.covers(slot):
                rows.append(slot)
                cols.append(j)
    cover = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(t, p))
    eye = sparse.identity(t, format="csr")
    a = sparse.hstack([cover, -eye, eye], format="csr")
    constraints = [LinearConstraint(a, required, required)]
    if rules.max_agents is not None:
        limit = sparse.hstack([np.ones((1, p)), sparse.csr_array((1, 2 * t))], format="csr")
        constraints.append(LinearConstraint(limit, 0, rules.max_agents))
    paid = np.array([(s.length_slots - s.break_slots) * slot_minutes / 60 for s in shapes])
    c = np.concatenate(
        [paid * rules.hourly_cost, np.full(t, rules.over_weight), np.full(t, rules.under_weight)]
    )
    integrality = np.concatenate([np.ones(p), np.zeros(2 * t)])
    result = milp(
        c,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(0, np.inf),
        options={"time_limit": rules.time_limit_seconds, "mip_rel_gap": 1e-4},
    )
    if result.x is None:
        raise Infeasible(f"the solver found no schedule: {result.message}")
    status = "optimal" if result.status == 0 else "time limit (best found)"
    return np.round(result.x[:p]).astype(int), status
