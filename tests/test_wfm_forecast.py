"""Forecasts from a call history: weekly and daily shapes, holidays, and a backtest WAPE."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from cti.clock import ManualClock
from cti.crm import CallLog, InteractionRecord
from cti.crm.models import Outcome
from wfm.demo import HOLIDAY_FACTOR, history
from wfm.errors import InvalidInput, NotEnoughHistory
from wfm.forecast import forecast
from wfm.history import CallRecord, read_calls_csv, write_calls_csv
from wfm.service import WfmService


@pytest.fixture(scope="module")
def calls() -> list:  # type: ignore[type-arg]
    return history(date(2025, 3, 3), 63, calls_per_weekday=300, seed=3)


def _daily(fc, day: date) -> float:  # type: ignore[no-untyped-def]
    return sum(r.calls for r in fc.rows if r.start.date() == day)


def test_the_backtest_reports_a_wape_for_both_models_and_best_picks_the_lower(calls) -> None:  # type: ignore[no-untyped-def]
    fc = forecast(calls, date(2025, 5, 5), 7, country="GB", timezone="Europe/London")
    assert fc.backtest is not None and set(fc.backtest.wape) == {"profile", "holt-winters"}
    assert all(0 < w < 0.25 for w in fc.backtest.wape.values())
    assert fc.method == min(fc.backtest.wape, key=fc.backtest.wape.__getitem__)


def test_weekday_and_intraday_shapes_come_through(calls) -> None:  # type: ignore[no-untyped-def]
    fc = forecast(calls, date(2025, 5, 12), 7, method="profile", timezone="Europe/London")
    monday, sunday = _daily(fc, date(2025, 5, 12)), _daily(fc, date(2025, 5, 18))
    assert monday > 3 * sunday
    night = [r.calls for r in fc.rows if r.start.hour < 7]
    late_morning = [
        r.calls for r in fc.rows if r.start.date() == date(2025, 5, 13) and r.start.hour == 10
    ]
    assert sum(night) == 0 and min(late_morning) > 5
    assert len(fc.rows) == 7 * 48


def test_a_public_holiday_is_forecast_at_the_ratio_holidays_showed(calls) -> None:  # type: ignore[no-untyped-def]
    # 5 May 2025 is the Early May bank holiday in England; Easter Monday is in the history.
    fc = forecast(
        calls, date(2025, 5, 5), 8, method="profile", country="GB", timezone="Europe/London"
    )
    holiday, next_monday = _daily(fc, date(2025, 5, 5)), _daily(fc, date(2025, 5, 12))
    assert holiday / next_monday == pytest.approx(HOLIDAY_FACTOR, abs=0.12)
    plain = forecast(calls, date(2025, 5, 5), 1, method="profile", timezone="Europe/London")
    assert _daily(plain, date(2025, 5, 5)) > 2 * holiday


def test_holt_winters_needs_three_weeks_and_any_forecast_one(calls) -> None:  # type: ignore[no-untyped-def]
    short = [c for c in calls if c.offered_at.date() < date(2025, 3, 17)]
    with pytest.raises(NotEnoughHistory):
        forecast(short, date(2025, 3, 17), 7, method="holt-winters")
    with pytest.raises(NotEnoughHistory):
        forecast(calls[:10], date(2025, 3, 17), 7)


def test_call_log_csv_round_trips_and_bad_rows_name_file_row_and_field(
    tmp_path: Path, calls
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "calls.csv"
    write_calls_csv(path, calls[:50])
    again = read_calls_csv(path)
    assert [c.offered_at for c in again] == [c.offered_at for c in calls[:50]]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "offered_at,queue,talk_seconds\n2025-03-03T09:00:00+00:00,sales,12\n"
        "2025-03-03T09:01:00,sales,12\n"
    )
    with pytest.raises(InvalidInput, match=r"bad.csv:3: offered_at: .* no UTC offset"):
        read_calls_csv(bad)
    bad.write_text("offered_at,queue,talk_seconds\n2025-03-03T09:00:00Z,sales,soon\n")
    with pytest.raises(InvalidInput, match=r"bad.csv:2: talk_seconds: 'soon' is not a number"):
        read_calls_csv(bad)
    bad.write_text("when,queue\n")
    with pytest.raises(InvalidInput, match=r"bad.csv:1: missing column\(s\) offered_at"):
        read_calls_csv(bad)


def test_every_outcome_the_call_log_stores_reads_back_from_a_calls_csv(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    at = datetime(2025, 3, 3, 9, tzinfo=UTC)
    records = [CallRecord(at, "sales", 5.0, 60.0, 10.0, outcome.value) for outcome in Outcome]
    write_calls_csv(path, records)
    assert [r.outcome for r in read_calls_csv(path)] == [o.value for o in Outcome]
    assert {"voicemail", "contained"} <= {r.outcome for r in read_calls_csv(path)}


def test_the_planners_history_is_the_call_logs_inbound_legs_of_the_last_days(
    session_factory: sessionmaker[Session],
) -> None:
    now = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    log = CallLog(session_factory)
    for n, days_ago in enumerate((1, 3, 8)):
        offered = now - timedelta(days=days_ago)
        log.record(
            InteractionRecord(
                call_id=f"call-{n}",
                leg=0,
                direction="inbound",
                offered_at=offered,
                queue="support",
                wait_seconds=12.0,
                talk_seconds=200.0,
                wrap_seconds=30.0,
                outcome="answered",
            )
        )
    service = WfmService(log, ManualClock(now.timestamp()))
    assert service.history("support", 7) == [
        CallRecord(now - timedelta(days=3), "support", 12.0, 200.0, 30.0, "answered"),
        CallRecord(now - timedelta(days=1), "support", 12.0, 200.0, 30.0, "answered"),
    ]
    assert service.history("billing", 7) == []
