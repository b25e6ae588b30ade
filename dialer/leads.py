"""Lead lists and DNC files: CSV in, rows normalised and stored, every refused row named.

A file is read line by line and stored in batches, so memory stays bounded whatever its
size. Each line is decoded as UTF-8 on its own (a byte-order mark is allowed): a line that is
not UTF-8 is refused with its row number, and a file that cannot be read at all (UTF-16, no
phone column, no header) is refused whole with ``InvalidLeadFile`` before anything loads.

Columns are matched by name, case and spaces aside: the phone (``phone``, ``phone_number``,
``number``, ``telephone``), ``name``, ``account`` (``account_number``), and ``consent``
(when the column is there, a row without yes/true/1 is refused). Every other column becomes
a field on the pop. A row is refused for a bad number, a duplicate (in the file or already in
the campaign), a number on a DNC list, or no consent.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

import phonenumbers
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from dialer.errors import InvalidLeadFile
from dialer.models import DialerDnc, DialerLead, DncSource, LeadStatus
from dialer.window import zones_of

BATCH = 1000
MAX_LINE_BYTES = 64 * 1024
MAX_FIELD = 500
PHONE_COLUMNS = ("phone", "phone_number", "number", "telephone", "msisdn")
NAME_COLUMNS = ("name", "full_name")
ACCOUNT_COLUMNS = ("account", "account_number", "customer_account")
CONSENT_COLUMN = "consent"
YES = {"yes", "y", "true", "1"}
Parsed = tuple[int, str, tuple[str, ...], dict[str, str | None]]  # row, E.164, zones, cells


@dataclass(frozen=True, slots=True)
class Refusal:
    row: int  # the line's number in the file, the header being 1
    field: str
    reason: str  # bad-number | duplicate | dnc | no-consent | encoding | malformed
    detail: str


@dataclass(slots=True)
class UploadReport:
    file: str
    rows: int = 0
    loaded: int = 0
    refused: list[Refusal] = field(default_factory=list)


@dataclass(slots=True)
class DncReport:
    file: str
    rows: int = 0
    added: int = 0
    refused: list[Refusal] = field(default_factory=list)


def _key(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def normalise(raw: str, region: str) -> str | None:
    found = parse(raw, region)
    return found[0] if found else None


def parse(raw: str, region: str) -> tuple[str, tuple[str, ...]] | None:
    """The number as E.164 and its time zones, or None when it is not a valid number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, zones_of(number, e164)


class _Lines:
    """The file's lines decoded one by one; undecodable ones are remembered, not passed on."""

    def __init__(self, data: IO[bytes], filename: str) -> None:
        self.data, self.filename = data, filename
        self.number = 0
        self.undecodable: list[tuple[int, str]] = []

    def __iter__(self) -> Iterator[str]:
        for raw in self.data:
            self.number += 1
            if self.number == 1:
                raw = self._first(raw)
            if len(raw) > MAX_LINE_BYTES:
                self.undecodable.append((self.number, f"line longer than {MAX_LINE_BYTES} bytes"))
                yield "\n"
                continue
            try:
                yield raw.decode("utf-8").replace("\x00", "")  # no database stores a NUL
            except UnicodeDecodeError as exc:
                where = f"byte 0x{raw[exc.start]:02x} at position {exc.start + 1}"
                self.undecodable.append(
                    (self.number, f"not UTF-8 ({where}): save the file as UTF-8")
                )
                yield "\n"  # keeps the csv reader's line count in step

    def _first(self, raw: bytes) -> bytes:
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in raw:
            raise InvalidLeadFile(
                f"{self.filename}: the file is UTF-16, not UTF-8; save it as UTF-8 (CSV)",
                details={"file": self.filename, "row": 1, "encoding": "utf-16"},
            )
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidLeadFile(
                f"{self.filename}: the header row is not UTF-8; save the file as UTF-8",
                details={"file": self.filename, "row": 1, "encoding": "not utf-8"},
            ) from None
        return raw


def _header(reader: csv.DictReader[str], filename: str) -> tuple[str, str | None, str | None, bool]:
    names = reader.fieldnames
    if not names:
        raise InvalidLeadFile(
            f"{filename}: the file is empty", details={"file": filename, "row": 1}
        )
    keys = {_key(n): n for n in names}
    phone = next((keys[c] for c in PHONE_COLUMNS if c in keys), None)
    if phone is None:
        raise InvalidLeadFile(
            f"{filename}: no phone column (looked for {', '.join(PHONE_COLUMNS)}; found "
            f"{', '.join(names)})",
            details={"file": filename, "row": 1, "field": "phone", "columns": list(names)},
        )
    name = next((keys[c] for c in NAME_COLUMNS if c in keys), None)
    account = next((keys[c] for c in ACCOUNT_COLUMNS if c in keys), None)
    return phone, name, account, CONSENT_COLUMN in keys


def _rows(reader: csv.DictReader[str], filename: str) -> Iterator[dict[str, str | None]]:
    """The reader's rows; a file the csv module cannot read on (a NUL, an endless quoted
    field) is refused at the row where it stopped, after the rows before it have loaded."""
    try:
        yield from reader
    except csv.Error as exc:
        row = reader.line_num + 1  # the row being read when it stopped
        raise InvalidLeadFile(
            f"{filename}: row {row} cannot be read as CSV ({exc}); the rows before it loaded",
            details={"file": filename, "row": row, "field": "*"},
        ) from None


def load(
    sessions: sessionmaker[Session], campaign_id: int, region: str, data: IO[bytes], filename: str
) -> UploadReport:
    lines = _Lines(data, filename)
    reader = csv.DictReader(iter(lines))
    phone_col, name_col, account_col, has_consent = _header(reader, filename)
    consent_col = (
        next(n for n in reader.fieldnames or () if _key(n) == CONSENT_COLUMN)
        if has_consent
        else None
    )
    known = {phone_col, name_col, account_col, consent_col}
    report = UploadReport(filename)
    batch: list[Parsed] = []
    for row in _rows(reader, filename):
        number = reader.line_num
        report.rows += 1
        if None in row:
            report.refused.append(Refusal(number, "*", "malformed", "more cells than columns"))
            continue
        raw = (row.get(phone_col) or "").strip()
        found = parse(raw, region)
        if found is None:
            report.refused.append(
                Refusal(number, phone_col, "bad-number", f"{raw!r} is not a valid number")
            )
            continue
        phone, zones = found
        if consent_col is not None and (row.get(consent_col) or "").strip().lower() not in YES:
            report.refused.append(Refusal(number, consent_col, "no-consent", "consent is not yes"))
            continue
        batch.append((number, phone, zones, row))
        if len(batch) >= BATCH:
            _store(sessions, campaign_id, batch, (phone_col, name_col, account_col), known, report)
            batch = []
    if batch:
        _store(sessions, campaign_id, batch, (phone_col, name_col, account_col), known, report)
    _undecodable(lines, report)
    return report


def _undecodable(lines: _Lines, report: UploadReport | DncReport) -> None:
    """Lines that were not UTF-8 never reached the csv reader: name them too."""
    for number, why in lines.undecodable:
        report.rows += 1
        report.refused.append(Refusal(number, "*", "encoding", why))
    report.refused.sort(key=lambda r: r.row)


def _store(
    sessions: sessionmaker[Session],
    campaign_id: int,
    batch: list[Parsed],
    cols: tuple[str, str | None, str | None],
    known: set[str | None],
    report: UploadReport,
) -> None:
    phones = [p for _, p, _, _ in batch]
    with sessions.begin() as s:
        existing = set(
            s.scalars(
                select(DialerLead.phone).where(
                    DialerLead.campaign_id == campaign_id, DialerLead.phone.in_(phones)
                )
            )
        )
        listed = set(s.scalars(select(DialerDnc.phone).where(DialerDnc.phone.in_(phones))))
        rows = []
        for number, phone, zones, row in batch:
            if phone in listed:
                report.refused.append(Refusal(number, cols[0], "dnc", f"{phone} is on a DNC list"))
                continue
            if phone in existing:
                report.refused.append(
                    Refusal(number, cols[0], "duplicate", f"{phone} is already a lead")
                )
                continue
            existing.add(phone)
            rows.append(_lead_row(campaign_id, (number, phone, zones, row), cols[1:], known))
        if rows:
            s.execute(insert(DialerLead), rows)
            report.loaded += len(rows)


def _lead_row(
    campaign_id: int,
    parsed: Parsed,
    cols: tuple[str | None, str | None],
    known: set[str | None],
) -> dict[str, object]:
    number, phone, zones, row = parsed
    name_col, account_col = cols
    extra = {k: (v or "")[:MAX_FIELD] for k, v in row.items() if k not in known and k}
    account = (row.get(account_col) or "").strip() if account_col else ""
    return {
        "campaign_id": campaign_id,
        "phone": phone,
        "name": ((row.get(name_col) or "").strip() if name_col else "")[:200],
        "account": account[:64] or None,
        "fields": extra,
        "zones": ";".join(zones),
        "status": LeadStatus.NEW.value,
        "attempts": 0,
        "source_row": number,
    }


def load_dnc(
    sessions: sessionmaker[Session],
    data: IO[bytes],
    filename: str,
    source: DncSource,
    region: str,
    now: datetime,
) -> DncReport:
    """A DNC file (internal, or a national registry's extract): one number per row."""
    lines = _Lines(data, filename)
    reader = csv.DictReader(iter(lines))
    phone_col, _, _, _ = _header(reader, filename)
    report = DncReport(filename)
    batch: dict[str, int] = {}
    for row in _rows(reader, filename):
        number = reader.line_num
        report.rows += 1
        raw = (row.get(phone_col) or "").strip()
        phone = normalise(raw, region)
        if phone is None:
            report.refused.append(
                Refusal(number, phone_col, "bad-number", f"{raw!r} is not a valid number")
            )
            continue
        batch.setdefault(phone, number)
        if len(batch) >= BATCH:
            report.added += _store_dnc(sessions, batch, source, now, filename)
            batch = {}
    if batch:
        report.added += _store_dnc(sessions, batch, source, now, filename)
    _undecodable(lines, report)
    return report


def _store_dnc(
    sessions: sessionmaker[Session],
    batch: dict[str, int],
    source: DncSource,
    now: datetime,
    filename: str,
) -> int:
    with sessions.begin() as s:
        there = set(
            s.scalars(
                select(DialerDnc.phone).where(
                    DialerDnc.source == source.value, DialerDnc.phone.in_(list(batch))
                )
            )
        )
        rows = [
            {
                "phone": p,
                "source": source.value,
                "reason": f"imported from {filename}"[:200],
                "added_at": now,
            }
            for p in batch
            if p not in there
        ]
        if rows:
            s.execute(insert(DialerDnc), rows)
        return len(rows)
