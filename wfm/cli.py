"""``switchboard wfm forecast | staff | schedule | simulate | replay`` (and ``demo-data``).

Register with ``app.add_typer(wfm.cli.app, name="wfm")`` on the ``switchboard`` Typer app.
The files chain: calls.csv → forecast.csv → staffing.csv → shifts.csv + roster.csv; charts are
PNG (or HTML by extension). Bad input stops with one line naming file, row and field.

Each command parses its options, reads its files (``wfm.files``), asks ``WfmService`` and
prints (``wfm.cli_output``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from acd.model import QueueConfig
from cti.clock import LiveClock
from simulations.replicate import Replicated
from simulations.scenario import Demand, Group
from wfm import cli_options as opt
from wfm import cli_output, files
from wfm.cli_output import console
from wfm.demand import (
    default_team,
    forecast_demand,
    plain_queues,
    plan_demand,
    plan_team,
    queue_demand,
    slot_minutes,
)
from wfm.demo import history
from wfm.history import read_calls_csv, write_calls_csv
from wfm.replay import load_day
from wfm.required import ANSWER_SECONDS, SERVICE_LEVEL, Target
from wfm.roster import agents_needed, default_names, roster
from wfm.schedule import Schedule, ShiftRules
from wfm.service import UNLIMITED, ForecastOptions, Runs, WfmService

app = typer.Typer(
    help="Workforce management: forecast, staff, schedule, simulate, replay.", no_args_is_help=True
)


def _service() -> WfmService:
    """The planner's service for files: no call log, no live routing, no limit on work."""
    return WfmService(None, LiveClock(), limits=UNLIMITED)


@app.command("demo-data")
def demo_data(
    out: opt.OutFile = Path("calls.csv"),
    start: Annotated[str, typer.Option(help="first day, YYYY-MM-DD")] = "2025-03-03",
    days: int = 84,
    calls_per_day: float = 1200.0,
    country: str = "GB",
    timezone: str = "Europe/London",
    queue: str = "support",
    seed: int = 7,
) -> None:
    """Write a synthetic call history (weekly and daily shapes, holidays) to a CSV."""
    with opt.errors(), opt.progress() as bar:
        bar.add_task("generating calls", total=None)
        records = history(
            opt.day(start),
            days,
            calls_per_weekday=calls_per_day,
            country=country,
            timezone=timezone,
            queue=queue,
            seed=seed,
        )
        write_calls_csv(out, records)
    console.print(f"{len(records):,} calls → {out}")


@app.command()
def forecast(
    calls: opt.InFile,
    start: Annotated[str, typer.Option(help="first day to forecast, YYYY-MM-DD")],
    days: int = 7,
    interval: int = typer.Option(30, help="minutes: 15, 30 or 60"),
    method: str = typer.Option("best", help="best, profile or holt-winters"),
    timezone: str = "UTC",
    country: str | None = typer.Option(None, help="holiday calendar, e.g. GB, US, DE"),
    queue: str | None = None,
    out: opt.OutFile = Path("forecast.csv"),
    chart: opt.Chart = None,
) -> None:
    """Forecast calls and AHT per interval from a call-log CSV, with a backtest WAPE."""
    options = ForecastOptions(interval, opt.method(method), timezone, country)
    with opt.errors(), opt.progress() as bar:
        bar.add_task("reading the call log and fitting", total=None)
        fc = _service().forecast_calls(read_calls_csv(calls), queue, opt.day(start), days, options)
        files.write_forecast(out, fc)
        if chart:
            cli_output.forecast_chart(fc, chart)
    cli_output.forecast_summary(fc, days, out)


@app.command()
def staff(
    forecast_csv: opt.ForecastFiles,
    out: opt.OutFile = Path("staffing.csv"),
    interval: int = 30,
    service_level: opt.ServiceLevel = SERVICE_LEVEL,
    answer_seconds: float = ANSWER_SECONDS,
    patience: float | None = typer.Option(None, help="mean seconds; Erlang A instead of C"),
    shrinkage: float = 0.3,
    max_occupancy: float | None = None,
    queues: opt.RoutingFile = None,
    groups: opt.GroupsFile = None,
    replications: int = typer.Option(3, help="per staffing candidate, with --groups"),
    seed: int = 1,
    chart: opt.StaffChart = None,
) -> None:
    """Agents per interval: Erlang C (Erlang A with --patience), shrinkage included; with
    --groups, a simulation search with the real ACD, starting from the Erlang answer."""
    with opt.errors():
        target = Target(service_level, answer_seconds, max_occupancy)
        if groups is not None:
            runs = Runs(interval, shrinkage, replications, seed)
            _staff_groups(forecast_csv, groups, queues, target, patience, runs, out, chart)
        elif len(forecast_csv) != 1:
            raise typer.BadParameter("give one forecast, or --groups to staff several queues")
        else:
            ask = (forecast_csv[0], interval, target, patience, shrinkage)
            _staff_forecast(*ask, out, chart)


def _staff_forecast(
    forecast_csv: Path,
    interval: int,
    target: Target,
    patience: float | None,
    shrinkage: float,
    out: Path,
    chart: Path | None,
) -> None:
    rows = files.read_forecast(forecast_csv)
    staffed = _service().staff(rows, interval, target, patience, shrinkage)
    files.write_staffing(out, staffed)
    if chart:
        cli_output.peak_chart(rows, interval, target, patience, chart)
    cli_output.staffing_summary(staffed, interval, out)


def _staff_groups(
    forecast_csv: list[Path],
    groups: Path,
    queues: Path | None,
    target: Target,
    patience: float | None,
    runs: Runs,
    out: Path,
    chart: Path | None,
) -> None:
    forecasts = files.read_queue_forecasts(forecast_csv)
    configs = _queue_configs(queues, sorted(forecasts))
    team = files.read_skill_groups(groups)
    intervals = queue_demand(forecasts, configs, patience)
    starts = [datetime.fromisoformat(start) for start, _ in intervals]
    runs = replace(runs, interval_minutes=slot_minutes(starts))
    with opt.progress() as bar:
        task = bar.add_task("searching staffing by simulation", total=len(intervals))
        rows = _service().staff_intervals_by_group(
            intervals, team, target, runs, lambda n: bar.update(task, completed=n)
        )
    files.write_skill_staffing(out, rows)
    if chart:
        cli_output.group_staffing_chart(rows, team, chart)
    cli_output.group_staffing_summary(rows, team, runs.interval_minutes, out)


@app.command()
def schedule(
    staffing: opt.InFile,
    out: opt.OutFile = Path("shifts.csv"),
    roster_out: Annotated[Path | None, typer.Option("--roster")] = None,
    agents: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="CSV with a name column")
    ] = None,
    lengths: str = typer.Option("4,6,8", help="shift lengths in hours"),
    earliest: float = 0.0,
    latest: float = 24.0,
    timezone: str = "UTC",
    column: str = typer.Option(
        "scheduled", help="staffing column to cover, e.g. blend_scheduled for one group"
    ),
    chart: Annotated[Path | None, typer.Option(help="required vs scheduled per interval")] = None,
) -> None:
    """Shifts with breaks covering the requirement (HiGHS MILP), then a named roster."""
    with opt.errors():
        required = files.read_requirement(staffing, column)
        rules = ShiftRules(
            lengths_hours=opt.hours(lengths), earliest_start_hour=earliest, latest_end_hour=latest
        )
        with opt.progress() as bar:
            task = bar.add_task("solving shifts", total=None)
            plans = _service().schedule_days(
                required, rules, timezone, lambda n, days: bar.update(task, completed=n, total=days)
            )
        files.write_schedule(out, plans)
        cli_output.schedule_table(plans)
        if roster_out:
            _roster(plans, agents, timezone, roster_out)
        if chart:
            cli_output.coverage_chart(plans, chart)


def _roster(
    plans: list[tuple[date, Schedule]], agents: Path | None, timezone: str, out: Path
) -> None:
    names = files.read_agents(agents) if agents else default_names(plans)
    assigned = roster(plans, names, timezone=timezone)
    files.write_roster(out, assigned)
    console.print(
        f"roster of {len(names)} agents → {out}; "
        f"{agents_needed(assigned)} more needed for open shifts"
    )


@dataclass(frozen=True, slots=True)
class _Simulation:
    """What ``simulate`` was asked: the files, the staffing column on the phones, the callers'
    patience, how to run, and the target its charts draw."""

    staffing: Path
    queues: Path | None
    groups: Path | None
    column: str
    patience: float | None
    runs: Runs
    service_level: float
    chart: Path | None


@app.command()
def simulate(
    staffing: opt.InFile,
    queue: str = typer.Option("support", help="the queue, when --queues is not given"),
    queues: opt.JsonFile = None,
    groups: opt.JsonFile = None,
    patience: float | None = typer.Option(120.0, help="mean seconds; 0 for none"),
    column: str = typer.Option("agents", help="staffing column to put on the phones"),
    shrinkage: float = 0.0,
    replications: opt.Replications = 5,
    seed: int = 1,
    service_level: opt.ServiceLevel = SERVICE_LEVEL,
    chart: Annotated[
        Path | None, typer.Option(help="SL vs agents with the simulated point")
    ] = None,
) -> None:
    """Run the real ACD on SimPy over the staffing file's day(s), with confidence intervals.

    A file from ``staff --groups`` runs every queue it forecasts with every group's agents
    (``--groups`` gives their skills); any other staffing file runs one queue."""
    with opt.errors():
        runs = Runs(30, shrinkage, replications, seed)
        target = Target(service_level).service_level
        ask = _Simulation(staffing, queues, groups, column, patience or None, runs, target, chart)
        if not files.is_group_staffing(staffing):
            _simulate_forecast(ask, queue)
        elif groups is None:
            raise typer.BadParameter(
                "this staffing is per group: give --groups", param_hint="--groups"
            )
        else:
            _simulate_plan(ask, groups)


def _simulate_forecast(ask: _Simulation, queue: str) -> None:
    """One queue over a forecast's intervals, with the staffing file's agents."""
    rows = files.read_forecast(ask.staffing)
    required = files.read_requirement(ask.staffing, ask.column)
    configs = _queue_configs(ask.queues, [queue])
    demand = forecast_demand(rows, configs[0], ask.patience)
    runs = replace(ask.runs, interval_minutes=slot_minutes([t for t, _ in required]))
    agents = [n for _, n in required]
    result = _simulate(configs, [demand], _team(ask.groups, configs, tuple(agents)), runs)
    cli_output.estimates_table(result, runs.replications)
    if ask.chart:
        cli_output.simulated_peak_chart(
            rows, agents, result, configs[0], runs, ask.service_level, ask.patience, ask.chart
        )


def _simulate_plan(ask: _Simulation, groups: Path) -> None:
    """Every queue and group of a ``staff --groups`` file in one simulation."""
    plan = files.read_group_staffing(ask.staffing, ask.column)
    source = str(ask.staffing)
    configs = _queue_configs(ask.queues, list(plan.calls))
    demand = plan_demand(plan, configs, ask.patience, source)
    team = plan_team(plan, files.read_skill_groups(groups), ask.column, source)
    runs = replace(ask.runs, interval_minutes=slot_minutes(plan.starts))
    result = _simulate(configs, demand, team, runs)
    if ask.chart:
        cli_output.interval_service_level_chart(plan, result, ask.service_level, ask.chart)
    cli_output.estimates_table(result, runs.replications)


def _simulate(
    configs: Sequence[QueueConfig], demand: Sequence[Demand], team: Sequence[Group], runs: Runs
) -> Replicated:
    per_run = sum(sum(d.calls) for d in demand)
    with opt.progress() as bar:
        task = bar.add_task(f"replications ({per_run:,.0f} calls each)", total=runs.replications)
        return _service().simulate(configs, demand, team, runs, lambda _: bar.advance(task))


@app.command()
def replay(
    day: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help=".jsonl AMI capture, .csv call log, or queue_log"
        ),
    ],
    agents: int = typer.Option(10, help="agents on the phones all day (without --groups)"),
    queues: opt.JsonFile = None,
    groups: opt.JsonFile = None,
    replications: opt.Replications = 5,
    seed: int = 1,
) -> None:
    """Re-run a real day against a proposed routing and staffing; actual vs simulated."""
    with opt.errors():
        calls = load_day(day)
        configs = _queue_configs(queues, sorted({c.queue for c in calls}))
        team = _team(groups, configs, (agents,))
        runs = Runs(replications=replications, seed=seed)
        with opt.progress() as bar:
            task = bar.add_task(f"replaying {len(calls):,} calls", total=replications)
            report = _service().replay(calls, configs, team, runs, lambda _: bar.advance(task))
    cli_output.replay_table(day.name, report)


def _queue_configs(path: Path | None, names: Sequence[str]) -> list[QueueConfig]:
    """The routing from ``--queues``, or one plain queue per name (skill = the queue's name)."""
    return files.read_queues(path) if path is not None else plain_queues(names)


def _team(
    path: Path | None, configs: Sequence[QueueConfig], agents: tuple[int, ...]
) -> tuple[Group, ...]:
    """The groups from ``--groups``, or one group holding every skill with ``agents``."""
    return files.read_team(path) if path is not None else default_team(configs, agents)
