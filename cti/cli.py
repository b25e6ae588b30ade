"""The ``switchboard`` command."""

from __future__ import annotations

import contextlib

import typer
import uvicorn
from rich.console import Console

from cti import logs
from cti.auth.secret import signing_secret
from cti.db import check_database, make_engine, masked, migrate, schema_revisions
from cti.errors import SwitchboardError
from cti.pbx import cli as pbx_cli
from cti.replay import cli as replay_cli
from cti.server.redis_bus import check_redis
from cti.settings import Settings
from ivr import cli as ivr_cli
from simulations import outbound_cli as dialer_cli
from wfm import cli as wfm_cli

app = typer.Typer(help="Switchboard: contact-centre CTI server.", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)
STARTUP_FAILURE = 3  # uvicorn's exit status when the application does not start


@app.callback()
def main() -> None:
    """Switchboard: ACD, IVR, dialer, screen-pops and WFM on Asterisk."""


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
