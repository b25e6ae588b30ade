"""Business hours: weekly opening ranges in a time zone, public holidays, closed dates."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_calendars

from ivr.schema import HoursNode

Status = Literal["open", "closed", "holiday"]
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def status(node: HoursNode, now: float) -> Status:
    local = datetime.fromtimestamp(now, ZoneInfo(node.timezone))
    today = local.date()
    if today in node.closed_dates or _is_holiday(node.holidays, today):
        return "holiday"
    for span in node.open.get(_DAYS[local.weekday()], []):  # type: ignore[call-overload]
        start, end = parse_range(span)
        if start <= local.time() < end:
            return "open"
    return "closed"


def parse_range(span: str) -> tuple[time, time]:
    """``"08:30-17:00"`` (or ``"00:00-24:00"``) to two times; ``ValueError`` says why not."""
    parts = span.split("-")
    if len(parts) != 2:
        raise ValueError(f"{span!r} is not HH:MM-HH:MM")
    start = time.fromisoformat(parts[0].strip())
    end = time.max if parts[1].strip() == "24:00" else time.fromisoformat(parts[1].strip())
    if end <= start:
        raise ValueError(f"{span!r} ends before it starts")
    return start, end


def check(node: HoursNode) -> list[tuple[str, str]]:
    """Problems as ``(field path, message)``."""
    problems = []
    try:
        ZoneInfo(node.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(("timezone", f"unknown time zone {node.timezone!r}"))
    if node.holidays is not None:
        try:
            _calendar(node.holidays)
        except NotImplementedError:
            problems.append(("holidays", f"no holiday calendar for {node.holidays!r}"))
    for day, spans in node.open.items():
        for i, span in enumerate(spans):
            try:
                parse_range(span)
            except ValueError as exc:
                problems.append((f"open.{day}.{i}", str(exc)))
    return problems


def _is_holiday(code: str | None, day: date) -> bool:
    return code is not None and day in _calendar(code)


@lru_cache(maxsize=64)
def _calendar(code: str) -> holiday_calendars.HolidayBase:
    country, _, subdivision = code.partition("-")
    return holiday_calendars.country_holidays(country, subdiv=subdivision or None)
