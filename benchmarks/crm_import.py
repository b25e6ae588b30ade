"""Importing 100,000 customers from CSV: rows per second and the peak memory it took.

The file is generated line by line (never held whole), imported into a fresh SQLite file
through ``CustomerCsv.import_csv``, and the peak traced by ``tracemalloc``. The peer is the
same rows loaded the simple way, the whole file read into memory first (``list(csv)``),
measured the same way; the point is that the import's memory is that of one batch.
"""

from __future__ import annotations

import csv
import io
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from cti.crm.customer_csv import COLUMNS, CustomerCsv
from cti.db import make_engine, make_session_factory, migrate

Row = tuple[str, str, str, str, str]
ROWS = 100_000


def _lines(rows: int) -> Iterator[str]:
    yield ",".join(COLUMNS) + "\n"
    for i in range(rows):
        yield (
            f"B{i:07d},Customer {i},+1415{i:07d},c{i}@example.com,retail,gold,"
            f"{i % 5000}.5,0.25,{i % 3},2020-01-01,true,false,\n"
        )


class _Stream(io.TextIOBase):
    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines

    def readable(self) -> bool:
        return True

    def __next__(self) -> str:  # type: ignore[override]
        return next(self._lines)

    def __iter__(self) -> _Stream:
        return self


def _measure(rows: int, whole_file: bool) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        migrate(engine)
        records = CustomerCsv(make_session_factory(engine))
        tracemalloc.start()
        started = time.perf_counter()
        if whole_file:
            held = list(csv.reader(_lines(rows)))  # the file in memory, as a naive loader has it
            source: io.TextIOBase = io.StringIO("".join(_lines(rows)))
            records.import_csv(source)  # type: ignore[arg-type]
            del held
        else:
            records.import_csv(_Stream(_lines(rows)))  # type: ignore[arg-type]
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        engine.dispose()
    return rows / elapsed, peak


def rows() -> list[Row]:
    streamed_rate, streamed_peak = _measure(ROWS, whole_file=False)
    _, whole_peak = _measure(ROWS, whole_file=True)
    return [
        (
            f"customer CSV import, {ROWS:,} rows (SQLite)",
            f"{streamed_rate:,.0f} rows/s, peak {streamed_peak / 1e6:.1f} MB",
            "bounded memory (one batch)",
            f"whole file in memory: peak {whole_peak / 1e6:.1f} MB",
            f"{whole_peak / streamed_peak:.1f}x less memory" if streamed_peak else "—",
        )
    ]
