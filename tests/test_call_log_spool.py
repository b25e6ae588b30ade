"""The call-log writer's write-ahead journal: a finished leg is on disk before the database is
tried, is written when the database is back (or at the next start), and never twice."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from structlog.testing import capture_logs

from cti.calls.journal import Entry, Journal, WrapUp, entry_line, parse_line
from cti.calls.writer import CallLogWriter
from cti.crm.calllog import CallLog, InteractionRecord
from cti.crm.models import Interaction
from cti.db import DatabaseUnavailable, make_engine, make_session_factory, migrate
from tests.support import until

AT = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def leg(call_id: str, n: int = 0) -> InteractionRecord:
    return InteractionRecord(
        call_id=call_id,
        leg=n,
        direction="inbound",
        offered_at=AT,
        caller_number="+13125550142",
        queue="sales",
        agent_login="agent01",
        answered_at=AT,
        ended_at=AT + timedelta(seconds=61),
        wait_seconds=4.5,
        talk_seconds=61.0,
        outcome="answered",
        ivr_data=(("IVR_ACCOUNT", "12345678"),),
        rang_agents=("agent07",),
    )


class FlakyLog(CallLog):
    """The real call log, behind a database that is away while ``down`` is set."""

    def __init__(self, sessions: sessionmaker[Session], *, down: bool = True) -> None:
        super().__init__(sessions)
        self.down = down
        self.attempts = 0

    def record(self, rec: InteractionRecord) -> int:
        self.attempts += 1
        if self.down:
            raise OperationalError("INSERT INTO interactions", {}, Exception("server closed"))
        return super().record(rec)

    def wrap_up(self, *args: object, **kwargs: object) -> int:
        if self.down:
            raise OperationalError("UPDATE interactions", {}, Exception("server closed"))
        return super().wrap_up(*args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'log.db'}")
    migrate(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "var" / "call-log-spool.jsonl"


def call_ids(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Interaction.call_id).order_by(Interaction.id)))


def lines(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def pending_call_ids(path: Path) -> list[str]:
    done = {line["done"] for line in lines(path) if "done" in line}
    return [
        str(line["leg"]["call_id"])  # type: ignore[index]
        for line in lines(path)
        if "leg" in line and line["id"] not in done
    ]


def writer_for(log: CallLog, journal: Path, **options: object) -> CallLogWriter:
    settings: dict[str, object] = {"delays": (), "retry_seconds": 0.01, **options}
    return CallLogWriter(log, journal, **settings)  # type: ignore[arg-type]


def recovered(path: Path) -> list[Entry]:
    """What a server starting now would write: the journal's entries not yet done."""
    journal = Journal(path)
    try:
        return journal.recover()
    finally:
        journal.close()


def test_a_journal_line_gives_back_the_same_leg_or_wrap_up() -> None:
    for item in (leg("c1"), WrapUp("c1", "agent01", "resolved", "Reset.", "Fri", 12.5)):
        entry = Entry.new(item)
        assert parse_line(entry_line(entry).strip()) == entry


async def test_a_finished_leg_is_on_disk_before_the_database_is_tried(
    sessions: sessionmaker[Session], journal: Path
) -> None:
    log = FlakyLog(sessions, down=False)
    writer = writer_for(log, journal)
    writer.start()
    writer.record(leg("c1"))
    assert pending_call_ids(journal) == ["c1"] and log.attempts == 0
    await writer.drain()
    assert call_ids(sessions) == ["c1"] and pending_call_ids(journal) == []
    await writer.stop()


async def test_a_leg_the_database_refuses_waits_in_the_journal_and_is_written_when_it_is_back(
    sessions: sessionmaker[Session], journal: Path
) -> None:
    log = FlakyLog(sessions)
    writer = writer_for(log, journal)
    writer.start()
    with capture_logs() as logs:
        writer.record(leg("c1"))
        writer.record(leg("c2"))
        await writer.drain()
    assert call_ids(sessions) == [] and pending_call_ids(journal) == ["c1", "c2"]
    assert writer.backlog == 2
    assert any(e["event"] == "call_log_waiting_for_database" for e in logs)

    log.down = False
    await until(lambda: writer.backlog == 0)
    await writer.drain()
    assert call_ids(sessions) == ["c1", "c2"] and pending_call_ids(journal) == []
    await writer.stop()


async def test_while_the_database_is_away_new_legs_wait_behind_the_old_without_each_being_tried(
    sessions: sessionmaker[Session], journal: Path
) -> None:
    log = FlakyLog(sessions)
    writer = writer_for(log, journal, retry_seconds=60.0)
    writer.start()
    for n in range(20):
        writer.record(leg(f"c{n}"))
    await writer.drain()
    assert log.attempts == 1 and writer.backlog == 20
    await writer.stop()


async def test_legs_kept_through_a_stop_are_written_in_order_at_the_next_start(
    sessions: sessionmaker[Session], journal: Path
) -> None:
    writer = writer_for(FlakyLog(sessions), journal)
    writer.start()
    for call_id in ("c1", "c2", "c3"):
        writer.record(leg(call_id))
    await writer.drain()
    await writer.stop()
    assert pending_call_ids(journal) == ["c1", "c2", "c3"]

    again = writer_for(CallLog(sessions), journal)
    again.start()
    again.record(leg("c4"))
    await again.drain()
    await again.stop()
    assert call_ids(sessions) == ["c1", "c2", "c3", "c4"]


async def test_a_leg_written_whose_done_mark_was_lost_is_written_again_as_the_same_row(
    sessions: sessionmaker[Session], journal: Path
) -> None:
    """A crash between the database's commit and the done mark: the replay finds the row."""
    log = CallLog(sessions)
    first = leg("c1")
    log.record(first)
    journal.parent.mkdir(parents=True)
    journal.write_bytes(entry_line(Entry.new(replace(first, talk_seconds=62.0))))
    writer = writer_for(log, journal)
    writer.start()
    await writer.drain()
    await writer.stop()
    assert call_ids(sessions) == ["c1"]
    assert [r.talk_seconds for r in log.get("c1")] == [62.0]


async def test_at_start_unreadable_lines_are_set_aside_and_the_spool_of_earlier_versions_is_read(
    sessions: sessionmaker[Session], journal: Path
) -> None:
    journal.parent.mkdir(parents=True)
    earlier = orjson.dumps(asdict(leg("c3")))  # a bare record, as the old spool held them
    journal.write_bytes(
        entry_line(Entry.new(leg("c1"))) + b"{not json\n[1, 2]\n" + earlier + b'\n{"id": "x'
    )
    writer = writer_for(CallLog(sessions), journal)
    with capture_logs() as logs:
        writer.start()
        await writer.drain()
    await writer.stop()
    assert call_ids(sessions) == ["c1", "c3"]
    assert pending_call_ids(journal) == []
    rejected = journal.with_suffix(".jsonl.rejected").read_bytes().splitlines()
    assert rejected == [b"{not json", b"[1, 2]", b'{"id": "x']
    unreadable = [e["line"] for e in logs if e["event"] == "call_log_journal_line_unreadable"]
    assert unreadable == [2, 3, 5]


def test_a_line_torn_by_a_crash_does_not_swallow_the_next_entry(journal: Path) -> None:
    first = Journal(journal)
    first.append(Entry.new(leg("c1")))
    first.close()
    with journal.open("ab") as handle:
        handle.write(b'{"id": "torn", "leg": {"call_')  # killed in the middle of a write
    again = Journal(journal)
    again.append(Entry.new(leg("c2")))
    assert [e.item.call_id for e in again.recover()] == ["c1", "c2"]
    again.close()


async def test_a_leg_the_database_will_never_take_is_set_aside_and_the_rest_go_on(
    sessions: sessionmaker[Session], journal: Path
) -> None:
    writer = writer_for(CallLog(sessions), journal)
    writer.start()
    with capture_logs() as logs:
        writer.record(replace(leg("c1"), customer_id=999))  # no such customer
        writer.record(leg("c2"))
        await writer.drain()
    await writer.stop()
    assert call_ids(sessions) == ["c2"] and pending_call_ids(journal) == []
    [refused] = [e for e in logs if e["event"] == "call_log_entry_refused"]
    assert "customer_id" in refused["error"]
    [kept] = lines(journal.with_suffix(".jsonl.rejected"))
    assert kept["leg"]["call_id"] == "c1"  # type: ignore[index]


async def test_a_wrap_up_in_an_outage_is_kept_and_lands_after_its_leg(
    sessions: sessionmaker[Session], journal: Path
) -> None:
    log = FlakyLog(sessions)
    writer = writer_for(log, journal)
    writer.start()
    writer.record(leg("c1"))
    with pytest.raises(DatabaseUnavailable) as caught:
        await writer.wrap_up(WrapUp("c1", "agent01", "resolved", "Reset the router."))
    assert caught.value.status == 503 and caught.value.details["kept"] is True

    log.down = False
    await until(lambda: writer.backlog == 0)
    await writer.stop()
    [stored] = log.get("c1")
    assert (stored.disposition, stored.notes) == ("resolved", "Reset the router.")


async def test_a_wrap_up_the_database_refuses_goes_back_to_the_agent_and_is_not_kept(
    sessions: sessionmaker[Session], journal: Path
) -> None:
    writer = writer_for(CallLog(sessions), journal)
    writer.start()
    with pytest.raises(Exception, match="handled no leg"):
        await writer.wrap_up(WrapUp("nope", "agent01", "resolved", None))
    await writer.stop()
    assert not journal.with_suffix(".jsonl.rejected").exists()
    assert recovered(journal) == []


async def test_finished_entries_are_compacted_away_and_waiting_ones_survive(
    sessions: sessionmaker[Session], journal: Path
) -> None:
    log = FlakyLog(sessions, down=False)
    writer = writer_for(log, journal, compact_bytes=4096)
    writer.start()
    for n in range(200):
        writer.record(leg(f"c{n}"))
    await writer.drain()
    assert journal.stat().st_size < 8192  # 200 legs of ~600 bytes, and their done marks
    log.down = True
    writer.record(leg("late"))
    await writer.drain()
    await writer.stop()
    assert pending_call_ids(journal) == ["late"]
    assert len(call_ids(sessions)) == 200


def test_two_processes_sharing_one_journal_lose_none_of_each_others_entries(
    journal: Path,
) -> None:
    mine, theirs = Journal(journal, compact_bytes=1), Journal(journal, compact_bytes=1)
    kept = Entry.new(leg("theirs-waiting"))
    theirs.append(kept)
    for n in range(5):
        entry = Entry.new(leg(f"mine{n}"))
        mine.append(entry)
        mine.done(entry.entry_id)  # compacts: the file is replaced under the other's handle
        theirs.append(Entry.new(leg(f"theirs{n}")))
    pending = [e.item.call_id for e in recovered(journal)]
    assert pending == ["theirs-waiting", *(f"theirs{n}" for n in range(5))]
    mine.close()
    theirs.close()


def test_the_journal_holds_one_row_per_leg_even_when_replayed_twice(
    sessions: sessionmaker[Session], journal: Path
) -> None:
    journal.parent.mkdir(parents=True)
    journal.write_bytes(b"".join(entry_line(Entry.new(leg(f"c{n}"))) for n in range(3)))
    log = CallLog(sessions)
    for _ in range(2):  # a second server sharing the journal replays the same entries
        for entry in recovered(journal):
            assert isinstance(entry.item, InteractionRecord)
            log.record(entry.item)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Interaction)) == 3


async def test_a_leg_finished_after_the_writer_stopped_is_kept_for_the_next_start(
    sessions: sessionmaker[Session], journal: Path
) -> None:
    writer = writer_for(CallLog(sessions), journal)
    writer.start()
    await writer.stop()
    writer.record(leg("late"))  # the PBX's last event, after the shutdown began
    assert [e.item.call_id for e in recovered(journal)] == ["late"]


def test_appends_are_fsynced_off_the_callers_thread_one_fsync_for_those_made_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event loop never waits on the disk: ``append`` returns while the fsync is still
    running in the journal's own thread, entries appended meanwhile share the next fsync, and
    ``sync()`` (and ``close()``) return only once every entry is fsynced."""
    import os
    import threading

    real_fsync = os.fsync
    release = threading.Event()
    started = threading.Event()
    synced: list[str] = []

    def slow_fsync(descriptor: int) -> None:
        started.set()
        assert release.wait(5), "the test never let the fsync finish"
        real_fsync(descriptor)
        synced.append(threading.current_thread().name)

    monkeypatch.setattr("cti.calls.journal.os.fsync", slow_fsync)
    journal = Journal(tmp_path / "spool.jsonl")
    appended = [Entry.new(leg(f"c{n}")) for n in range(1, 6)]
    journal.append(appended[0])  # returns with its fsync blocked
    assert started.wait(5)
    for entry in appended[1:]:
        journal.append(entry)  # in the file before any fsync
    assert synced == []
    lines = (tmp_path / "spool.jsonl").read_bytes().splitlines()
    assert [parse_line(line).entry_id for line in lines] == [e.entry_id for e in appended]
    release.set()
    journal.sync()
    assert synced == ["journal-fsync", "journal-fsync"]  # the first, then one for the other 4
    journal.close()
