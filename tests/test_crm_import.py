"""Customers in and out as CSV: E.164 phones, upsert by account number, each refused row
named, bounded memory, and an export the import reads back, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from cti.cli import app
from cti.crm import CrmService
from cti.crm.customer_csv import BATCH_ROWS, COLUMNS, CustomerCsv, Refusal
from cti.crm.errors import InvalidCsv
from cti.crm.models import Customer

HEADER = "account_number,name,phones,email,tier,lifetime_value,churn_risk,open_complaints\n"


@pytest.fixture
def records(session_factory: sessionmaker[Session]) -> CustomerCsv:
    return CustomerCsv(session_factory)


def load(records: CustomerCsv, text: str) -> tuple[int, int, list[Refusal]]:
    report = records.import_csv(io.StringIO(text))
    return report.created, report.updated, report.refused


def test_phones_are_stored_in_e164_and_the_caller_is_found_by_any_spelling(
    records: CustomerCsv, session_factory: sessionmaker[Session]
) -> None:
    created, _, refused = load(
        records,
        HEADER + 'A-1,Ada Lovelace,"(212) 555-0147; 1 415 555 0100",ada@x.org,gold,10,0.2,1\n',
    )
    assert (created, refused) == (1, [])
    lookup = CrmService(session_factory).lookup_caller("+12125550147")
    (card,) = lookup.matches
    assert card.phones == ("+12125550147", "+14155550100")
    assert (card.account_number, card.tier, card.lifetime_value, card.open_complaints) == (
        "A-1",
        "gold",
        10.0,
        1,
    )


def test_an_existing_account_number_is_updated_not_duplicated(
    records: CustomerCsv, session_factory: sessionmaker[Session]
) -> None:
    load(records, HEADER + "A-1,Ada,2125550147,,standard,1,0,0\n")
    created, updated, _ = load(records, HEADER + "A-1,Ada King,4155550100,,vip,99,0.5,2\n")
    assert (created, updated) == (0, 1)
    crm = CrmService(session_factory)
    card = crm.lookup_account("A-1")
    assert card is not None
    assert (card.name, card.tier, card.phones) == ("Ada King", "vip", ("+14155550100",))
    assert crm.lookup_caller("2125550147").matches == ()  # the row is the whole record


def test_each_refused_row_is_named_by_row_field_and_reason_and_the_others_load(
    records: CustomerCsv,
) -> None:
    text = HEADER + "\n".join(
        [
            "A-1,Good One,2125550147,,gold,1,0,0",
            "A-2,,2125550148,,gold,1,0,0",
            "A-3,Bad Phone,12,,gold,1,0,0",
            "A-4,Bad Tier,2125550149,,platinum,1,0,0",
            "A-5,Bad Risk,2125550150,,gold,1,1.5,0",
            "A-6,Bad Email,2125550151,not-an-email,gold,1,0,0",
            "A-7,Too,Many,Fields,gold,1,0,0,9",
            "A-8,Bad Value,2125550152,,gold,lots,0,0",
            "A-9,Good Two,2125550153,,standard,1,0,0",
        ]
    )
    created, _, refused = load(records, text + "\n")
    assert created == 2
    assert [(r.row, r.field) for r in refused] == [
        (3, "name"),
        (4, "phones"),
        (5, "tier"),
        (6, "churn_risk"),
        (7, "email"),
        (8, "row"),
        (9, "lifetime_value"),
    ]
    assert "'12' is not a phone number" in refused[1].reason
    assert "has 9 fields, the header 8" in refused[5].reason


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("account_number,name,shoe_size\n", "unknown column 'shoe_size'"),
        ("name,phones\n", "'account_number' is required"),
        ("account_number,name,name\n", "appears twice"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole_with_the_reason(
    records: CustomerCsv, text: str, message: str
) -> None:
    with pytest.raises(InvalidCsv, match=message):
        load(records, text)


def synthetic(rows: int, start: int = 0) -> Iterator[str]:
    yield ",".join(COLUMNS) + "\n"
    for i in range(start, start + rows):
        yield (
            f"ACC{i:07d},Customer {i},+1415{i % 10_000_000:07d},c{i}@example.com,retail,"
            f"gold,{i % 5000}.50,0.25,{i % 3},2020-01-0{1 + i % 9},true,false,\n"
        )


class Lines(io.TextIOBase):
    """A CSV file produced line by line, so only the importer holds anything in memory."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines

    def readable(self) -> bool:
        return True

    def __next__(self) -> str:
        return next(self._lines)

    def __iter__(self) -> Lines:
        return self


def peak_while_importing(records: CustomerCsv, rows: int, start: int) -> int:
    tracemalloc.start()
    try:
        report = records.import_csv(Lines(synthetic(rows, start)))  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (report.created, report.refused_count) == (rows, 0)
    return peak


def test_memory_stays_that_of_one_batch_however_long_the_file_is(
    records: CustomerCsv, session_factory: sessionmaker[Session]
) -> None:
    """Six times the rows cost (nearly) no more memory: the file streams through in batches."""
    small = peak_while_importing(records, 2 * BATCH_ROWS, start=0)
    large = peak_while_importing(records, 12 * BATCH_ROWS, start=10 * BATCH_ROWS)
    assert large < small * 1.5, (small, large)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 14 * BATCH_ROWS


def test_the_export_is_in_the_import_format_and_reads_back_unchanged(
    records: CustomerCsv, session_factory: sessionmaker[Session]
) -> None:
    load(records, "".join(synthetic(3)))
    exported = io.StringIO()
    assert records.export_csv(exported) == 3
    rows = list(csv.DictReader(io.StringIO(exported.getvalue())))
    assert tuple(rows[0]) == COLUMNS
    assert rows[1]["phones"] == "+14150000001"
    assert rows[1]["customer_since"] == "2020-01-02"
    created, updated, refused = load(records, exported.getvalue())
    assert (created, updated, refused) == (0, 3, [])
    again = io.StringIO()
    records.export_csv(again)
    assert again.getvalue() == exported.getvalue()


def test_the_cli_imports_a_file_names_each_refused_row_and_exports_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", f"sqlite:///{folder}/cli.db")
    source = folder / "customers.csv"
    source.write_text(HEADER + "A-1,Ada,2125550147,,gold,1,0,0\nA-2,Bob,12,,gold,1,0,0\n")
    runner = CliRunner()
    result = runner.invoke(app, ["crm", "import", str(source)])
    assert result.exit_code == 2, result.output
    assert f"{source}: row 3: phones: '12' is not a phone number" in result.output
    assert "1 created, 0 updated, 1 refused" in result.output
    out = folder / "out.csv"
    result = runner.invoke(app, ["crm", "export", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[1].startswith("A-1,Ada,+12125550147,")
