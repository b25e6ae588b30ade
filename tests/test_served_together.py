"""Two servers started at once on a fresh PostgreSQL database: both come up (issue 11 item 10).

Both migrate and both fill the demo; they take turns under one advisory lock, so the second
finds the demo in place instead of dying on ``uq_agents_login``."""

from __future__ import annotations

from pathlib import Path

import psycopg

from ivr.service import SHIPPED
from tests.served import Served


def test_two_servers_started_at_once_on_a_fresh_database_both_come_up(
    postgres_url: str, tmp_path: Path
) -> None:
    demo = {"demo_customers": "400", "demo_traffic_days": "7", "demo_calls_per_minute": "0"}
    servers = [Served(tmp_path / name, postgres_url, **demo) for name in ("one", "two")]
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_healthy()
    finally:
        clean = [server.stop() for server in servers if server.process is not None]
    assert clean == [True, True], [server.tail() for server in servers]
    conninfo = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as connection:
        logins = connection.execute("SELECT login FROM agents").fetchall()
        flows = connection.execute("SELECT count(*) FROM ivr_flows").fetchone()
    assert len(logins) == len(set(logins)) == 24 + 3  # the floor, two supervisors, the admin
    assert flows is not None and flows[0] == len(list(SHIPPED.glob("*.yaml")))  # each once
