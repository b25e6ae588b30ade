"""``switchboard wfm forecast | staff | schedule | simulate | replay`` (and ``demo-data``).

Register with ``app.add_typer(wfm.cli.app, name="wfm")`` on the ``switchboard`` Typer app.
The files chain: calls.csv → forecast.csv → staffing.csv → shifts.csv + roster.csv; charts are
PNG (or HTML by extension). Bad input stops with one line naming file, row and field.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from acd.model import QueueConfig
from cti.errors import SwitchboardError
from simulations.replicate import QueueEstimate, replicate
from simulations.scenario import Demand, Group, Scenario
from wfm import charts, files
from wfm.calls import read_calls_csv, write_calls_csv
from wfm.demo import history
from wfm.erlang import Load
from wfm.errors import InvalidInput
from wfm.forecast import forecast as make_forecast
from wfm.replay import load_day, replay_day
from wfm.required import Target
from wfm.roster import agents_needed, roster
from wfm.schedule import ShiftRules
from wfm.schedule import schedule as make_schedule
from wfm.staffing import SkillGroup, staff_intervals, staff_skills

app = typer.Typer(
    help="Workforce management: forecast, staff, schedule, simulate, replay.", no_args_is_help=True
)
console = Console(stderr=True, soft_wrap=True)

InFile = Annotated[Path, typer.Option(exists=True, dir_okay=False, readable=True)]
OutFile = Annotated[Path, typer.Option(dir_okay=False)]


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except SwitchboardError as exc:
        console.print(f"[red]error:[/red] {exc.message}", highlight=False)
        raise typer.Exit(1) from None


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


@app.command("demo-data")
def demo_data(
    out: OutFile = Path("calls.csv"),
    start: Annotated[str, typer.Option(help="first day, YYYY-MM-DD")] = "2025-03-03",
    days: int = 84,
    calls_per_day: float = 1200.0,
    country: str = "GB",
    timezone: str = "Europe/London",
    queue: str = "support",
    seed: int = 7,
) -> None:
    """Write a synthetic call history (weekly and daily shapes, holidays) to a CSV."""
    with _errors(), _progress() as bar:
        bar.add_task("generating calls", total=None)
        records = history(
            _day(start),
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
    calls: InFile,
    start: Annotated[str, typer.Option(help="first day to forecast, YYYY-MM-DD")],
    days: int = 7,
    interval: int = typer.Option(30, help="minutes: 15, 30 or 60"),
    method: str = typer.Option("best", help="best, profile or holt-winters"),
    timezone: str = "UTC",
    country: str | None = typer.Option(None, help="holiday calendar, e.g. GB, US, DE"),
    queue: str | None = None,
    out: OutFile = Path("forecast.csv"),
    chart: Path | None = None,
) -> None:
    """Forecast calls and AHT per interval from a call-log CSV, with a backtest WAPE."""
    if method not in ("best", "profile", "holt-winters"):
        raise typer.BadParameter("best, profile or holt-winters", param_hint="--method")
    with _errors(), _progress() as bar:
        bar.add_task("reading the call log and fitting", total=None)
        records = [r for r in read_calls_csv(calls) if queue is None or r.queue == queue]
        fc = make_forecast(
            records,
            _day(start),
            days,
            interval_minutes=interval,
            method=method,  # type: ignore[arg-type]
            timezone=timezone,
            country=country,
            queue=queue,
        )
        files.write_forecast(out, fc)
        if chart:
            labels = [r.start.strftime("%a %H:%M") for r in fc.rows]
            charts.forecast_chart(labels, [r.calls for r in fc.rows], chart)
    if fc.backtest:
        for name, wape in fc.backtest.wape.items():
            console.print(f"backtest over {fc.backtest.days} days, {name}: WAPE {wape:.1%}")
    total = sum(r.calls for r in fc.rows)
    console.print(f"method {fc.method}: {total:,.0f} calls over {days} day(s) → {out}")


@app.command()
def staff(
    forecast_csv: Annotated[
        list[Path],
        typer.Option(
            "--forecast",
            exists=True,
            dir_okay=False,
            help="forecast CSV; with --groups, one per queue (repeat the option) or one file "
            "holding every queue",
        ),
    ],
    out: OutFile = Path("staffing.csv"),
    interval: int = 30,
    service_level: float = 0.8,
    answer_seconds: float = 20.0,
    patience: float | None = typer.Option(None, help="mean seconds; Erlang A instead of C"),
    shrinkage: float = 0.3,
    max_occupancy: float | None = None,
    queues: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="routing JSON, as PUT /api/queues takes"),
    ] = None,
    groups: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="agent groups JSON: staff groups with overlapping skills by simulation",
        ),
    ] = None,
    replications: int = typer.Option(3, help="per staffing candidate, with --groups"),
    seed: int = 1,
    chart: Annotated[
        Path | None,
        typer.Option(help="SL vs agents at the busiest interval; with --groups, agents per group"),
    ] = None,
) -> None:
    """Agents per interval: Erlang C (Erlang A with --patience), shrinkage included; with
    --groups, a simulation search with the real ACD, starting from the Erlang answer."""
    target = Target(service_level, answer_seconds, max_occupancy)
    if groups is not None:
        _staff_groups(
            forecast_csv,
            groups,
            queues,
            out,
            target,
            patience,
            shrinkage,
            replications,
            seed,
            chart,
        )
        return
    if len(forecast_csv) != 1:
        raise typer.BadParameter("give one forecast, or --groups to staff several queues")
    with _errors():
        rows = files.read_forecast(forecast_csv[0])
        out_rows = staff_intervals(
            rows, interval * 60.0, target, patience=patience, shrinkage=shrinkage
        )
        files.write_staffing(out, out_rows)
        if chart:
            peak = max(rows, key=lambda r: r.calls)
            charts.service_level_chart(
                Load(peak.calls, peak.aht, interval * 60.0),
                answer_seconds,
                service_level,
                chart,
                patience,
            )
    hours = sum(r.scheduled for r in out_rows) * interval / 60
    console.print(
        f"{len(out_rows)} intervals, peak {max(r.agents for r in out_rows)} on the phones, "
        f"{hours:,.0f} scheduled hours → {out}"
    )


def _staff_groups(
    forecast_csv: list[Path],
    groups: Path,
    queues: Path | None,
    out: Path,
    target: Target,
    patience: float | None,
    shrinkage: float,
    replications: int,
    seed: int,
    chart: Path | None,
) -> None:
    with _errors():
        forecasts = files.read_queue_forecasts(forecast_csv)
        configs = _queue_configs(queues, sorted(forecasts))
        team = [
            SkillGroup(g.name, tuple(sorted(g.skills.items()))) for g in files.read_groups(groups)
        ]
        intervals = files.queue_demand(forecasts, configs, patience)
        slot = _slot_minutes([(datetime.fromisoformat(start), 0) for start, _ in intervals])
        with _progress() as bar:
            task = bar.add_task("searching staffing by simulation", total=len(intervals))
            rows = staff_skills(
                intervals,
                team,
                target,
                interval=slot * 60.0,
                shrinkage=shrinkage,
                replications=max(2, replications),
                seed=seed,
                progress=lambda n: bar.update(task, completed=n),
            )
        files.write_skill_staffing(out, rows)
        if chart:
            charts.group_staffing_chart(
                [datetime.fromisoformat(r.start).strftime("%a %H:%M") for r in rows],
                {g.name: [r.agents[g.name] for r in rows] for g in team},
                [sum(r.erlang_start.values()) for r in rows],
                chart,
            )
    table = Table(title=f"staffing by simulation, {len(rows)} intervals of {slot} min")
    for col in ("group", "peak on the phones", "scheduled hours"):
        table.add_column(col)
    for g in team:
        table.add_row(
            g.name,
            str(max(r.agents[g.name] for r in rows)),
            f"{sum(r.scheduled[g.name] for r in rows) * slot / 60:,.1f}",
        )
    _stdout().print(table)
    searched = sum(r.evaluations for r in rows)
    erlang = sum(sum(r.erlang_start.values()) for r in rows) * slot / 60
    found = sum(sum(r.agents.values()) for r in rows) * slot / 60
    console.print(
        f"{searched} candidates simulated; {found:,.1f} agent-hours on the phones against "
        f"{erlang:,.1f} from Erlang per queue alone → {out}"
    )


@app.command()
def schedule(
    staffing: InFile,
    out: OutFile = Path("shifts.csv"),
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
    with _errors():
        rows = files.read_requirement(staffing, column)
        slot = _slot_minutes(rows)
        rules = ShiftRules(
            lengths_hours=tuple(float(x) for x in lengths.split(",")),
            earliest_start_hour=earliest,
            latest_end_hour=latest,
        )
        days = _by_day(rows, slot, timezone)
        plans = []
        with _progress() as bar:
            task = bar.add_task("solving shifts", total=len(days))
            for day, required in days:
                plans.append((day, make_schedule(required, slot, rules)))
                bar.advance(task)
        files.write_schedule(out, plans)
        _schedule_summary(plans)
        if roster_out:
            names = files.read_agents(agents) if agents else _names(plans)
            assigned = roster(plans, names, timezone=timezone)
            files.write_roster(roster_out, assigned)
            console.print(
                f"roster of {len(names)} agents → {roster_out}; "
                f"{agents_needed(assigned)} more needed for open shifts"
            )
        if chart:
            labels = [
                f"{d:%a} {m // 60:02d}:{m % 60:02d}" for d, p in plans for m in range(0, 1440, slot)
            ]
            charts.staffing_chart(
                labels,
                [r for _, p in plans for r in p.required],
                [c for _, p in plans for c in p.coverage],
                chart,
            )


@app.command()
def simulate(
    staffing: InFile,
    queue: str = typer.Option("support", help="the queue, when --queues is not given"),
    queues: Annotated[Path | None, typer.Option(exists=True, dir_okay=False)] = None,
    groups: Annotated[Path | None, typer.Option(exists=True, dir_okay=False)] = None,
    patience: float | None = typer.Option(120.0, help="mean seconds; 0 for none"),
    column: str = typer.Option("agents", help="staffing column to put on the phones"),
    shrinkage: float = 0.0,
    replications: int = 5,
    seed: int = 1,
    chart: Annotated[
        Path | None, typer.Option(help="SL vs agents with the simulated point")
    ] = None,
) -> None:
    """Run the real ACD on SimPy over the staffing file's day(s), with confidence intervals.

    A file from ``staff --groups`` runs every queue it forecasts with every group's agents
    (``--groups`` gives their skills); any other staffing file runs one queue."""
    if files.is_group_staffing(staffing):
        if groups is None:
            raise typer.BadParameter(
                "this staffing is per group: give --groups", param_hint="--groups"
            )
        _simulate_groups(
            staffing, queues, groups, patience or None, column, shrinkage, replications, seed, chart
        )
        return
    with _errors():
        demand_rows = files.read_forecast(staffing)
        required = files.read_requirement(staffing, column)
        slot = _slot_minutes(required)
        configs = _queue_configs(queues, [queue])
        mean_patience = patience or None
        demand = tuple(
            Demand(
                q.name,
                tuple(r.calls for r in demand_rows),
                _mean_aht(demand_rows, q),
                patience=mean_patience,
            )
            for q in configs[:1]
        )
        team = _groups(groups, configs, tuple(n for _, n in required))
        scenario = Scenario(tuple(configs), demand, team, slot * 60.0, shrinkage=shrinkage)
        with _progress() as bar:
            task = bar.add_task(
                f"replications ({sum(demand[0].calls):,.0f} calls each)", total=replications
            )
            result = replicate(scenario, replications, seed, lambda _: bar.advance(task))
    _estimates_table(result.queues.values(), f"{replications} replications, {result.calls:,} calls")
    if chart:
        peak = max(range(len(demand_rows)), key=lambda i: demand_rows[i].calls)
        est = result.intervals.get((configs[0].name, peak))
        points = (
            [(required[peak][1], est.service_level.mean, est.service_level.half_width)]
            if est
            else []
        )
        charts.service_level_chart(
            Load(demand_rows[peak].calls, demand_rows[peak].aht, slot * 60.0),
            configs[0].service_level_seconds,
            0.8,
            chart,
            mean_patience,
            points,
        )


def _simulate_groups(
    staffing: Path,
    queues: Path | None,
    groups: Path,
    patience: float | None,
    column: str,
    shrinkage: float,
    replications: int,
    seed: int,
    chart: Path | None,
) -> None:
    with _errors():
        plan = files.read_group_staffing(staffing, column)
        configs = _queue_configs(queues, list(plan.calls))
        known = {q.name: q for q in configs}
        missing = [q for q in plan.calls if q not in known]
        if missing:
            raise InvalidInput(
                f"{', '.join(missing)} not configured in the queues", source=str(staffing)
            )
        specs = files.read_groups(groups)
        absent = [g.name for g in specs if g.name not in plan.agents]
        if absent:
            raise InvalidInput(
                f"has no {', '.join(f'{g}_{column}' for g in absent)} column", source=str(staffing)
            )
        demand = tuple(
            Demand(
                name,
                tuple(calls),
                _talk(calls, plan.handle[name], known[name]),
                patience=patience,
            )
            for name, calls in plan.calls.items()
        )
        team = tuple(
            Group(g.name, tuple(sorted(g.skills.items())), tuple(plan.agents[g.name]))
            for g in specs
        )
        slot = _slot_minutes([(t, 0) for t in plan.starts])
        scenario = Scenario(tuple(configs), demand, team, slot * 60.0, shrinkage=shrinkage)
        per_run = sum(sum(d.calls) for d in demand)
        with _progress() as bar:
            task = bar.add_task(f"replications ({per_run:,.0f} calls each)", total=replications)
            result = replicate(scenario, replications, seed, lambda _: bar.advance(task))
        if chart:
            labels = [t.strftime("%a %H:%M") for t in plan.starts]
            nan = (math.nan, 0.0)
            charts.interval_service_level_chart(
                labels,
                {
                    q: [
                        (e.service_level.mean, e.service_level.half_width)
                        if (e := result.intervals.get((q, k))) and plan.calls[q][k] > 0
                        else nan
                        for k in range(len(plan.starts))
                    ]
                    for q in plan.calls
                },
                0.8,
                chart,
            )
    _estimates_table(result.queues.values(), f"{replications} replications, {result.calls:,} calls")


def _queue_configs(path: Path | None, names: list[str]) -> list[QueueConfig]:
    """The routing from ``--queues``, or one plain queue per name (skill = the queue's name)."""
    if path is not None:
        return files.read_queues(path)
    return [QueueConfig(name, skills=((name, 1),)) for name in names]


def _talk(calls: list[float], handle: list[float], queue: QueueConfig) -> float:
    """Mean talk seconds: the forecast's handle time, weighted by calls, less the wrap-up."""
    total = sum(calls)
    if not total:
        return 180.0
    mean = sum(c * h for c, h in zip(calls, handle, strict=True)) / total
    return max(mean - queue.wrapup_seconds, 1.0)


@app.command()
def replay(
    day: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help=".jsonl AMI capture, .csv call log, or queue_log"
        ),
    ],
    agents: int = typer.Option(10, help="agents on the phones all day (without --groups)"),
    queues: Annotated[Path | None, typer.Option(exists=True, dir_okay=False)] = None,
    groups: Annotated[Path | None, typer.Option(exists=True, dir_okay=False)] = None,
    replications: int = 5,
    seed: int = 1,
) -> None:
    """Re-run a real day against a proposed routing and staffing; actual vs simulated."""
    with _errors():
        calls = load_day(day)
        names = sorted({c.queue for c in calls})
        configs = _queue_configs(queues, names)
        team = _groups(groups, configs, (agents,))
        with _progress() as bar:
            task = bar.add_task(f"replaying {len(calls):,} calls", total=replications)
            report = replay_day(
                calls,
                configs,
                team,
                replications=replications,
                seed=seed,
                progress=lambda _: bar.advance(task),
            )
    table = Table(title=f"{day.name}: {report.calls} calls, actual vs simulated (95% CI)")
    for col in (
        "queue",
        "offered",
        "SL actual",
        "SL simulated",
        "ASA actual",
        "ASA simulated",
        "abandons actual",
        "abandon rate simulated",
        "mean patience",
    ):
        table.add_column(col)
    for q, act in report.actual.items():
        sim = report.simulated[q]
        table.add_row(
            q,
            str(act.offered),
            f"{act.service_level:.1%}",
            str(sim.service_level),
            f"{act.asa:.1f} s",
            str(sim.asa),
            str(act.abandoned),
            str(sim.abandon_rate),
            f"{report.mean_patience[q]:.0f} s",
        )
    _stdout().print(table)


# -- helpers ------------------------------------------------------------------------------
def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not YYYY-MM-DD") from None


def _slot_minutes(rows: list) -> int:  # type: ignore[type-arg]
    if len(rows) < 2:
        return 30
    minutes = (
        round((rows[1][0] - rows[0][0]).total_seconds() / 60) if isinstance(rows[0], tuple) else 30
    )
    if minutes not in (15, 30, 60):
        raise InvalidInput("intervals must be 15, 30 or 60 minutes apart", field="start")
    return minutes


def _by_day(rows: list, slot: int, timezone: str) -> list[tuple[date, list[int]]]:  # type: ignore[type-arg]
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(timezone)
    days: dict[date, list[int]] = {}
    for start, n in rows:
        local = start.astimezone(tz)
        need = days.setdefault(local.date(), [0] * (1440 // slot))
        need[(local.hour * 60 + local.minute) // slot] = n
    return sorted(days.items())


def _names(plans: list) -> list[str]:  # type: ignore[type-arg]
    busiest = max(p.agents for _, p in plans)
    needed = math.ceil(busiest * 7 / 5) if len(plans) > 1 else busiest
    return [f"Agent {i:03d}" for i in range(1, needed + 1)]


def _mean_aht(rows: list, queue: QueueConfig) -> float:  # type: ignore[type-arg]
    total = sum(r.calls for r in rows)
    return sum(r.calls * r.aht for r in rows) / total - queue.wrapup_seconds if total else 180.0


def _groups(
    path: Path | None, configs: list[QueueConfig], agents: tuple[int, ...]
) -> tuple[Group, ...]:
    if path is None:
        skills = tuple(sorted({s for q in configs for s in q.skills}))
        return (Group("team", skills or ((configs[0].name, 1),), agents),)
    out = []
    for g in files.read_groups(path):
        counts = (g.agents,) if isinstance(g.agents, int) else tuple(g.agents)
        out.append(Group(g.name, tuple(sorted(g.skills.items())), counts))
    return tuple(out)


def _schedule_summary(plans: list) -> None:  # type: ignore[type-arg]
    table = Table(title="shifts")
    for col in ("day", "shifts", "agents", "paid hours", "over (agent-slots)", "under", "status"):
        table.add_column(col)
    for day, p in plans:
        table.add_row(
            f"{day:%a %Y-%m-%d}",
            str(len(p.shifts)),
            str(p.agents),
            f"{p.paid_hours:.1f}",
            str(p.over),
            str(p.under),
            p.status,
        )
    _stdout().print(table)


def _estimates_table(estimates: object, title: str) -> None:
    table = Table(title=title)
    for col in ("queue", "offered/rep", "service level", "ASA (s)", "abandon rate", "occupancy"):
        table.add_column(col)
    for e in estimates:  # type: ignore[attr-defined]
        assert isinstance(e, QueueEstimate)
        table.add_row(
            e.queue,
            f"{e.offered:,.0f}",
            str(e.service_level),
            str(e.asa),
            str(e.abandon_rate),
            str(e.occupancy),
        )
    _stdout().print(table)


def _stdout() -> Console:
    """Tables go to stdout, wide enough not to wrap their numbers."""
    return Console(width=160)
