"""Call volumes and handle times per 15- or 30-minute interval, from the call history.

Two daily models, each split into intervals by a day-of-week intraday profile:

- ``profile``: the mean of the last ``weeks`` same weekdays (holidays left out);
- ``holt-winters``: statsmodels' exponential smoothing of daily totals with a damped
  additive trend and a weekly season, fitted on history with holidays replaced by their
  weekday's profile value.

Public holidays (``holidays`` for a country) are scaled by the ratio holidays showed in the
history to their weekday's normal (1.0 if the history has none and no factor is given).
A backtest holds out the last ``holdout`` days, fits on the rest and reports each model's
WAPE (sum of absolute errors over sum of actuals, per interval); ``best`` picks the lower.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
import numpy as np
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from wfm.errors import InvalidInput, NotEnoughHistory
from wfm.history import CallRecord

Method = Literal["profile", "holt-winters", "best"]
MIN_DAYS_PROFILE = 7
MIN_DAYS_HOLT_WINTERS = 21


@dataclass(frozen=True, slots=True)
class IntervalForecast:
    start: datetime
    calls: float
    aht: float


@dataclass(frozen=True, slots=True)
class Backtest:
    days: int
    wape: dict[str, float]  # per method, interval level


@dataclass(frozen=True, slots=True)
class Forecast:
    queue: str | None
    interval_minutes: int
    method: str
    rows: tuple[IntervalForecast, ...]
    backtest: Backtest | None


@dataclass(frozen=True, slots=True)
class History:
    """Counts per (day, slot) in local time, with handle times per weekday and slot."""

    days: tuple[date, ...]
    counts: np.ndarray  # days x slots
    aht: np.ndarray  # 7 x slots, seconds
    slot_minutes: int
    tz: ZoneInfo

    def head(self, n: int) -> History:
        return History(self.days[:n], self.counts[:n], self.aht, self.slot_minutes, self.tz)


def history_of(
    records: Sequence[CallRecord], interval_minutes: int, timezone: str = "UTC"
) -> History:
    if interval_minutes not in (15, 30, 60):
        raise InvalidInput("must be 15, 30 or 60", field="interval_minutes")
    tz = zone(timezone)
    if not records:
        raise NotEnoughHistory("the call history is empty")
    local = [r.offered_at.astimezone(tz) for r in records]
    first, last = min(local).date(), max(local).date()
    days = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
    slots = 24 * 60 // interval_minutes
    counts = np.zeros((len(days), slots))
    handle_sum, handle_n = np.zeros((7, slots)), np.zeros((7, slots))
    for rec, at in zip(records, local, strict=True):
        slot = (at.hour * 60 + at.minute) // interval_minutes
        counts[(at.date() - first).days, slot] += 1
        if rec.handle is not None:
            handle_sum[at.weekday(), slot] += rec.handle
            handle_n[at.weekday(), slot] += 1
    overall = handle_sum.sum() / handle_n.sum() if handle_n.sum() else 180.0
    aht = np.where(handle_n >= 5, handle_sum / np.maximum(handle_n, 1), overall)
    return History(days, counts, aht, interval_minutes, tz)


def forecast(
    records: Sequence[CallRecord],
    start: date,
    days: int,
    *,
    interval_minutes: int = 30,
    method: Method = "best",
    timezone: str = "UTC",
    country: str | None = None,
    holiday_factor: float | None = None,
    weeks: int = 6,
    holdout: int = 14,
    queue: str | None = None,
) -> Forecast:
    if not 1 <= days <= 366:
        raise InvalidInput("must be 1 to 366", field="days")
    hist = history_of(records, interval_minutes, timezone)
    calendar = _calendar(country, hist.days[0], start + timedelta(days=days))
    backtest = _backtest(hist, calendar, holiday_factor, weeks, holdout)
    chosen: str = method
    if method == "best":
        chosen = min(backtest.wape, key=backtest.wape.__getitem__) if backtest else "profile"
    horizon = tuple(start + timedelta(days=i) for i in range(days))
    grid = _predict(hist, horizon, chosen, calendar, holiday_factor, weeks)
    rows = tuple(
        IntervalForecast(
            _slot_start(day, s, hist), float(grid[i, s]), float(hist.aht[day.weekday(), s])
        )
        for i, day in enumerate(horizon)
        for s in range(grid.shape[1])
    )
    return Forecast(queue, interval_minutes, chosen, rows, backtest)


def _slot_start(day: date, slot: int, hist: History) -> datetime:
    return datetime.combine(day, time(0), hist.tz) + timedelta(minutes=slot * hist.slot_minutes)


def _predict(
    hist: History,
    horizon: Sequence[date],
    method: str,
    calendar: holiday_calendars.HolidayBase,
    factor: float | None,
    weeks: int,
) -> np.ndarray:
    if len(hist.days) < MIN_DAYS_PROFILE:
        raise NotEnoughHistory(
            f"{len(hist.days)} day(s) of history; forecasting needs at least {MIN_DAYS_PROFILE}"
        )
    normal = _weekday_means(hist, calendar, weeks)
    profile = _intraday_profiles(hist, calendar, weeks)
    ratio = factor if factor is not None else _holiday_ratio(hist, calendar, normal)
    if method == "holt-winters":
        totals = _holt_winters(hist, calendar, normal, horizon)
    else:
        totals = np.array([normal[d.weekday()] for d in horizon])
    totals = np.array(
        [t * (ratio if d in calendar else 1.0) for t, d in zip(totals, horizon, strict=True)]
    )
    shapes = np.array([profile[d.weekday()] for d in horizon])
    return np.asarray(np.maximum(totals, 0.0)[:, None] * shapes)


def _weekday_means(
    hist: History, calendar: holiday_calendars.HolidayBase, weeks: int
) -> np.ndarray:
    totals = hist.counts.sum(axis=1)
    means = np.zeros(7)
    for wd in range(7):
        picked = [
            t
            for d, t in zip(hist.days, totals, strict=True)
            if d.weekday() == wd and d not in calendar
        ]
        means[wd] = np.mean(picked[-weeks:]) if picked else 0.0
    return means


def _intraday_profiles(
    hist: History, calendar: holiday_calendars.HolidayBase, weeks: int
) -> np.ndarray:
    profiles = np.zeros((7, hist.counts.shape[1]))
    for wd in range(7):
        rows = [i for i, d in enumerate(hist.days) if d.weekday() == wd and d not in calendar]
        volume = hist.counts[rows[-weeks:]].sum(axis=0) if rows else np.zeros(profiles.shape[1])
        total = volume.sum()
        profiles[wd] = volume / total if total else 0.0
    return profiles


def _holiday_ratio(
    hist: History, calendar: holiday_calendars.HolidayBase, normal: np.ndarray
) -> float:
    totals = hist.counts.sum(axis=1)
    ratios = [
        t / normal[d.weekday()]
        for d, t in zip(hist.days, totals, strict=True)
        if d in calendar and normal[d.weekday()] > 0
    ]
    return float(np.mean(ratios)) if ratios else 1.0


def _holt_winters(
    hist: History,
    calendar: holiday_calendars.HolidayBase,
    normal: np.ndarray,
    horizon: Sequence[date],
) -> np.ndarray:
    if len(hist.days) < MIN_DAYS_HOLT_WINTERS:
        raise NotEnoughHistory(
            f"{len(hist.days)} day(s) of history; Holt-Winters needs {MIN_DAYS_HOLT_WINTERS}"
        )
    series = np.array(
        [
            normal[d.weekday()] if d in calendar else t
            for d, t in zip(hist.days, hist.counts.sum(axis=1), strict=True)
        ]
    )
    seasonal = "mul" if series.min() > 0 else "add"
    model = ExponentialSmoothing(
        series, trend="add", damped_trend=True, seasonal=seasonal, seasonal_periods=7
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        fitted = model.fit()
    steps = (horizon[-1] - hist.days[-1]).days
    if steps < 1:
        raise InvalidInput("Holt-Winters forecasts after the history ends", field="start")
    ahead = fitted.forecast(steps)
    return np.array([ahead[(d - hist.days[-1]).days - 1] for d in horizon])


def _backtest(
    hist: History,
    calendar: holiday_calendars.HolidayBase,
    factor: float | None,
    weeks: int,
    holdout: int,
) -> Backtest | None:
    holdout = min(holdout, len(hist.days) - MIN_DAYS_PROFILE)
    if holdout < 1:
        return None
    train = hist.head(len(hist.days) - holdout)
    tested = hist.days[-holdout:]
    actual = hist.counts[-holdout:]
    wape: dict[str, float] = {}
    for method in ("profile", "holt-winters"):
        if method == "holt-winters" and len(train.days) < MIN_DAYS_HOLT_WINTERS:
            continue
        predicted = _predict(train, tested, method, calendar, factor, weeks)
        wape[method] = float(np.abs(actual - predicted).sum() / max(actual.sum(), 1.0))
    return Backtest(holdout, wape)


def _calendar(country: str | None, first: date, last: date) -> holiday_calendars.HolidayBase:
    if not country:
        return holiday_calendars.HolidayBase()
    try:
        return holiday_calendars.country_holidays(country, years=range(first.year, last.year + 1))
    except NotImplementedError:
        raise InvalidInput(f"no holiday calendar for {country!r}", field="country") from None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        raise InvalidInput(f"unknown time zone {name!r}", field="timezone") from None
