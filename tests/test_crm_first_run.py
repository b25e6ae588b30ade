"""Issue 15's *Done when*, the CRM's steps, as a new user takes them with the demo off: import
1,000 customers from CSV (step 3), serve on the simulated PBX with the demo's traffic
generator ringing from the imported numbers (step 5), and see a pop of an imported customer
(step 6). Steps 1, 2 and 4 (the first admin, the users, a queue) are done here through the
directory and the routing API that exist today."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cti.cli import app as cli
from cti.crm.directory import Directory
from cti.db import make_engine, make_session_factory, migrate
from cti.roles import Role
from cti.server.app import create_app
from tests.support import bearer, next_of, settings_for, token

CUSTOMERS = 1000
PASSWORD = "a-long-enough-password"


def customers_csv(path: Path) -> set[str]:
    """1,000 customers, their numbers written as people write them; the E.164 of each."""
    numbers = set()
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["account_number", "name", "phones", "tier", "lifetime_value"])
        for i in range(CUSTOMERS):
            local = f"(415) 7{i // 1000:02d}-{i % 1000:04d}"
            numbers.add(f"+14157{i // 1000:02d}{i % 1000:04d}")
            writer.writerow([f"IMP-{i:05d}", f"Imported Customer {i}", local, "gold", "1200"])
    return numbers


def fresh_centre(tmp: Path, **overrides: Any) -> Any:
    values: dict[str, Any] = {"demo": False, "jwt_secret": "s" * 40}
    return settings_for(tmp, **(values | overrides))


def first_accounts(tmp: Path) -> None:
    engine = make_engine(fresh_centre(tmp).database_url)
    migrate(engine)
    directory = Directory(make_session_factory(engine))
    directory.create_agent("admin", "Administrator", PASSWORD, Role.ADMIN)
    directory.create_agent("boss", "Supervisor", PASSWORD, Role.SUPERVISOR)
    for login in ("ann", "bob"):
        directory.create_agent(login, login.title(), PASSWORD, Role.AGENT, [("sales", 3)])
    engine.dispose()


def test_imported_customers_ring_in_and_pop_on_a_centre_without_the_demo(
    tmp_path: Path, monkeypatch: Any
) -> None:
    first_accounts(tmp_path)
    settings = fresh_centre(tmp_path)
    # step 3: import 1,000 customers from CSV
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", settings.database_url)
    source = tmp_path / "customers.csv"
    numbers = customers_csv(source)
    result = CliRunner().invoke(cli, ["crm", "import", str(source)])
    assert result.exit_code == 0, result.output
    assert f"{CUSTOMERS} created, 0 updated, 0 refused" in result.output
    # step 4: a queue
    with TestClient(create_app(settings)) as client:
        boss = {"Authorization": f"Bearer {token(client, 'boss', PASSWORD)}"}
        res = client.put("/api/queues/sales", json={"skills": {"sales": 1}}, headers=boss)
        assert res.status_code == 200, res.text
        exported = client.get(
            "/api/crm/customers/export",
            headers={"Authorization": f"Bearer {token(client, 'admin', PASSWORD)}"},
        )
        assert exported.status_code == 200
        assert len(list(csv.reader(io.StringIO(exported.text)))) == CUSTOMERS + 1
    # step 5: serve with the traffic generator ringing from the imported numbers
    busy = fresh_centre(tmp_path, demo_calls_per_minute=600.0)
    with TestClient(create_app(busy)) as client:
        ann = token(client, "ann", PASSWORD)
        res = client.put(
            "/api/agents/ann/state",
            json={"state": "available"},
            headers={"Authorization": f"Bearer {ann}"},
        )
        assert res.status_code == 200, res.text
        with client.websocket_connect("/ws/agent", subprotocols=bearer(ann)) as ws:
            next_of(ws, "hello")
            # step 6: the pop of an imported customer
            pop = next_of(ws, "pop", limit=200)
            for _ in range(20):
                if pop["customer"]["status"] == "known":
                    break
                pop = next_of(ws, "pop", limit=200)
    assert pop["call"]["caller_number"] in numbers
    (card,) = pop["customer"]["matches"]
    assert card["account_number"].startswith("IMP-")
    assert card["name"].startswith("Imported Customer ")
    assert (card["tier"], card["lifetime_value"]) == ("gold", 1200.0)
