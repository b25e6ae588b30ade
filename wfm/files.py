"""The planner's files: forecasts, staffing, schedules and rosters as CSV; routing
configuration and agent groups as JSON. Readers validate and name file, row and field."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from acd.config import Level, QueueSpec, SkillName
from acd.model import QueueConfig
from simulations.scenario import Group
from wfm.demand import GroupStaffing
from wfm.errors import InvalidInput
from wfm.forecast import Forecast, IntervalForecast
from wfm.history import parse_number, parse_time, read_csv_rows
from wfm.roster import Assignment
from wfm.schedule import Schedule
from wfm.staffing import SkillGroup, SkillStaffRow, StaffRow


def write_forecast(path: Path, fc: Forecast) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["start", "queue", "calls", "aht"])
        for r in fc.rows:
            out.writerow([r.start.isoformat(), fc.queue or "", f"{r.calls:.3f}", f"{r.aht:.1f}"])


def read_forecast(path: Path) -> list[IntervalForecast]:
    source, rows = str(path), []
    for row, f in read_csv_rows(path, ("start", "calls", "aht")):
        rows.append(_interval(f, source, row))
    if not rows:
        raise InvalidInput("has no rows", source=source)
    return rows


def _interval(f: dict[str, str], source: str, row: int) -> IntervalForecast:
    """One forecast row; the handle time is not read where no calls are forecast."""
    calls = _number(f["calls"], source, row, "calls", 0, 1e7)
    aht = _number(f["aht"], source, row, "aht", 0.001, 86400) if calls else 1.0
    return IntervalForecast(
        parse_time(f["start"], source=source, row=row, field="start"), calls, aht
    )


def read_queue_forecasts(paths: Sequence[Path]) -> dict[str, dict[datetime, IntervalForecast]]:
    """Forecast CSVs whose ``queue`` column is filled in (``forecast --queue NAME``), by queue
    and interval start; one file may hold several queues, or each queue its own file."""
    out: dict[str, dict[datetime, IntervalForecast]] = {}
    for path in paths:
        source = str(path)
        for row, f in read_csv_rows(path, ("start", "queue", "calls", "aht")):
            queue = f["queue"].strip()
            if not queue:
                raise InvalidInput(
                    "is empty: make one forecast per queue with --queue NAME",
                    source=source,
                    row=row,
                    field="queue",
                )
            interval = _interval(f, source, row)
            by_start = out.setdefault(queue, {})
            if interval.start in by_start:
                raise InvalidInput(
                    f"queue {queue!r} already has a forecast for {interval.start.isoformat()}",
                    source=source,
                    row=row,
                    field="start",
                )
            by_start[interval.start] = interval
    if not out:
        raise InvalidInput("no forecast rows", source=", ".join(str(p) for p in paths))
    return out


def write_skill_staffing(path: Path, rows: Sequence[SkillStaffRow]) -> None:
    """One row per interval: each group's agents (on the phones) and scheduled, the totals,
    and each queue's demand and simulated service level, ASA and abandon rate."""
    groups = list(rows[0].agents) if rows else []
    queues = [d.queue.name for d in rows[0].demand] if rows else []
    header = ["start", "agents", "scheduled"]
    header += [f"{g}_{c}" for g in groups for c in ("agents", "scheduled")]
    header += [
        f"{q}_{c}"
        for q in queues
        for c in ("calls", "aht", "service_level", "service_level_ci", "asa", "abandon_rate")
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        for r in rows:
            line: list[object] = [r.start, sum(r.agents.values()), sum(r.scheduled.values())]
            for g in groups:
                line += [r.agents[g], r.scheduled[g]]
            for d in r.demand:
                e = r.estimates.get(d.queue.name)
                handle_time = d.aht + d.queue.wrapup_seconds
                line += [f"{d.calls:.3f}", f"{handle_time:.1f}" if d.calls else ""]
                if e is None:
                    line += ["", "", "", ""]
                else:
                    line += [
                        _cell(e.service_level.mean, 4),
                        _cell(e.service_level.half_width, 4),
                        _cell(e.asa.mean, 2),
                        _cell(e.abandon_rate.mean, 4),
                    ]
            out.writerow(line)


def write_staffing(path: Path, rows: Sequence[StaffRow]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "start",
                "calls",
                "aht",
                "agents",
                "scheduled",
                "service_level",
                "asa",
                "occupancy",
                "p_abandon",
            ]
        )
        for r in rows:
            m = r.metrics
            out.writerow(
                [
                    r.start,
                    f"{r.calls:.3f}",
                    f"{r.aht:.1f}",
                    r.agents,
                    r.scheduled,
                    f"{m.service_level:.4f}",
                    _fmt(m.asa),
                    f"{m.occupancy:.4f}",
                    f"{m.p_abandon:.4f}",
                ]
            )


def read_requirement(path: Path, column: str = "scheduled") -> list[tuple[datetime, int]]:
    source, rows = str(path), []
    for row, f in read_csv_rows(path, ("start", column)):
        value = _number(f[column], source, row, column, 0, 1e6)
        if value != int(value):
            raise InvalidInput("must be a whole number", source=source, row=row, field=column)
        rows.append((parse_time(f["start"], source=source, row=row, field="start"), int(value)))
    if not rows:
        raise InvalidInput("has no rows", source=source)
    return rows


def is_group_staffing(path: Path) -> bool:
    return any(name.endswith("_calls") for name in _header(path))


def read_group_staffing(path: Path, column: str = "agents") -> GroupStaffing:
    source, header = str(path), _header(path)
    queues = [h.removesuffix("_calls") for h in header if h.endswith("_calls")]
    groups = [h.removesuffix(f"_{column}") for h in header if h.endswith(f"_{column}")]
    if not groups:
        raise InvalidInput(f"has no <group>_{column} columns", source=source, row=1)
    plan = GroupStaffing(
        [], {q: [] for q in queues}, {q: [] for q in queues}, {g: [] for g in groups}
    )
    for row, f in read_csv_rows(path, ("start",)):
        plan.starts.append(parse_time(f["start"], source=source, row=row, field="start"))
        for q in queues:
            calls = _number(f[f"{q}_calls"], source, row, f"{q}_calls", 0, 1e7)
            raw = (f.get(f"{q}_aht") or "").strip()
            handle = _number(raw, source, row, f"{q}_aht", 0.001, 86400) if raw and calls else 0.0
            plan.calls[q].append(calls)
            plan.handle[q].append(handle)
        for g in groups:
            value = _number(f[f"{g}_{column}"], source, row, f"{g}_{column}", 0, 1e6)
            if value != int(value):
                raise InvalidInput(
                    "must be a whole number", source=source, row=row, field=f"{g}_{column}"
                )
            plan.agents[g].append(int(value))
    if not plan.starts:
        raise InvalidInput("has no rows", source=source)
    return plan


def _header(path: Path) -> list[str]:
    for _, fields in read_csv_rows(path, ()):
        return list(fields)
    raise InvalidInput("has no rows", source=str(path))


def write_schedule(path: Path, plans: Sequence[tuple[date, Schedule]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["day", "start", "end", "break_start", "break_end", "agents"])
        for day, plan in plans:
            for s in sorted(plan.shifts, key=lambda s: s.start_slot):
                brk = (
                    ("", "")
                    if s.break_slot is None
                    else (_clock(s.break_slot, plan), _clock(s.break_slot + s.break_slots, plan))
                )
                out.writerow(
                    [
                        day.isoformat(),
                        _clock(s.start_slot, plan),
                        _clock(s.start_slot + s.length_slots, plan),
                        *brk,
                        s.count,
                    ]
                )


def write_roster(path: Path, assignments: Sequence[Assignment]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["agent", "day", "start", "end", "break_start", "break_end", "paid_hours"])
        for a in assignments:
            out.writerow(
                [
                    a.agent or "(open)",
                    a.day.isoformat(),
                    a.start.isoformat(),
                    a.end.isoformat(),
                    a.break_start.isoformat() if a.break_start else "",
                    a.break_end.isoformat() if a.break_end else "",
                    f"{a.paid_hours:.2f}",
                ]
            )


def read_agents(path: Path) -> list[str]:
    source, names = str(path), []
    for row, f in read_csv_rows(path, ("name",)):
        name = f["name"].strip()
        if not name or len(name) > 64:
            raise InvalidInput("must be 1 to 64 characters", source=source, row=row, field="name")
        names.append(name)
    return names


class GroupSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    skills: dict[SkillName, Level] = Field(min_length=1, max_length=20)
    agents: int | list[int] = 0  # one number for every interval, or one per interval

    def levels(self) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(self.skills.items()))


def read_queues(path: Path) -> list[QueueConfig]:
    """A JSON object ``{"queue name": QueueSpec, ...}`` (the body of ``PUT /api/queues``)."""
    data = _json(path)
    if not isinstance(data, dict) or not data:
        raise InvalidInput('must be a JSON object {"queue": {...}, ...}', source=str(path))
    out = []
    for name, body in data.items():
        try:
            out.append(QueueSpec.model_validate(body).to_config(name))
        except ValidationError as exc:
            raise _invalid(exc, str(path), name) from None
    return out


def read_groups(path: Path) -> list[GroupSpec]:
    data = _json(path)
    if not isinstance(data, list) or not data:
        raise InvalidInput("must be a JSON list of agent groups", source=str(path))
    out = []
    for i, body in enumerate(data):
        try:
            out.append(GroupSpec.model_validate(body))
        except ValidationError as exc:
            raise _invalid(exc, str(path), str(i)) from None
    return out


def read_team(path: Path) -> tuple[Group, ...]:
    """Agent groups with their agents: one count for every interval, or one per interval."""
    return tuple(
        Group(g.name, g.levels(), (g.agents,) if isinstance(g.agents, int) else tuple(g.agents))
        for g in read_groups(path)
    )


def read_skill_groups(path: Path) -> list[SkillGroup]:
    """Agent groups' skills, for a staffing search or a staffing plan's agents."""
    return [SkillGroup(g.name, g.levels()) for g in read_groups(path)]


def _invalid(exc: ValidationError, source: str, at: str) -> InvalidInput:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in (at, *first["loc"]))
    return InvalidInput(first["msg"], source=source, field=field)


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"cannot be read: {exc.strerror}", source=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"invalid JSON: {exc.msg}", source=str(path), row=exc.lineno) from None


def _number(text: str, source: str, row: int, field: str, lo: float, hi: float) -> float:
    return parse_number(text, source=source, row=row, field=field, lo=lo, hi=hi)


def _fmt(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value:.2f}"


def _cell(value: float, digits: int) -> str:
    """A simulated figure: empty when undefined (no calls ended), ``inf`` from one run."""
    if math.isnan(value):
        return ""
    return "inf" if math.isinf(value) else f"{value:.{digits}f}"


def _clock(slot: int, plan: Schedule) -> str:
    minutes = slot * plan.slot_minutes
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
