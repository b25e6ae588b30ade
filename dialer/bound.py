"""The hard bound: A + O ≤ ⌊alpha·L⌋ in every regulatory period, at every instant.

A call belongs to the period in which it was dialled (the campaign's periods are consecutive
windows of ``window`` seconds from ``origin``: 30 days in the US, 24 hours in the UK). For
each period, A counts its abandons and L its live answers (people); O counts the calls in
flight, of any period, that have no reserved free agent: with interchangeable agents on one
campaign, ``O = max(0, in flight - free)``.

An uncovered dial is allowed only while every period that still has calls in flight keeps
``A + reserve + O + 1 ≤ ⌊alpha·L⌋`` (``reserve`` holds back the people AMD is expected to take for
machines, which count as abandoned). Each event keeps the inequality: a call that ends without
a person lowers O; an abandon happens only when no free agent is left, so it turns one unit
of O into one of A; a live answer raises L; a connection lowers in-flight and free together.
So the bound holds even if every uncovered call is a person who is abandoned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dialer.rates import amd_reserve


@dataclass(slots=True)
class PeriodBook:
    live: int = 0  # L
    abandoned: int = 0  # A
    in_flight: int = 0


class Bound:
    def __init__(self, limit: float, window: float, origin: float, amd_fp: float) -> None:
        self.limit = limit
        self.window = window
        self.origin = origin
        self.amd_fp = amd_fp
        self.books: dict[int, PeriodBook] = {}

    def period(self, at: float) -> int:
        return math.floor((at - self.origin) / self.window)

    def book(self, period: int) -> PeriodBook:
        book = self.books.get(period)
        if book is None:
            book = self.books[period] = PeriodBook()
        return book

    def allowed(self, book: PeriodBook) -> int:
        """⌊alpha·L⌋ less the AMD reserve: what A + O may reach in this period."""
        return math.floor(self.limit * book.live + 1e-9) - amd_reserve(book.live, self.amd_fp)

    def slack(self, now: float, uncovered: int) -> int:
        """How many more uncovered calls may be placed now (negative: over by that much)."""
        current = self.period(now)
        open_books = [b for p, b in self.books.items() if b.in_flight or p == current]
        if current not in self.books:
            open_books.append(PeriodBook())
        return min(self.allowed(b) - b.abandoned - uncovered for b in open_books)

    def forget_closed(self, now: float) -> None:
        """Drop finished periods with nothing in flight (their figures live elsewhere)."""
        current = self.period(now)
        for period in [p for p, b in self.books.items() if p < current and not b.in_flight]:
            del self.books[period]
