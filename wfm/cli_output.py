"""What ``switchboard wfm`` prints and draws: tables on stdout, summaries on stderr, and the
charts' series taken from the service's answers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from acd.model import QueueConfig
from simulations.replicate import Replicated
from wfm import charts
from wfm.demand import GroupStaffing
from wfm.erlang import Load
from wfm.forecast import Forecast, IntervalForecast
from wfm.replay import ReplayReport
from wfm.required import Target
from wfm.schedule import Schedule
from wfm.service import Runs
from wfm.staffing import SkillGroup, SkillStaffRow, StaffRow

console = Console(stderr=True, soft_wrap=True)
REPLAY_COLUMNS = (
    "queue",
    "offered",
    "SL actual",
    "SL simulated",
    "ASA actual",
    "ASA simulated",
    "abandons actual",
    "abandon rate simulated",
    "mean patience",
)


def stdout() -> Console:
    """Tables go to stdout, wide enough not to wrap their numbers."""
    return Console(width=160)


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    stdout().print(table)


def _label(start: datetime) -> str:
    return start.strftime("%a %H:%M")


# -- forecast and staffing ------------------------------------------------------------------
def forecast_summary(fc: Forecast, days: int, out: Path) -> None:
    if fc.backtest:
        for name, wape in fc.backtest.wape.items():
            console.print(f"backtest over {fc.backtest.days} days, {name}: WAPE {wape:.1%}")
    total = sum(r.calls for r in fc.rows)
    console.print(f"method {fc.method}: {total:,.0f} calls over {days} day(s) → {out}")


def forecast_chart(fc: Forecast, path: Path) -> None:
    charts.forecast_chart([_label(r.start) for r in fc.rows], [r.calls for r in fc.rows], path)


def staffing_summary(rows: Sequence[StaffRow], interval: int, out: Path) -> None:
    hours = sum(r.scheduled for r in rows) * interval / 60
    console.print(
        f"{len(rows)} intervals, peak {max(r.agents for r in rows)} on the phones, "
        f"{hours:,.0f} scheduled hours → {out}"
    )


def peak_chart(
    rows: Sequence[IntervalForecast],
    interval: int,
    target: Target,
    patience: float | None,
    path: Path,
) -> None:
    """SL against agents at the busiest interval of a forecast."""
    peak = max(rows, key=lambda r: r.calls)
    load = Load(peak.calls, peak.aht, interval * 60.0)
    charts.service_level_chart(load, target.answer_seconds, target.service_level, path, patience)


def group_staffing_summary(
    rows: Sequence[SkillStaffRow], groups: Sequence[SkillGroup], slot: int, out: Path
) -> None:
    table = [
        (
            g.name,
            str(max(r.agents[g.name] for r in rows)),
            f"{sum(r.scheduled[g.name] for r in rows) * slot / 60:,.1f}",
        )
        for g in groups
    ]
    title = f"staffing by simulation, {len(rows)} intervals of {slot} min"
    _table(title, ("group", "peak on the phones", "scheduled hours"), table)
    searched = sum(r.evaluations for r in rows)
    erlang = sum(sum(r.erlang_start.values()) for r in rows) * slot / 60
    found = sum(sum(r.agents.values()) for r in rows) * slot / 60
    console.print(
        f"{searched} candidates simulated; {found:,.1f} agent-hours on the phones against "
        f"{erlang:,.1f} from Erlang per queue alone → {out}"
    )


def group_staffing_chart(
    rows: Sequence[SkillStaffRow], groups: Sequence[SkillGroup], path: Path
) -> None:
    charts.group_staffing_chart(
        [_label(datetime.fromisoformat(r.start)) for r in rows],
        {g.name: [r.agents[g.name] for r in rows] for g in groups},
        [sum(r.erlang_start.values()) for r in rows],
        path,
    )


# -- schedule --------------------------------------------------------------------------------
def schedule_table(plans: Sequence[tuple[date, Schedule]]) -> None:
    columns = ("day", "shifts", "agents", "paid hours", "over (agent-slots)", "under", "status")
    rows = [
        (
            f"{day:%a %Y-%m-%d}",
            str(len(p.shifts)),
            str(p.agents),
            f"{p.paid_hours:.1f}",
            str(p.over),
            str(p.under),
            p.status,
        )
        for day, p in plans
    ]
    _table("shifts", columns, rows)


def coverage_chart(plans: Sequence[tuple[date, Schedule]], path: Path) -> None:
    """Required against scheduled agents over every slot of every day."""
    labels = [
        f"{d:%a} {m // 60:02d}:{m % 60:02d}"
        for d, p in plans
        for m in range(0, 1440, p.slot_minutes)
    ]
    required = [r for _, p in plans for r in p.required]
    charts.staffing_chart(labels, required, [c for _, p in plans for c in p.coverage], path)


# -- simulation and replay -------------------------------------------------------------------
def estimates_table(result: Replicated, replications: int) -> None:
    columns = ("queue", "offered/rep", "service level", "ASA (s)", "abandon rate", "occupancy")
    rows = [
        (e.queue, f"{e.offered:,.0f}", str(e.service_level), str(e.asa), str(e.abandon_rate),
         str(e.occupancy))
        for e in result.queues.values()
    ]  # fmt: skip
    _table(f"{replications} replications, {result.calls:,} calls", columns, rows)


def simulated_peak_chart(
    rows: Sequence[IntervalForecast],
    agents: Sequence[int],
    result: Replicated,
    queue: QueueConfig,
    runs: Runs,
    target: float,
    patience: float | None,
    path: Path,
) -> None:
    """SL against agents at the busiest interval, with the simulated point."""
    peak = max(range(len(rows)), key=lambda i: rows[i].calls)
    est = result.intervals.get((queue.name, peak))
    points = [(agents[peak], est.service_level.mean, est.service_level.half_width)] if est else []
    load = Load(rows[peak].calls, rows[peak].aht, runs.interval_minutes * 60.0)
    charts.service_level_chart(load, queue.service_level_seconds, target, path, patience, points)


def interval_service_level_chart(
    plan: GroupStaffing, result: Replicated, target: float, path: Path
) -> None:
    """Each queue's simulated SL per interval of a staffing plan; no calls, no point."""
    nan = (math.nan, 0.0)
    queues = {
        q: [
            (e.service_level.mean, e.service_level.half_width)
            if (e := result.intervals.get((q, k))) and plan.calls[q][k] > 0
            else nan
            for k in range(len(plan.starts))
        ]
        for q in plan.calls
    }
    charts.interval_service_level_chart([_label(t) for t in plan.starts], queues, target, path)


def replay_table(name: str, report: ReplayReport) -> None:
    rows = []
    for q, act in report.actual.items():
        sim = report.simulated[q]
        rows.append(
            (q, str(act.offered), f"{act.service_level:.1%}", str(sim.service_level),
             f"{act.asa:.1f} s", str(sim.asa), str(act.abandoned), str(sim.abandon_rate),
             f"{report.mean_patience[q]:.0f} s")
        )  # fmt: skip
    title = f"{name}: {report.calls} calls, actual vs simulated (95% CI)"
    _table(title, REPLAY_COLUMNS, rows)
