"""The call-log writer's spool: a leg the database will not take is kept on disk and written
when the database is back (or at the next start); nothing accepted is lost."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from structlog.testing import capture_logs

from cti.calls.writer import CallLogWriter, from_spool_line, spool_line
from cti.crm.calllog import CallLog, InteractionRecord
from cti.crm.models import Interaction
from cti.db import make_engine, make_session_factory, migrate

AT = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def leg(call_id: str) -> InteractionRecord:
    return InteractionRecord(
        call_id=call_id,
        leg=1,
        direction="inbound",
        offered_at=AT,
        caller_number="+13125550142",
        queue="sales",
        agent_login="agent01",
        answered_at=AT,
        ended_at=AT,
        wait_seconds=4.5,
        talk_seconds=61.0,
        outcome="answered",
        ivr_data=(("IVR_ACCOUNT", "12345678"),),
        rang_agents=("agent07",),
    )


class FlakyLog(CallLog):
    """The real call log, behind a database that is down while ``down`` is set."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__(sessions)
        self.down = True

    def record(self, rec: InteractionRecord) -> int:
        if self.down:
            raise OperationalError("INSERT INTO interactions", {}, Exception("server closed"))
        return super().record(rec)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'log.db'}")
    migrate(engine)
    yield make_session_factory(engine)
    engine.dispose()


def call_ids(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Interaction.call_id).order_by(Interaction.call_id)))


def test_a_spool_line_gives_back_the_same_record() -> None:
    rec = leg("c1")
    assert from_spool_line(spool_line(rec).strip()) == rec


async def test_a_leg_the_database_refuses_is_spooled_then_written_when_it_is_back(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    spool, flaky = tmp_path / "spool.jsonl", FlakyLog(sessions)
    writer = CallLogWriter(flaky, spool=spool, delays=(0.0, 0.0))
    writer.start()
    with capture_logs() as logs:
        writer.record(leg("c1"))
        await writer.drain()
    assert call_ids(sessions) == [] and len(spool.read_bytes().splitlines()) == 1
    assert any(e["event"] == "call_log_leg_spooled" and e["call_id"] == "c1" for e in logs)

    flaky.down = False
    writer.record(leg("c2"))
    await writer.drain()
    assert call_ids(sessions) == ["c1", "c2"]
    assert spool.read_bytes() == b""
    await writer.stop()


async def test_the_spool_is_written_at_start_and_unreadable_lines_are_set_aside(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    spool = tmp_path / "spool.jsonl"
    spool.write_bytes(spool_line(leg("c1")) + b"{not json\n" + b"[1, 2]\n" + spool_line(leg("c3")))
    writer = CallLogWriter(CallLog(sessions), spool=spool, delays=())
    with capture_logs() as logs:
        writer.start()
        await writer.drain()
    await writer.stop()
    assert call_ids(sessions) == ["c1", "c3"]
    assert spool.read_bytes() == b""
    rejected = (tmp_path / "spool.jsonl.rejected").read_bytes().splitlines()
    assert rejected == [b"{not json", b"[1, 2]"]
    unreadable = [e["line"] for e in logs if e["event"] == "call_log_spool_line_unreadable"]
    assert unreadable == [2, 3]


async def test_while_the_database_stays_down_the_spool_keeps_every_leg(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    spool, flaky = tmp_path / "spool.jsonl", FlakyLog(sessions)
    spool.write_bytes(spool_line(leg("c1")))
    writer = CallLogWriter(flaky, spool=spool, delays=(0.0,))
    writer.start()
    writer.record(leg("c2"))
    await writer.drain()
    await writer.stop()
    kept = [from_spool_line(line).call_id for line in spool.read_bytes().splitlines()]
    assert sorted(kept) == ["c1", "c2"] and call_ids(sessions) == []


class ScriptedLog(CallLog):
    """The real call log behind a database that takes or refuses each write as scripted."""

    def __init__(self, sessions: sessionmaker[Session], script: list[bool]) -> None:
        super().__init__(sessions)
        self.script = script

    def record(self, rec: InteractionRecord) -> int:
        if self.script and not self.script.pop(0):
            raise OperationalError("INSERT INTO interactions", {}, Exception("server closed"))
        return super().record(rec)


async def test_a_spool_the_database_refuses_again_is_retried_after_the_next_good_write(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    spool = tmp_path / "spool.jsonl"
    # c1 fails twice (spooled); c2 is taken; replaying c1 fails once more; then all is taken
    log = ScriptedLog(sessions, [False, False, True, False])
    writer = CallLogWriter(log, spool=spool, delays=(0.0,))
    writer.start()
    for call_id in ("c1", "c2", "c3"):
        writer.record(leg(call_id))
        await writer.drain()
    await writer.stop()
    assert call_ids(sessions) == ["c1", "c2", "c3"]
    assert spool.read_bytes() == b""
