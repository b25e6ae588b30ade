"""The call history WFM reads: one record per inbound queue leg, from the call log
(``cti.crm.calllog.CallLog``) or a CSV.

CSV columns (header row required): ``offered_at`` (ISO 8601 with offset, or epoch seconds),
``queue``, and optionally ``wait_seconds``, ``talk_seconds``, ``wrap_seconds``, ``outcome``.
Every problem names the file, the row (1 = the header) and the field.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cti.crm.calllog import CallLog, InteractionRecord
from cti.crm.models import Outcome
from wfm.errors import InvalidInput

#: Every outcome the call log stores, so a CSV exported from the database reads back.
OUTCOMES = frozenset(Outcome)


@dataclass(frozen=True, slots=True)
class CallRecord:
    offered_at: datetime  # timezone-aware
    queue: str
    wait: float | None = None
    talk: float | None = None
    wrap: float | None = None
    outcome: str | None = None

    @property
    def handle(self) -> float | None:
        if self.talk is None:
            return None
        return self.talk + (self.wrap or 0.0)


def parse_time(text: str, *, source: str, row: int, field: str) -> datetime:
    text = text.strip()
    try:
        if text.replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(text), UTC)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise InvalidInput(
            f"{text!r} is not an ISO 8601 time or epoch seconds",
            source=source,
            row=row,
            field=field,
        ) from None
    if value.tzinfo is None:
        raise InvalidInput(f"{text!r} has no UTC offset", source=source, row=row, field=field)
    return value


def parse_number(text: str, *, source: str, row: int, field: str, lo: float, hi: float) -> float:
    """A finite number from ``lo`` to ``hi``; anything else is refused naming the place."""
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a number", source=source, row=row, field=field
        ) from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise InvalidInput(f"must be {lo:g} to {hi:g}", source=source, row=row, field=field)
    return value


def parse_seconds(text: str | None, *, source: str, row: int, field: str) -> float | None:
    """Seconds from 0 to a day; ``None`` for an empty field."""
    if text is None or not text.strip():
        return None
    return parse_number(text, source=source, row=row, field=field, lo=0, hi=86400)


def read_csv_rows(path: Path, required: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV with a header, as ``(row number, fields)``; checks required columns.

    Text that is not UTF-8 or not CSV is an ``InvalidInput`` too, naming the file."""
    source = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot be read: {exc.strerror}", source=source) from None
    with handle:
        reader = csv.DictReader(handle, restval="")  # a short row's missing fields are empty
        try:
            yield from _checked_rows(reader, required, source)
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"is not UTF-8 text ({exc.reason})", source=source) from None
        except csv.Error as exc:
            raise InvalidInput(f"is not CSV ({exc})", source=source, row=reader.line_num) from None


def _checked_rows(
    reader: csv.DictReader[str], required: Iterable[str], source: str
) -> Iterator[tuple[int, dict[str, str]]]:
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidInput(
            f"missing column(s) {', '.join(missing)}; found {', '.join(header) or 'none'}",
            source=source,
            row=1,
        )
    for number, fields in enumerate(reader, start=2):
        if None in fields:
            raise InvalidInput("more fields than the header", source=source, row=number)
        yield number, fields


def read_calls_csv(path: Path) -> list[CallRecord]:
    source, records = str(path), []
    for row, f in read_csv_rows(path, ("offered_at", "queue")):
        queue = f["queue"].strip()
        if not queue:
            raise InvalidInput("must not be empty", source=source, row=row, field="queue")
        outcome = (f.get("outcome") or "").strip().lower() or None
        if outcome is not None and outcome not in OUTCOMES:
            raise InvalidInput(
                f"{outcome!r} is not one of {', '.join(sorted(OUTCOMES))}",
                source=source,
                row=row,
                field="outcome",
            )
        records.append(
            CallRecord(
                parse_time(f["offered_at"], source=source, row=row, field="offered_at"),
                queue,
                wait=parse_seconds(
                    f.get("wait_seconds"), source=source, row=row, field="wait_seconds"
                ),
                talk=parse_seconds(
                    f.get("talk_seconds"), source=source, row=row, field="talk_seconds"
                ),
                wrap=parse_seconds(
                    f.get("wrap_seconds"), source=source, row=row, field="wrap_seconds"
                ),
                outcome=outcome,
            )
        )
    return records


def write_calls_csv(path: Path, records: Iterable[CallRecord]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["offered_at", "queue", "wait_seconds", "talk_seconds", "wrap_seconds", "outcome"]
        )
        for r in records:
            out.writerow(
                [
                    r.offered_at.isoformat(),
                    r.queue,
                    _num(r.wait),
                    _num(r.talk),
                    _num(r.wrap),
                    r.outcome or "",
                ]
            )


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def calls_from_log(
    call_log: CallLog, since: datetime, until: datetime, queue: str | None = None
) -> list[CallRecord]:
    """Inbound queue legs offered in ``[since, until)``, from the call log."""
    return [_call(leg) for leg in call_log.inbound_legs(since, until, queue)]


def _call(leg: InteractionRecord) -> CallRecord:
    return CallRecord(
        leg.offered_at,
        leg.queue or "",
        leg.wait_seconds,
        leg.talk_seconds,
        leg.wrap_seconds,
        leg.outcome,
    )
