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
from wfm.calls import parse_time, read_csv_rows
from wfm.errors import InvalidInput
from wfm.forecast import Forecast, IntervalForecast
from wfm.roster import Assignment
from wfm.schedule import Schedule
from wfm.staffing import StaffRow


def write_forecast(path: Path, fc: Forecast) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["start", "queue", "calls", "aht"])
        for r in fc.rows:
            out.writerow([r.start.isoformat(), fc.queue or "", f"{r.calls:.3f}", f"{r.aht:.1f}"])


def read_forecast(path: Path) -> list[IntervalForecast]:
    source, rows = str(path), []
    for row, f in read_csv_rows(path, ("start", "calls", "aht")):
        calls = _number(f["calls"], source, row, "calls", 0, 1e7)
        aht = _number(f["aht"], source, row, "aht", 0.001, 86400) if calls else 1.0
        rows.append(
            IntervalForecast(
                parse_time(f["start"], source=source, row=row, field="start"), calls, aht
            )
        )
    if not rows:
        raise InvalidInput("has no rows", source=source)
    return rows


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
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a number", source=source, row=row, field=field
        ) from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise InvalidInput(f"must be {lo:g} to {hi:g}", source=source, row=row, field=field)
    return value


def _fmt(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value:.2f}"


def _clock(slot: int, plan: Schedule) -> str:
    minutes = slot * plan.slot_minutes
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
