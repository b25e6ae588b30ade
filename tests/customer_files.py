"""Customer files as a centre brings them on its first day: 1,000 customers in the import
format, their numbers written as people write them."""

from __future__ import annotations

import csv
from pathlib import Path

CUSTOMERS = 1000


def customers_csv(path: Path, count: int = CUSTOMERS) -> set[str]:
    """``count`` customers (``IMP-00000`` on, gold, lifetime value 1200) written to ``path``;
    the E.164 of each one's number."""
    numbers = set()
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["account_number", "name", "phones", "tier", "lifetime_value"])
        for i in range(count):
            local = f"(415) 7{i // 1000:02d}-{i % 1000:04d}"
            numbers.add(f"+14157{i // 1000:02d}{i % 1000:04d}")
            writer.writerow([f"IMP-{i:05d}", f"Imported Customer {i}", local, "gold", "1200"])
    return numbers
