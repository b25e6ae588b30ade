"""``switchboard pbx check`` and ``switchboard capture``: a live smoke run against the PBX the
settings name, and a recording of a live AMI session (``cti.pbx.check``, ``.recorder``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from cti import logs
from cti.pbx import check as checking
from cti.pbx import recorder as capturing
from cti.pbx.session import SessionFailed
from cti.settings import Settings
from ivr.schema import CallbackNode, QueueNode, load_file

app = typer.Typer(help="Check the Asterisk the settings name.", no_args_is_help=True)
SHIPPED_FLOWS = Path(__file__).resolve().parents[2] / "ivr" / "flows"

Flows = Annotated[
    list[Path] | None,
    typer.Option("--flow", exists=True, dir_okay=False, help="an IVR flow whose queues to check "
                 "(default: the shipped flows)"),
]  # fmt: skip
Agents = Annotated[
    list[str] | None, typer.Option("--agent", help="an agent login that must ring (repeatable)")
]


def flow_queues(paths: list[Path]) -> set[str]:
    queues: set[str] = set()
    for path in paths:
        flow = load_file(path)
        queues |= {n.queue for n in flow.nodes.values() if isinstance(n, QueueNode | CallbackNode)}
    return queues


@app.command("check")
def check(
    flow: Flows = None,
    agent: Agents = None,
    recording: Annotated[bool, typer.Option(help="Switchboard records calls (MixMonitor)")] = False,
) -> None:
    """Connect with the configured settings and print what is wrong, one line each."""
    logs.configure("warning")
    settings = Settings()
    paths = flow or sorted(SHIPPED_FLOWS.glob("*.yaml"))
    need = checking.needs(settings, queues=flow_queues(paths), agents=agent or (),
                          recording=recording)  # fmt: skip
    problems = checking.findings(asyncio.run(checking.probe(settings, need)), need)
    for line in problems:
        typer.echo(line)
    if problems:
        raise typer.Exit(1)
    dialling = " and dialling" if settings.asterisk_dialer else ""
    typer.echo(f"ok: {settings.ami_user}@{settings.ami_host}:{settings.ami_port} is ready for "
               f"{settings.asterisk_mode.value} mode{dialling}")  # fmt: skip


def capture(
    out: Annotated[Path, typer.Argument(dir_okay=False, help="where to write the JSON lines")],
    seconds: Annotated[float, typer.Option(help="how long to record", min=0.1)] = 60.0,
) -> None:
    """Record a live AMI session (in the format of tests/fixtures/asterisk) into OUT.jsonl."""
    logs.configure("warning")
    try:
        count = asyncio.run(capturing.record(Settings(), out, seconds))
    except SessionFailed as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{count} lines written to {out}", err=True)
