"""A synthetic call history with the shapes real centres show, for tests, docs and demos.

Weekly pattern (Monday busiest, Sunday quiet), a double-humped day (late morning and early
afternoon), a gentle trend, public holidays at a fraction of a normal day, Poisson noise,
lognormal talk times, exponential patience against an unknown staffing (a fixed share of
callers abandon). Deterministic for a seed.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import numpy as np

from wfm.history import CallRecord

DAY_FACTORS = (1.25, 1.1, 1.05, 1.0, 0.95, 0.55, 0.3)  # Monday .. Sunday
HOLIDAY_FACTOR = 0.35


def intraday_shape(minute: np.ndarray) -> np.ndarray:
    """Relative arrival intensity over the day (open 08:00 to 20:00)."""
    h = minute / 60.0
    shape = 1.0 * np.exp(-(((h - 10.5) / 1.6) ** 2)) + 0.8 * np.exp(-(((h - 14.5) / 2.0) ** 2))
    return np.where((h >= 8) & (h < 20), shape + 0.08, 0.0)


def history(
    start: date,
    days: int,
    *,
    queue: str = "support",
    calls_per_weekday: float = 1200.0,
    country: str = "GB",
    timezone: str = "Europe/London",
    seed: int = 7,
    aht: float = 240.0,
    abandon_share: float = 0.06,
) -> list[CallRecord]:
    rng = np.random.default_rng(seed)
    tz = ZoneInfo(timezone)
    off_days = holidays.country_holidays(country, years=range(start.year, start.year + 3))
    minutes = np.arange(0, 24 * 60, 5)
    shape = intraday_shape(minutes.astype(float))
    shape /= shape.sum()
    sigma2 = math.log1p(0.8**2)
    records: list[CallRecord] = []
    for d in range(days):
        day = start + timedelta(days=d)
        volume = calls_per_weekday * DAY_FACTORS[day.weekday()] * (1 + 0.002 * d)
        if day in off_days:
            volume *= HOLIDAY_FACTOR
        counts = rng.poisson(volume * shape)
        midnight = datetime.combine(day, time(0), tz)
        for minute, count in zip(minutes, counts, strict=True):
            for offset in np.sort(rng.uniform(0, 300, count)):
                at = midnight + timedelta(minutes=int(minute), seconds=float(offset))
                talk = float(rng.lognormal(math.log(aht * 0.85) - sigma2 / 2, math.sqrt(sigma2)))
                abandoned = rng.random() < abandon_share
                records.append(
                    CallRecord(
                        at,
                        queue,
                        wait=float(rng.exponential(40 if abandoned else 15)),
                        talk=None if abandoned else round(talk, 1),
                        wrap=None if abandoned else round(aht * 0.15, 1),
                        outcome="abandoned" if abandoned else "answered",
                    )
                )
    return records
