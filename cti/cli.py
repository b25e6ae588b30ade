"""The ``switchboard`` command."""

from __future__ import annotations

import contextlib

import redis
import typer
import uvicorn
from rich.console import Console
from sqlalchemy import Engine, inspect

from acd.store import RoutingStore
from cti import logs
from cti.auth.secret import signing_secret
from cti.crm.directory import Directory
from cti.db import check_database, make_engine, make_session_factory, migrate
from cti.errors import SwitchboardError
from cti.pbx import cli as pbx_cli
from cti.replay import cli as replay_cli
from cti.server.account_events import TOPIC as ACCOUNTS_CHANGED
from cti.server.redis_bus import check_redis
from cti.settings import Settings
from cti.users import cli as users_cli
from cti.users.service import Users
from ivr import cli as ivr_cli
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
) -> None:
    """Create the schema and the first admin (the password is asked for, or read from
    SWITCHBOARD_ADMIN_PASSWORD when there is no terminal)."""
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
    except SwitchboardError as exc:
        users_cli.fail(exc.message)
    console.print(
        f"Admin [bold]{login}[/bold] created. Start the server with [bold]switchboard serve"
        "[/bold] and open /ui/admin.html to add agents, queues and IVR flows."
    )


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
    )
    logs.quiet_client_errors()  # after uvicorn.Config, which sets its loggers up
    logs.scrub_tokens()
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:  # as uvicorn.run: the application did not start
        raise typer.Exit(STARTUP_FAILURE)


app.command("replay")(replay_cli.replay)
app.command("capture")(pbx_cli.capture)
app.add_typer(pbx_cli.app, name="pbx")
app.add_typer(wfm_cli.app, name="wfm")
app.add_typer(ivr_cli.app, name="ivr")
app.add_typer(dialer_cli.app, name="dialer")
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
