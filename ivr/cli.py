"""``switchboard ivr``: try a flow without a PBX, check it, print the JSON Schema.

``switchboard ivr test FLOW --digits 2,1234#`` runs the flow file through the real engine:
each ``--digits`` entry answers one menu, digit collection or callback offer in turn (an
empty entry is silence until the timeout). It prints the path taken, the variables set and
where the call ends.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from cti.clock import LiveClock, ManualClock
from ivr import schema
from ivr.driver import SessionRecord, drive
from ivr.errors import InvalidFlow
from ivr.state import (
    AskDigits,
    AskMenu,
    Bundle,
    CallState,
    CallWebhook,
    End,
    Fetched,
    Looked,
    Lookup,
    Play,
)
from ivr.validate import Catalogue, problems

FlowFile = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, help="a flow file (YAML or JSON)")
]
app = typer.Typer(help="IVR flows: test, validate, schema.", no_args_is_help=True)


class ScriptIO:
    """The caller and the outside world of a test run, with a printed trace."""

    def __init__(
        self, digits: list[str], found: bool, tier: str, webhook: dict[str, str] | None
    ) -> None:
        self.digits, self.found, self.tier, self.webhook_reply = digits, found, tier, webhook
        self.lines: list[str] = []
        self.variables: dict[str, str] = {}

    async def play(self, action: Play) -> None:
        self.lines.append(f"  play     {action.prompt or '-'}  {_quoted(action.say)}")

    async def ask(self, action: AskMenu | AskDigits, state: CallState) -> str:
        answer = self.digits.pop(0) if self.digits else ""
        shown = answer or "(silence)"
        kind = "menu" if isinstance(action, AskMenu) else "collect"
        self.lines.append(f"  {kind:<8} {state.node}  <- {shown}")
        return answer

    async def set_variables(self, variables: tuple[tuple[str, str], ...]) -> None:
        for name, value in variables:
            self.variables[name] = value
            self.lines.append(f"  set      {name}={value}")

    async def lookup(self, action: Lookup) -> Looked:
        self.lines.append(f"  crm      by {action.by} {action.key}: found={self.found}")
        if not self.found:
            return Looked(False)
        card = {"CRM_CUSTOMER_ID": "0", "CRM_NAME": "Test Caller", "CRM_TIER": self.tier}
        account = action.key if action.by == "account" else ""
        return Looked(True, (*card.items(), ("CRM_ACCOUNT", account)))

    async def webhook(self, action: CallWebhook) -> Fetched:
        ok = self.webhook_reply is not None
        self.lines.append(f"  webhook  {action.method} {action.url}: {'ok' if ok else 'failed'}")
        return Fetched(True, tuple((self.webhook_reply or {}).items())) if ok else Fetched(False)

    async def end(self, end: End, state: CallState) -> None:
        self.lines.append(f"  end      {end.kind} {end.target or ''}".rstrip())


def run_test(
    bundle: Bundle,
    digits: list[str],
    *,
    caller: str | None = None,
    found: bool = False,
    tier: str = "standard",
    webhook: dict[str, str] | None = None,
    at: float | None = None,
) -> tuple[SessionRecord, ScriptIO]:
    io = ScriptIO(list(digits), found, tier, webhook)
    clock = ManualClock(at) if at is not None else LiveClock()
    record = asyncio.run(drive(bundle, io, clock, call_id="test", caller=caller))
    return record, io


def render(record: SessionRecord, io: ScriptIO) -> str:
    ends = record.outcome + (f" {record.target}" if record.target else "")
    lines = [
        f"flow: {record.flow}",
        "path: " + " > ".join(record.path),
        "steps:",
        *io.lines,
        "variables:",
        *(f"  {k}={v}" for k, v in io.variables.items()),
        f"ends: {ends}",
        f"journey: {record.summary or '-'}",
    ]
    return "\n".join(lines)


@app.command("test")
def test(
    flow: FlowFile,
    digits: Annotated[str, typer.Option(help="Answers in order, comma separated: 2,1234#")] = "",
    caller: Annotated[str, typer.Option(help="The caller's number")] = "+13125550142",
    found: Annotated[bool, typer.Option(help="CRM lookups find the customer")] = False,
    tier: Annotated[str, typer.Option(help="The tier a found customer has")] = "standard",
    webhook: Annotated[str | None, typer.Option(help="Webhooks answer this JSON")] = None,
    at: Annotated[str | None, typer.Option(help="Call time, ISO 8601 with offset")] = None,
    subflow: Annotated[list[Path] | None, typer.Option(help="Flow files run as subflows")] = None,
) -> None:
    """Run FLOW with scripted answers and print the path, variables and ending."""
    try:
        main = schema.load_file(flow)
        subs = {f.name: f for f in (schema.load_file(p) for p in subflow or [])}
    except InvalidFlow as exc:
        _fail(list(exc.problems))
    found_problems = problems(main, Catalogue(flows=subs, strict=False))
    if found_problems:
        _fail(found_problems)
    when = datetime.fromisoformat(at).timestamp() if at else None
    reply = json.loads(webhook) if webhook else None
    answers = digits.split(",") if digits else []
    record, io = run_test(
        Bundle(main, 0, subs),
        answers,
        caller=caller,
        found=found,
        tier=tier,
        webhook={str(k): str(v) for k, v in reply.items()} if reply else None,
        at=when,
    )
    typer.echo(render(record, io))


@app.command("validate")
def validate(
    flow: FlowFile,
    queues: Annotated[str, typer.Option(help="Known queues, comma separated")] = "",
    skills: Annotated[str, typer.Option(help="Known skills, comma separated")] = "",
) -> None:
    """Check FLOW; print each problem as path: message, exit 1 if there are any."""
    try:
        parsed = schema.load_file(flow)
    except InvalidFlow as exc:
        _fail(list(exc.problems))
    catalogue = Catalogue(
        frozenset(filter(None, queues.split(","))),
        frozenset(filter(None, skills.split(","))),
        strict=bool(queues or skills),
    )
    found = problems(parsed, catalogue)
    if found:
        _fail(found)
    typer.echo(f"{parsed.name}: valid")


@app.command("schema")
def print_schema() -> None:
    """Print the flow format as JSON Schema."""
    typer.echo(json.dumps(schema.json_schema(), indent=2))


def _fail(found: list[str]) -> None:
    for line in found:
        typer.echo(line, err=True)
    raise typer.Exit(1)


def _quoted(text: str | None) -> str:
    return f'"{text}"' if text else ""
