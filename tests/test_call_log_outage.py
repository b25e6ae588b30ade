"""A server killed (``kill -9``) in the middle of a database outage loses no call leg and
writes none twice (issue 11 item 7), against a real server, real traffic and a real PostgreSQL.

The simulated PBX runs the demo traffic sped up. The database is stopped while calls flow,
the server is killed while it is down, then both come back. Every leg the first server
finished is counted from what it reported durably: its log line per journalled leg, and its
journal as the kill left it (a leg is logged just after its fsync, so a kill in between leaves
it in the journal, not yet done). The database must then hold exactly those legs, once each.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import psycopg
import pytest

from cti.calls.journal import parse_line
from cti.crm.calllog import InteractionRecord, leg_key
from tests.conftest import ServerUnavailable, unavailable
from tests.served import RestartablePostgres, Served

pytestmark = pytest.mark.postgres

TRAFFIC = {
    "demo_calls_per_minute": "300",
    "demo_campaign": "false",  # the inbound call log is what this test counts
    "demo_mean_talk_seconds": "1",
    "demo_mean_patience_seconds": "4",
    "demo_customers": "200",
    "demo_traffic_days": "0",
}


@pytest.fixture
def database() -> Iterator[RestartablePostgres]:
    if not (shutil.which("initdb") and shutil.which("pg_ctl")):
        unavailable("PostgreSQL: no initdb/pg_ctl on PATH for a server the test can stop")
    try:
        server = RestartablePostgres()
    except ServerUnavailable as exc:
        unavailable(f"PostgreSQL: {exc}")
    try:
        yield server
    finally:
        server.close()


def log_events(server: Served, event: str) -> list[dict[str, object]]:
    found = []
    for line in server.log_path.read_bytes().splitlines():
        if line.startswith(b"{"):
            data = orjson.loads(line)
            if data.get("event") == event:
                found.append(data)
    return found


def journalled_keys(server: Served) -> set[str]:
    return {str(e["key"]) for e in log_events(server, "call_log_leg_journaled")}


def legs_in_journal(journal: Path) -> set[str]:
    """The legs a journal holds that are not marked done."""
    entries, done = {}, set()
    for line in journal.read_bytes().splitlines() if journal.exists() else ():
        if not line.strip():
            continue
        parsed = parse_line(line)
        if isinstance(parsed, str):
            done.add(parsed)
        elif isinstance(parsed.item, InteractionRecord):
            entries[parsed.entry_id] = leg_key(parsed.item)
    return {key for entry_id, key in entries.items() if entry_id not in done}


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def logged_legs(url: str) -> list[tuple[str, str]]:
    """(leg_key, conversation) of every simulated call's leg in the call log."""
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as connection:
        rows = connection.execute(
            "SELECT leg_key, call_id || ' ' || offered_at || ' ' || coalesce(agent_login, '-')"
            " || ' ' || coalesce(ended_at::text, '-') FROM interactions"
            " WHERE call_id LIKE 'sim-%'"
        ).fetchall()
    return [(str(key), str(conversation)) for key, conversation in rows]


def test_a_server_killed_in_a_database_outage_loses_no_call_leg_and_writes_none_twice(
    database: RestartablePostgres, tmp_path: Path
) -> None:
    url = database.create_database("switchboard")
    first = Served(tmp_path / "server", url, **TRAFFIC).start()
    try:
        first.wait_healthy()
        wait_for(lambda: len(journalled_keys(first)) >= 15, "legs before the outage")
        database.stop()
        before_outage = len(journalled_keys(first))
        wait_for(lambda: len(journalled_keys(first)) >= before_outage + 25, "legs in the outage")
        wait_for(lambda: bool(log_events(first, "call_log_waiting_for_database")), "the outage")
    finally:
        first.kill()
    left_in_journal = legs_in_journal(first.journal)
    finished = journalled_keys(first) | left_in_journal

    database.start()
    second = Served(tmp_path / "server", url, **TRAFFIC).start()
    try:
        second.wait_healthy()
        seen = len(journalled_keys(second))
        wait_for(lambda: len(journalled_keys(second)) >= seen + 10, "legs after the restart")
    finally:
        assert second.stop(), second.tail()
    finished |= journalled_keys(second)

    written = logged_legs(url)
    keys = [key for key, _ in written]
    print(
        f"legs written {len(written)} against legs finished {len(finished)}; "
        f"{len(left_in_journal)} were only in the journal when the server was killed"
    )
    assert len(left_in_journal) >= 20  # the kill really left legs the database never had
    assert sorted(keys) == sorted(finished)  # none lost, none extra, each key once
    assert len({conversation for _, conversation in written}) == len(written)  # none twice
    assert legs_in_journal(second.journal) == set()  # all done
