"""The ``switchboard`` command."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import redis
import typer
import uvicorn
from rich.console import Console
from sqlalchemy import Engine, inspect

from acd.model import QueueConfig
from acd.store import RoutingStore
from cti import logs
from cti.auth.secret import signing_secret
from cti.crm.customer_csv import CustomerCsv, Refusal
from cti.crm.directory import Directory
from cti.db import (
    check_database,
    make_engine,
    make_session_factory,
    masked,
    migrate,
    schema_revisions,
)
from cti.errors import SwitchboardError
from cti.pbx import cli as pbx_cli
from cti.replay import cli as replay_cli
from cti.server.account_events import TOPIC as ACCOUNTS_CHANGED
from cti.server.redis_bus import check_redis
from cti.settings import Settings
from cti.users import cli as users_cli
from cti.users.service import Users
from ivr import cli as ivr_cli
from ivr.service import shipped_needs
from simulations import outbound_cli as dialer_cli
from wfm import cli as wfm_cli

app = typer.Typer(help="Switchboard: contact-centre CTI server.", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)
STARTUP_FAILURE = 3  # uvicorn's exit status when the application does not start


ADMIN_PASSWORD_ENV = "SWITCHBOARD_ADMIN_PASSWORD"
NO_ADMIN = "error: no admin account yet: run `switchboard init` to create the first one"


@app.callback()
def main(ctx: typer.Context) -> None:
    """Switchboard: ACD, IVR, dialer, screen-pops and WFM on Asterisk."""
    ctx.obj = _open_users  # what `switchboard users` acts on


@app.command()
def init(
    login: str = typer.Option("admin", help="the first admin's login"),
    name: str = typer.Option("Administrator", help="the first admin's display name"),
    starter_queues: bool = typer.Option(
        True, help="create the queues and skills the shipped main-menu IVR flow routes to"
    ),
) -> None:
    """Create the schema and the first admin (the password is asked for, or read from
    SWITCHBOARD_ADMIN_PASSWORD when there is no terminal), and the starter queues (sales,
    billing, support) with a skill each, which the shipped main-menu IVR flow routes to."""
    settings = Settings()
    if settings.demo:
        users_cli.fail(
            "the demo is on and seeds its own accounts: set SWITCHBOARD_DEMO=false to set up"
            " a real centre"
        )
    try:
        users = _open_users(settings)
        admins = users.admins()
        if admins:  # said before asking for a password that would not be used
            users_cli.fail(f"already set up: the admins are {', '.join(admins)}")
        password = users_cli.read_password(ADMIN_PASSWORD_ENV, f"Password for {login}")
        users.first_admin(login, name, password)
        created = _create_starter_queues(settings) if starter_queues else []
    except SwitchboardError as exc:
        users_cli.fail(exc.message)
    console.print(f"Admin [bold]{login}[/bold] created.")
    if created:
        console.print(
            f"Starter queues {', '.join(created)} created, each needing the skill of its name"
            " at level 1 (the shipped main-menu IVR flow routes to them): give agents those"
            " skills, or change or delete the queues on the admin page."
        )
    console.print(
        "Start the server with [bold]switchboard serve[/bold] and open /ui/admin.html to add"
        " agents, queues and IVR flows."
    )


def _create_starter_queues(settings: Settings) -> list[str]:
    """The queues and skills the shipped IVR flows route to, those the centre lacks; the
    names of the queues created."""
    engine = make_engine(settings.database_url)
    try:
        store = RoutingStore(make_session_factory(engine))
        queues, skills = shipped_needs()
        known_skills = store.skills()
        for skill in sorted((skills | queues) - set(known_skills)):
            store.save_skill(skill, f"{skill.title()} (created by switchboard init)")
        existing = {queue.name for queue in store.load_queues()}
        created = sorted(queues - existing)
        for queue in created:
            store.save_queue(QueueConfig(queue, queue.title(), ((queue, 1),)))
        return created
    finally:
        engine.dispose()


@app.command()
def serve(
    host: str | None = typer.Option(None, help="HTTP host (default SWITCHBOARD_HTTP_HOST)"),
    port: int | None = typer.Option(None, help="HTTP port (default SWITCHBOARD_HTTP_PORT)"),
    log_level: str = typer.Option("info", help="debug, info, warning or error"),
) -> None:
    """Run the CTI server (simulated telephony unless SWITCHBOARD_TELEPHONY=asterisk)."""
    settings = Settings()
    logs.configure(log_level)
    try:
        signing_secret(settings.jwt_secret, demo=settings.demo, demo_file=settings.jwt_secret_file)
        check_database(make_engine(settings.database_url))
        if settings.redis_url:
            check_redis(settings.redis_url)
        if not settings.demo and not _has_admin(make_engine(settings.database_url)):
            console.print(NO_ADMIN, soft_wrap=True, highlight=False, markup=False)
            raise typer.Exit(1)
    except SwitchboardError as exc:
        console.print(f"[red]error:[/red] {exc.message}", soft_wrap=True, highlight=False)
        raise typer.Exit(1) from None
    from cti.server.app import create_app

    bind_host, bind_port = host or settings.http_host, port or settings.http_port
    _announce(settings, bind_host, bind_port)
    config = uvicorn.Config(
        create_app(settings),
        host=bind_host,
        port=bind_port,
        access_log=False,
        log_level=log_level,
        ws_max_size=64 * 1024,
        ws_per_message_deflate=settings.ws_compression,
    )
    logs.quiet_client_errors()  # after uvicorn.Config, which sets its loggers up
    logs.scrub_tokens()
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:  # as uvicorn.run: the application did not start
        raise typer.Exit(STARTUP_FAILURE)


db_app = typer.Typer(help="The database's schema (Alembic migrations).", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database of SWITCHBOARD_DATABASE_URL to the newest schema (run before
    starting a new version; ``serve`` does it too, but an upgrade is better done on its own)."""
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        check_database(engine)
        before, head = schema_revisions(engine)
        if before == head:
            console.print(f"{masked(settings.database_url)}: already at revision {head}")
            return
        migrate(engine)
        after, _ = schema_revisions(engine)
        console.print(f"{masked(settings.database_url)}: {before or 'empty'} -> {after}")
    except SwitchboardError as exc:
        console.print(f"[red]error:[/red] {exc.message}", soft_wrap=True, highlight=False)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


@db_app.command("current")
def db_current() -> None:
    """Print the database's schema revision and the newest this version ships."""
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        check_database(engine)
        current, head = schema_revisions(engine)
    except SwitchboardError as exc:
        console.print(f"[red]error:[/red] {exc.message}", soft_wrap=True, highlight=False)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(f"current {current or 'none'}  head {head}")
    if current != head:
        raise typer.Exit(2)


app.add_typer(db_app, name="db")
app.command("replay")(replay_cli.replay)
app.command("capture")(pbx_cli.capture)
app.add_typer(pbx_cli.app, name="pbx")
app.add_typer(wfm_cli.app, name="wfm")
app.add_typer(ivr_cli.app, name="ivr")
app.add_typer(dialer_cli.app, name="dialer")
crm_app = typer.Typer(help="Customers: import and export CSV.", no_args_is_help=True)
app.add_typer(crm_app, name="crm")


def _customer_csv() -> CustomerCsv:
    engine = make_engine(Settings().database_url)
    check_database(engine)
    migrate(engine)
    return CustomerCsv(make_session_factory(engine))


@crm_app.command("import")
def crm_import(
    path: Annotated[Path, typer.Argument(help="the CSV file (docs/crm.md gives its columns)")],
) -> None:
    """Upsert customers by account number; each refused row is printed (row, field, reason)."""

    def refused(refusal: Refusal) -> None:
        console.print(f"{path}: row {refusal.row}: {refusal.field}: {refusal.reason}",
                      highlight=False, markup=False)  # fmt: skip

    try:
        with path.open(encoding="utf-8-sig", newline="") as source:
            report = _customer_csv().import_csv(source, refused)
    except (OSError, SwitchboardError) as exc:
        message = exc.message if isinstance(exc, SwitchboardError) else str(exc)
        console.print(f"[red]error:[/red] {path}: {message}", highlight=False)
        raise typer.Exit(1) from None
    console.print(f"{report.created} created, {report.updated} updated, "
                  f"{report.refused_count} refused", highlight=False)  # fmt: skip
    if report.refused_count:
        raise typer.Exit(2)


@crm_app.command("export")
def crm_export(
    path: Annotated[
        Path | None, typer.Argument(help="where to write (default: standard output)")
    ] = None,
) -> None:
    """Write every customer in the import's CSV format."""
    try:
        records = _customer_csv()
        if path is None:
            written = records.export_csv(sys.stdout)
        else:
            with path.open("w", encoding="utf-8", newline="") as out:
                written = records.export_csv(out)
    except (OSError, SwitchboardError) as exc:
        message = exc.message if isinstance(exc, SwitchboardError) else str(exc)
        console.print(f"[red]error:[/red] {message}", highlight=False)
        raise typer.Exit(1) from None
    console.print(f"{written} customers exported", highlight=False)


app.add_typer(users_cli.app, name="users")


def _has_admin(engine: Engine) -> bool:
    """Whether an enabled admin exists (an empty or unmigrated database has none)."""
    try:
        if not inspect(engine).has_table("agents"):
            return False
        return bool(Users(Directory(make_session_factory(engine)), set).admins())
    finally:
        engine.dispose()


def _open_users(settings: Settings | None = None) -> Users:
    """The accounts on the configured database, migrated first; with Redis, every change is
    announced to the running servers, so their sessions end at once."""
    settings = settings or Settings()
    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    check_database(engine)
    migrate(engine)
    sessions = make_session_factory(engine)
    directory = Directory(sessions)
    if settings.redis_url:
        check_redis(settings.redis_url)
        client = redis.Redis.from_url(settings.redis_url)
        channel = settings.redis_prefix + ACCOUNTS_CHANGED

        def announce(login: str) -> None:
            client.publish(channel, login.encode())

        directory.on_account_change(announce)
    store = RoutingStore(sessions)

    def catalogue() -> set[str]:
        held = {skill for a in directory.list_agents() for skill, _ in a.skills}
        return set(store.skills()) | held

    return Users(directory, catalogue)


def _announce(settings: Settings, host: str, port: int) -> None:
    console.print(
        f"[bold]Switchboard[/bold] on http://{host}:{port}/ ({settings.telephony.value} telephony)"
    )
    if settings.demo:
        console.print(
            f"Demo logins: agents [bold]agent01[/bold]…[bold]agent{settings.demo_agents:02d}"
            "[/bold], supervisors [bold]super01[/bold], [bold]super02[/bold], admin "
            "[bold]admin[/bold]; "
            f"password [bold]{settings.demo_password.get_secret_value()}[/bold]"
        )
        console.print(
            f"Agent desktop: http://{host}:{port}/ui/agent.html  "
            f"Board: http://{host}:{port}/ui/board.html"
        )


if __name__ == "__main__":
    app()
