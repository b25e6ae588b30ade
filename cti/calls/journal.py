"""The call log's write-ahead journal: a finished leg (or a wrap-up) is on disk before it counts.

A JSON-lines file. Each entry is appended (in the kernel's hands when ``append`` returns, so
a crash of the process cannot lose it) before the writer tries the database. The fsync that
makes it survive the machine's crash runs in a thread of its own, one fsync for every entry
appended while the last one ran (a group commit), so the event loop never waits on the disk;
``sync()`` waits for it. When the database has taken an entry, a ``done`` line naming it
follows (not fsynced: a done line lost in a crash only means the entry is written again, and
writes are idempotent). At start every entry without its ``done`` line is written again. ::

    {"id": "9f…", "leg": {…the InteractionRecord…}}
    {"id": "a1…", "wrap": {"call_id": …, "agent_login": …, "disposition": …}}
    {"done": "9f…"}

Several servers may share one journal (one directory): every change happens under an
exclusive lock on ``<journal>.lock``. Compaction rewrites the file without its finished
entries (a new file renamed over the old, so a crash leaves one or the other); an appender
whose file was replaced meanwhile reopens it. A line that cannot be read (a write torn by a
crash, a file edited by hand) is set aside in ``<journal>.rejected`` with its line number in
the log, never dropped; so is an entry the database refuses for good.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import structlog

from cti.crm.calllog import InteractionRecord

log = structlog.get_logger(__name__)

#: Compact once the file has grown this much past its size after the last compaction.
COMPACT_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class WrapUp:
    """An agent's wrap-up form, for the latest leg of ``call_id`` the agent handled."""

    call_id: str
    agent_login: str
    disposition: str
    notes: str | None
    follow_up: str | None = None
    wrap_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One journalled write: a finished leg or a wrap-up, under an id unique to it."""

    entry_id: str
    item: InteractionRecord | WrapUp

    @staticmethod
    def new(item: InteractionRecord | WrapUp) -> Entry:
        return Entry(uuid.uuid4().hex, item)


def entry_line(entry: Entry) -> bytes:
    kind = "leg" if isinstance(entry.item, InteractionRecord) else "wrap"
    return orjson.dumps({"id": entry.entry_id, kind: dataclasses.asdict(entry.item)}) + b"\n"


def record_from(data: Any) -> InteractionRecord:
    """The leg in a journal entry; ``ValueError`` (or ``TypeError``) if it is not one."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    for name in ("offered_at", "ringing_at", "answered_at", "ended_at"):
        if data.get(name) is not None:
            data[name] = datetime.fromisoformat(data[name])
    data["ivr_data"] = tuple((str(k), str(v)) for k, v in data.get("ivr_data") or ())
    data["rang_agents"] = tuple(data.get("rang_agents") or ())
    return InteractionRecord(**data)


def parse_line(line: bytes) -> Entry | str:
    """An entry, or the id a ``done`` line names; ``ValueError``/``TypeError`` if neither.
    A bare record (the spool of earlier versions) is a leg entry under a new id."""
    data = orjson.loads(line)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if "done" in data:
        return str(data["done"])
    if "id" not in data:
        return Entry.new(record_from(data))
    if isinstance(data.get("leg"), dict):
        return Entry(str(data["id"]), record_from(data["leg"]))
    if isinstance(data.get("wrap"), dict):
        return Entry(str(data["id"]), WrapUp(**data["wrap"]))
    raise ValueError("an entry holds neither a leg nor a wrap-up")


class Journal:
    def __init__(self, path: Path, compact_bytes: int = COMPACT_BYTES) -> None:
        self.path = path
        self._compact_bytes = compact_bytes
        self._compacted_size = 0
        self._file: BinaryIO | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_path = path.with_suffix(path.suffix + ".lock")
        self._lock: BinaryIO | None = None
        self._thread_lock = threading.Lock()  # flock does not exclude threads of one process
        self._syncer = _Syncer()

    def close(self) -> None:
        """Let the files go (a later append opens them again), once every append is fsynced."""
        self._syncer.sync()
        with self._thread_lock:
            for handle in (self._file, self._lock):
                if handle is not None:
                    handle.close()
            self._file = self._lock = None

    def append(self, entry: Entry) -> None:
        """Write ``entry``: when this returns, a crash of this process cannot lose it, and its
        fsync (against a crash of the machine) is on its way (``sync()`` waits for it)."""
        with self._locked():
            handle = self._handle()
            handle.write(entry_line(entry))
            handle.flush()
            self._syncer.request(os.dup(handle.fileno()))

    def sync(self) -> None:
        """Return once every entry appended so far is fsynced."""
        self._syncer.sync()

    def done(self, entry_id: str) -> None:
        """The database has ``entry_id``; compact when the file has grown enough."""
        with self._locked():
            handle = self._handle()
            handle.write(orjson.dumps({"done": entry_id}) + b"\n")
            handle.flush()
            if handle.tell() >= self._compacted_size + self._compact_bytes:
                self._compact_locked()

    def reject(self, entry: Entry, reason: str) -> None:
        """Set ``entry`` aside for good (the database refuses it), then count it done."""
        log.error("call_log_entry_refused", journal=str(self.path), entry=entry.entry_id,
                  error=reason)  # fmt: skip
        self._set_aside([entry_line(entry).rstrip(b"\n")])
        self.done(entry.entry_id)

    def recover(self) -> list[Entry]:
        """Every entry not yet done, in the order written; the file compacted to just those."""
        with self._locked():
            pending, rejected = self._compact_locked()
        log.info("call_log_journal_recovered", journal=str(self.path), pending=len(pending),
                 rejected=rejected)  # fmt: skip
        return pending

    def _compact_locked(self) -> tuple[list[Entry], int]:
        pending, rejected = self._read_locked()
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        with tmp.open("wb") as out:
            out.write(b"".join(entry_line(entry) for entry in pending))
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(self.path)
        _fsync_dir(self.path.parent)
        if rejected:
            self._set_aside(rejected)
        self._compacted_size = sum(len(entry_line(entry)) for entry in pending)
        return pending, len(rejected)

    def _read_locked(self) -> tuple[list[Entry], list[bytes]]:
        if not self.path.exists():
            return [], []
        entries: dict[str, Entry] = {}
        done: set[str] = set()
        rejected: list[bytes] = []
        for number, line in enumerate(self.path.read_bytes().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                parsed = parse_line(line)
            except (ValueError, TypeError) as exc:
                log.error("call_log_journal_line_unreadable", journal=str(self.path),
                          line=number, error=str(exc))  # fmt: skip
                rejected.append(line)
                continue
            if isinstance(parsed, str):
                done.add(parsed)
            else:
                entries.setdefault(parsed.entry_id, parsed)
        return [e for key, e in entries.items() if key not in done], rejected

    def _set_aside(self, lines: list[bytes]) -> None:
        with self.path.with_suffix(self.path.suffix + ".rejected").open("ab") as handle:
            handle.write(b"".join(line + b"\n" for line in lines))
            handle.flush()
            os.fsync(handle.fileno())

    def _handle(self) -> BinaryIO:
        """The journal open for appending: reopened if another process replaced the file, and
        a line torn by a crash is closed first, so the next entry starts on a line of its own."""
        try:
            current = os.stat(self.path).st_ino
        except FileNotFoundError:
            current = None
        if self._file is None or current != os.fstat(self._file.fileno()).st_ino:
            if self._file is not None:
                self._file.close()
            self._file = self.path.open("a+b")  # readable too, for the torn-line check
        size = os.fstat(self._file.fileno()).st_size
        if size and os.pread(self._file.fileno(), 1, size - 1) != b"\n":
            self._file.write(b"\n")
        return self._file

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive lock beside the journal, held by one process (and thread) at a time."""
        with self._thread_lock:
            if self._lock is None:
                self._lock = self._lock_path.open("ab")
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)


class _Syncer:
    """fsyncs appended entries in a daemon thread: one fsync covers every append made while
    the previous one ran. Each request is a duplicate of the journal's descriptor, so a file
    that compaction replaced meanwhile is still the one synced (then closed)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._waiting: list[int] = []
        self._requested = self._synced = 0
        self._thread: threading.Thread | None = None

    def request(self, descriptor: int) -> None:
        with self._changed:
            self._waiting.append(descriptor)
            self._requested += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="journal-fsync", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def sync(self) -> None:
        with self._changed:
            target = self._requested
            self._changed.wait_for(lambda: self._synced >= target)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._waiting))
                batch, self._waiting = self._waiting, []
                covered = self._requested
            _fsync_each_file(batch)
            with self._changed:
                self._synced = covered
                self._changed.notify_all()


def _fsync_each_file(descriptors: list[int]) -> None:
    """One fsync per file among ``descriptors`` (duplicates of a few files' descriptors), then
    close them all."""
    try:
        files = {os.fstat(d).st_ino: d for d in descriptors}
        for descriptor in files.values():
            os.fsync(descriptor)
    except OSError as exc:  # the disk failed: the entries are in the file; say so loudly
        log.critical("call_log_journal_fsync_failed", error=str(exc))
    finally:
        for descriptor in descriptors:
            os.close(descriptor)


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
