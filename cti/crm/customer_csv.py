"""Customers in and out as CSV: ``switchboard crm import|export`` and ``/api/crm/customers.csv``.

The format (one header row, then one customer a row; export writes the same columns)::

    account_number,name,phones,email,segment,tier,lifetime_value,churn_risk,open_complaints,
    customer_since,consent_marketing_calls,consent_recording,owner_agent

- ``account_number`` and ``name`` are required; the other columns may be left out of the file
  or left empty (their defaults: no phones, tier ``standard``, 0, false). Columns may come in
  any order; an unknown column refuses the whole file, naming it.
- ``phones`` holds one or more numbers separated by ``;``, each normalised to E.164 with the
  default region (``(212) 555-0147`` becomes ``+12125550147``).
- A row is the customer's whole record: a customer whose account number exists already is
  updated (upserted), phones included; a new account number creates one. Within one file a
  later row for the same account wins.
- A row that cannot be stored is refused and named: its row number as a spreadsheet counts it
  (the header is row 1), the field and the reason. The rows around it are still stored.

The file is read as a stream and written in batches of ``BATCH_ROWS`` (one transaction each),
so a file of any length loads in the memory of one batch.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TextIO

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from cti.crm.errors import InvalidCsv, InvalidCustomer
from cti.crm.models import Agent, Customer, CustomerPhone, Tier
from cti.crm.service import NewCustomer, validate_fields, validated_phones

COLUMNS = (
    "account_number",
    "name",
    "phones",
    "email",
    "segment",
    "tier",
    "lifetime_value",
    "churn_risk",
    "open_complaints",
    "customer_since",
    "consent_marketing_calls",
    "consent_recording",
    "owner_agent",
)
REQUIRED = ("account_number", "name")
BATCH_ROWS = 500
#: How many refusals a report keeps (all of them are counted, and each is handed to
#: ``on_refused`` as it is found).
MAX_REPORTED = 1000
MAX_FIELD = 4096

_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0", ""})


@dataclass(frozen=True, slots=True)
class Refusal:
    row: int
    field: str
    reason: str


@dataclass(slots=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    refused_count: int = 0
    refused: list[Refusal] = field(default_factory=list)  # the first MAX_REPORTED

    def refuse(self, refusal: Refusal) -> None:
        self.refused_count += 1
        if len(self.refused) < MAX_REPORTED:
            self.refused.append(refusal)


OnRefused = Callable[[Refusal], None]


class CustomerCsv:
    def __init__(self, session_factory: sessionmaker[Session], default_region: str = "US") -> None:
        self._sessions = session_factory
        self._region = default_region

    # -- import ---------------------------------------------------------------------------
    def import_csv(self, source: TextIO, on_refused: OnRefused | None = None) -> ImportReport:
        """Upsert every valid row of ``source``; name each refused one."""
        report = ImportReport()
        owners = self._agent_logins()
        batch: dict[str, NewCustomer] = {}
        for row_number, row in _rows(source):
            try:
                new = self._parse(row, owners)
            except InvalidCustomer as exc:
                refusal = Refusal(row_number, exc.field, exc.reason)
                report.refuse(refusal)
                if on_refused is not None:
                    on_refused(refusal)
                continue
            batch[new.account_number or ""] = new
            if len(batch) >= BATCH_ROWS:
                self._store(batch, report)
                batch = {}
        if batch:
            self._store(batch, report)
        return report

    def _agent_logins(self) -> frozenset[str]:
        with self._sessions() as session:
            return frozenset(session.scalars(select(Agent.login)))

    def _parse(self, row: dict[str, str], owners: frozenset[str]) -> NewCustomer:
        if "__shape__" in row:
            raise InvalidCustomer("row", row["__shape__"])
        for name, value in row.items():
            if len(value) > MAX_FIELD:
                raise InvalidCustomer(name, f"is longer than {MAX_FIELD} characters")
        for name in REQUIRED:
            if not row.get(name, "").strip():
                raise InvalidCustomer(name, "is required")
        owner = _text(row, "owner_agent")
        if owner is not None and owner not in owners:
            raise InvalidCustomer("owner_agent", f"no agent with login {owner!r}")
        raw_phones = [p for p in row.get("phones", "").split(";") if p.strip()]
        new = NewCustomer(
            name=row["name"],
            phones=tuple(validated_phones(raw_phones, self._region)),
            email=_text(row, "email"),
            account_number=row["account_number"].strip(),
            segment=_text(row, "segment"),
            tier=(_text(row, "tier") or Tier.STANDARD).lower(),
            lifetime_value=_number(row, "lifetime_value"),
            churn_risk=_number(row, "churn_risk"),
            open_complaints=_whole(row, "open_complaints"),
            customer_since=_date(row, "customer_since"),
            consent_marketing_calls=_flag(row, "consent_marketing_calls"),
            consent_recording=_flag(row, "consent_recording"),
            owner_agent=owner,
        )
        if new.segment is not None and len(new.segment) > 32:
            raise InvalidCustomer("segment", "must be at most 32 characters")
        if new.email is not None and len(new.email) > 254:
            raise InvalidCustomer("email", "must be at most 254 characters")
        validate_fields(new)
        return new

    def _store(self, batch: dict[str, NewCustomer], report: ImportReport) -> None:
        with self._sessions.begin() as session:
            found = session.execute(
                select(Customer.account_number, Customer.id).where(
                    Customer.account_number.in_(list(batch))
                )
            )
            existing: dict[str, int] = {account: id_ for account, id_ in found if account}
            fresh = [_columns(new) for account, new in batch.items() if account not in existing]
            ids = dict(existing)
            if fresh:
                inserted = session.execute(
                    insert(Customer).returning(Customer.account_number, Customer.id), fresh
                )
                ids.update((account or "", id_) for account, id_ in inserted)
            if existing:
                rows = [{"id": ids[a], **_columns(batch[a])} for a in existing]
                session.execute(update(Customer), rows)
                session.execute(
                    delete(CustomerPhone).where(CustomerPhone.customer_id.in_(existing.values()))
                )
            phones = [
                {"customer_id": ids[account], "e164": e164}
                for account, new in batch.items()
                for e164 in new.phones
            ]
            if phones:
                session.execute(insert(CustomerPhone), phones)
        report.created += len(fresh)
        report.updated += len(existing)

    # -- export ---------------------------------------------------------------------------
    def export_csv(self, out: TextIO) -> int:
        """Write every customer to ``out`` in the import's format; how many were written."""
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        written = 0
        for chunk in self.export_rows():
            writer.writerows(chunk)
            written += len(chunk)
        return written

    def export_chunks(self) -> Iterator[str]:
        """The export as CSV text, a batch at a time (for a streamed HTTP answer)."""
        yield _csv_text([COLUMNS])
        for chunk in self.export_rows():
            yield _csv_text(chunk)

    def export_rows(self) -> Iterator[list[tuple[Any, ...]]]:
        """Customers in id order, ``BATCH_ROWS`` at a time, as rows of the CSV's columns."""
        after = 0
        while True:
            with self._sessions() as session:
                query = (
                    select(Customer)
                    .where(Customer.id > after)
                    .order_by(Customer.id)
                    .limit(BATCH_ROWS)
                )
                customers = list(session.scalars(query))
                chunk = [_export_row(c) for c in customers]
            if chunk:
                yield chunk
            if len(chunk) < BATCH_ROWS:
                return
            after = customers[-1].id


def _rows(source: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(source)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidCsv("the file is empty: it needs a header row", details={"row": 1}) from None
    except UnicodeDecodeError:
        raise _not_utf8() from None
    except csv.Error as exc:
        raise InvalidCsv(f"row 1: {exc}", details={"row": 1}) from None
    columns = _header(header)
    row_number = 1
    while True:
        row_number += 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise _not_utf8() from None
        except csv.Error as exc:
            raise InvalidCsv(f"row {row_number}: {exc}", details={"row": row_number}) from None
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            yield row_number, {"__shape__": f"has {len(values)} fields, the header {len(columns)}"}
            continue
        yield row_number, dict(zip(columns, values, strict=True))


def _not_utf8() -> InvalidCsv:
    return InvalidCsv(
        "the file is not UTF-8 text: save it as CSV UTF-8", details={"encoding": "utf-8"}
    )


def _header(header: list[str]) -> list[str]:
    columns = [name.strip().lower().lstrip("\ufeff") for name in header]
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise InvalidCsv(
            f"row 1: unknown column {unknown[0]!r} (the columns are {', '.join(COLUMNS)})",
            details={"row": 1, "field": unknown[0]},
        )
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InvalidCsv(
            f"row 1: the column {missing[0]!r} is required", details={"row": 1, "field": missing[0]}
        )
    doubled = sorted({c for c in columns if columns.count(c) > 1})
    if doubled:
        raise InvalidCsv(
            f"row 1: the column {doubled[0]!r} appears twice",
            details={"row": 1, "field": doubled[0]},
        )
    return columns


def _text(row: dict[str, str], name: str) -> str | None:
    value = row.get(name, "").strip()
    return value or None


def _number(row: dict[str, str], name: str) -> float:
    raw = _text(row, name)
    if raw is None:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise InvalidCustomer(name, f"{raw!r} is not a number") from None
    if not math.isfinite(value):
        raise InvalidCustomer(name, f"{raw!r} is not a finite number")
    return value


def _whole(row: dict[str, str], name: str) -> int:
    raw = _text(row, name)
    if raw is None:
        return 0
    try:
        return int(raw)
    except ValueError:
        raise InvalidCustomer(name, f"{raw!r} is not a whole number") from None


def _date(row: dict[str, str], name: str) -> date | None:
    raw = _text(row, name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidCustomer(name, f"{raw!r} is not a date (YYYY-MM-DD)") from None


def _flag(row: dict[str, str], name: str) -> bool:
    raw = (_text(row, name) or "").lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise InvalidCustomer(name, f"{raw!r} is not true or false")


def _columns(new: NewCustomer) -> dict[str, Any]:
    return {
        "name": new.name.strip(),
        "email": new.email,
        "account_number": new.account_number,
        "segment": new.segment,
        "tier": Tier(new.tier).value,
        "lifetime_value": new.lifetime_value,
        "churn_risk": new.churn_risk,
        "open_complaints": new.open_complaints,
        "customer_since": new.customer_since,
        "consent_marketing_calls": new.consent_marketing_calls,
        "consent_recording": new.consent_recording,
        "owner_agent": new.owner_agent,
    }


def _export_row(c: Customer) -> tuple[Any, ...]:
    return (
        c.account_number or "",
        c.name,
        ";".join(p.e164 for p in c.phones),
        c.email or "",
        c.segment or "",
        c.tier,
        f"{float(c.lifetime_value):.2f}",
        repr(float(c.churn_risk)),
        c.open_complaints,
        c.customer_since.isoformat() if c.customer_since else "",
        "true" if c.consent_marketing_calls else "false",
        "true" if c.consent_recording else "false",
        c.owner_agent or "",
    )


def _csv_text(rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()
