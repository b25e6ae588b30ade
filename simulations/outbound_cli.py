"""``switchboard dialer simulate``: the real pacer and the real ACD in SimPy, per window.

Register with ``app.add_typer(dialer.cli.app, name="dialer")``. For each replication and each
regulatory window it prints (or, with ``--json``, emits) the abandonment rate, talk share,
calls per agent-hour and live answers. A bad option stops with one line naming it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cti.errors import SwitchboardError
from simulations.outbound import OutboundResult, run_outbound
from simulations.outbound_scenario import Mode, OutboundScenario

app = typer.Typer(help="Outbound dialling: simulate pacing.", no_args_is_help=True)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
WINDOW = re.compile(r"^(\d+(?:\.\d+)?)([hd])$")

Rate = Annotated[float, typer.Option(min=0.0, max=1.0)]


def window_seconds(text: str) -> float:
    """``24h``, ``30d`` (or any whole or decimal number of hours or days)."""
    match = WINDOW.match(text.strip())
    if match is None or float(match.group(1)) <= 0:
        raise typer.BadParameter(
            f"{text!r} is not a window such as 24h or 30d", param_hint="--window"
        )
    return float(match.group(1)) * (3600.0 if match.group(2) == "h" else 86400.0)


@app.command()
def simulate(
    agents: Annotated[int, typer.Option(min=1, max=5000, help="agents on the campaign")] = 10,
    live_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="share of dials a person answers")
    ] = 0.35,
    machine_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="share a machine answers")
    ] = 0.20,
    aht: Annotated[float, typer.Option(min=1.0, help="mean talk seconds")] = 180.0,
    wrap: Annotated[float, typer.Option(min=0.0, help="wrap-up seconds")] = 10.0,
    hours: Annotated[float, typer.Option(min=0.01, help="simulated hours of dialling")] = 8.0,
    mode: Annotated[Mode, typer.Option(help="who paces")] = Mode.PREDICTIVE,
    limit: Annotated[float, typer.Option(min=0.0, max=1.0, help="abandons per live answer")] = 0.03,
    window: Annotated[str, typer.Option(help="regulatory window: 24h (UK) or 30d (US)")] = "24h",
    seed: Annotated[int, typer.Option(help="first seed")] = 1,
    replications: Annotated[int, typer.Option(min=1, max=1000, help="independent runs")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="emit JSON on stdout")] = False,
) -> None:
    """Simulate a campaign and report every regulatory window."""
    seconds = window_seconds(window)
    try:
        scenario = OutboundScenario(
            agents=agents,
            live_rate=live_rate,
            machine_rate=machine_rate,
            aht=aht,
            wrap=wrap,
            hours=hours,
            limit=limit,
            window_seconds=seconds,
            mode=mode,
        )
    except SwitchboardError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        raise typer.Exit(2) from None
    results = [run_outbound(scenario, seed + r) for r in range(replications)]
    if as_json:
        out.print_json(json.dumps(report(scenario, results)))
    else:
        _print(scenario, results)


def report(scenario: OutboundScenario, results: list[OutboundResult]) -> dict[str, object]:
    windows = [
        {"replication": r, "seed": res.seed, **asdict(w)}
        for r, res in enumerate(results)
        for w in res.windows
    ]
    return {
        "mode": scenario.mode.value,
        "agents": scenario.agents,
        "live_rate": scenario.live_rate,
        "machine_rate": scenario.machine_rate,
        "aht": scenario.aht,
        "wrap": scenario.wrap,
        "hours": scenario.hours,
        "limit": scenario.limit,
        "window_hours": scenario.window_seconds / 3600.0,
        "amd_false_positive": scenario.amd_false_positive,
        "amd_false_negative": scenario.amd_false_negative,
        "windows": windows,
        "worst_abandonment_rate": max(r.worst_rate for r in results),
        "windows_over_limit": sum(r.windows_over for r in results),
    }


def _print(scenario: OutboundScenario, results: list[OutboundResult]) -> None:
    table = Table(
        title=f"{scenario.mode.value} dialling, {scenario.agents} agents, "
        f"{scenario.live_rate:.0%} live answers, limit {scenario.limit:.1%} per "
        f"{scenario.window_seconds / 3600:g} h window"
    )
    for column in (
        "run",
        "window",
        "hours",
        "live answers",
        "abandoned",
        "abandonment",
        "talk share",
        "calls/agent-hour",
    ):
        table.add_column(column, justify="right")
    for r, res in enumerate(results):
        for w in res.windows:
            rate = f"{w.abandonment_rate:.2%}" + (" [red]over[/red]" if w.over_limit else "")
            table.add_row(
                str(r + 1),
                str(w.index + 1),
                f"{w.hours:g}",
                f"{w.live_answers:,}",
                f"{w.abandoned:,}",
                rate,
                f"{w.talk_share:.1%}",
                f"{w.calls_per_agent_hour:.1f}",
            )
    out.print(table)
    over = sum(r.windows_over for r in results)
    out.print(
        f"windows over the limit: {over}; worst window: {max(r.worst_rate for r in results):.2%}"
    )
