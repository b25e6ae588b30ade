"""``switchboard replay CAPTURE.jsonl``: a recorded AMI session's call log, as JSON lines.

Register with ``app.command("replay")(cli.replay)`` on the ``switchboard`` Typer app.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from cti import logs
from cti import replay as replaying

Capture = Annotated[
    Path,
    typer.Argument(exists=True, dir_okay=False, readable=True, help="an AMI capture (.jsonl)"),
]


def replay(capture: Capture) -> None:
    """Replay an AMI capture through the call engine; print one JSON line per queue leg."""
    logs.configure("warning")  # to stderr: stdout carries only the call log
    out = sys.stdout.buffer
    try:
        log = replaying.replay(capture)
    except replaying.BadCapture as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    for line in log:
        out.write(orjson.dumps(line.to_json()) + b"\n")
    out.flush()
