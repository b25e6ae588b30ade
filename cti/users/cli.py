"""``switchboard users``: list, add, disable, enable, passwd and import, on the database the
settings name (the application hands the ``Users`` over through ``ctx.obj``).

A password is asked for on a terminal (twice, hidden); without one it is read from
``SWITCHBOARD_NEW_PASSWORD``, so scripts never put it on a command line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cti.errors import SwitchboardError
from cti.roles import Role
from cti.users.importing import import_users
from cti.users.service import NewUser, UserChange, Users

PASSWORD_ENV = "SWITCHBOARD_NEW_PASSWORD"
app = typer.Typer(help="Agents, supervisors and admins.", no_args_is_help=True)
out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)


def read_password(env: str, prompt: str = "Password") -> str:
    """Ask on a terminal; otherwise read ``env``, or stop saying what to set."""
    if sys.stdin.isatty():
        return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))
    value = os.environ.get(env)
    if not value:
        fail(f"no terminal to ask for the password: set {env}")
    return str(value)


def fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


def _users(ctx: typer.Context) -> Users:
    opener: Callable[[], Users] = ctx.obj
    return opener()


def parse_skills(text: str) -> tuple[tuple[str, int], ...]:
    pairs = []
    for item in text.replace(",", " ").replace(";", " ").split():
        name, _, level = item.partition(":")
        if not level.isdigit():
            fail(f"--skills: {item!r} is not name:level (a level 1 to 5)")
        pairs.append((name, int(level)))
    return tuple(pairs)


@app.command("list")
def list_users(ctx: typer.Context) -> None:
    """Every account, with its role, skills and whether it may log in."""
    table = Table("login", "name", "role", "enabled", "skills")
    for a in _users(ctx).accounts():
        skills = " ".join(f"{s}:{level}" for s, level in a.skills)
        table.add_row(a.login, a.display_name, a.role.value, "yes" if a.enabled else "no", skills)
    out.print(table)


@app.command()
def add(
    ctx: typer.Context,
    login: str,
    name: Annotated[str, typer.Option(help="the name colleagues see")],
    role: Annotated[Role, typer.Option(help="agent, supervisor or admin")] = Role.AGENT,
    skills: Annotated[str, typer.Option(help='e.g. "sales:3 support:2"')] = "",
) -> None:
    """Create an account (the password is asked for, or read from SWITCHBOARD_NEW_PASSWORD)."""
    users = _users(ctx)
    new = NewUser(login, name, read_password(PASSWORD_ENV), role, parse_skills(skills))
    _run(lambda: users.create(new), f"{login} created ({role.value})")


@app.command()
def disable(ctx: typer.Context, login: str) -> None:
    """Stop an account logging in; its sessions end at once."""
    users = _users(ctx)
    _run(lambda: users.disable(login), f"{login} disabled: its sessions have ended")


@app.command()
def enable(ctx: typer.Context, login: str) -> None:
    """Let a disabled account log in again."""
    users = _users(ctx)
    _run(lambda: users.change(login, UserChange(enabled=True)), f"{login} enabled")


@app.command()
def passwd(ctx: typer.Context, login: str) -> None:
    """Set a new password (asked for, or SWITCHBOARD_NEW_PASSWORD); its sessions end at once."""
    users = _users(ctx)
    password = read_password(PASSWORD_ENV, f"New password for {login}")
    _run(lambda: users.set_password(login, password), f"{login}: password changed")


@app.command("import")
def import_file(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Create accounts from a CSV (login,display_name,password,role,skills); each refused
    row is named, and the command fails if any was."""
    users = _users(ctx)
    try:
        with path.open(encoding="utf-8-sig", newline="") as lines:
            report = import_users(users, lines)
    except UnicodeDecodeError as exc:
        fail(f"{path}: not UTF-8 (byte {exc.start})")
        return
    for refused in report.refused:
        err.print(f"{path}:{refused.row}: {refused.field}: {refused.reason}")
    out.print(f"{len(report.created)} created, {len(report.refused)} refused")
    if report.refused:
        raise typer.Exit(1)


def _run(action: Callable[[], object], done: str) -> None:
    try:
        action()
    except SwitchboardError as exc:
        fail(exc.message)
    out.print(done)
