"""The options ``switchboard wfm`` shares, the parsing of option values, and the plumbing
every command runs in: one-line errors and a progress bar on stderr."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, get_args

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cti.errors import SwitchboardError
from wfm.cli_output import console
from wfm.forecast import Method

InFile = Annotated[Path, typer.Option(exists=True, dir_okay=False, readable=True)]
OutFile = Annotated[Path, typer.Option(dir_okay=False)]
JsonFile = Annotated[Path | None, typer.Option(exists=True, dir_okay=False)]
Chart = Annotated[Path | None, typer.Option(help="a chart, .png or .html")]
ServiceLevel = Annotated[
    float, typer.Option(help="target share of calls answered within the answer time")
]
Replications = Annotated[int, typer.Option(help="independent simulation runs")]
ForecastFiles = Annotated[
    list[Path],
    typer.Option(
        "--forecast",
        exists=True,
        dir_okay=False,
        help="forecast CSV; with --groups, one per queue (repeat the option) or one file "
        "holding every queue",
    ),
]
RoutingFile = Annotated[
    Path | None,
    typer.Option(exists=True, dir_okay=False, help="routing JSON, as PUT /api/queues takes"),
]
GroupsFile = Annotated[
    Path | None,
    typer.Option(
        exists=True,
        dir_okay=False,
        help="agent groups JSON: staff groups with overlapping skills by simulation",
    ),
]
StaffChart = Annotated[
    Path | None,
    typer.Option(help="SL vs agents at the busiest interval; with --groups, agents per group"),
]


@contextmanager
def errors() -> Iterator[None]:
    try:
        yield
    except SwitchboardError as exc:
        console.print(f"[red]error:[/red] {exc.message}", highlight=False)
        raise typer.Exit(1) from None


def progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not YYYY-MM-DD") from None


def method(text: str) -> Method:
    for name in get_args(Method):
        if text == name:
            return name  # type: ignore[no-any-return]
    raise typer.BadParameter("best, profile or holt-winters", param_hint="--method")


def hours(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(x) for x in text.split(","))
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not hours such as 4,6,8", param_hint="--lengths"
        ) from None
