"""Lead lists and DNC files: numbers to E.164 with their time zones, every refused row named,
the rest loaded in bounded memory; whole files that cannot be read are refused clearly. The
calling window in the callee's local time, DST included, strictest of several zones."""

from __future__ import annotations

import io
import random
import tracemalloc
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from cti.clock import ManualClock
from cti.db import make_engine, make_session_factory, migrate
from dialer.errors import InvalidLeadFile
from dialer.models import DncSource
from dialer.service import CampaignService, validate_spec
from dialer.window import may_call, zones_for
from tests.dialer_support import csv_bytes, spec


@pytest.fixture
def campaigns(session_factory: sessionmaker[Session]) -> CampaignService:
    service = CampaignService(session_factory, ManualClock())
    service.create("renewals", spec())
    return service


def test_every_refused_row_is_named_and_the_rest_load_with_their_pop_fields(
    campaigns: CampaignService,
) -> None:
    campaigns.dnc_add(["+12125550144"], DncSource.NATIONAL, "registry")
    rows = [
        "(212) 555-0101,Ann Lee,AC-1,yes,gold",  # 2: good, US national format
        "not a number,Bob,,yes,",  # 3: bad number
        "+1 212 555 0101,Ann again,,yes,",  # 4: duplicate of row 2
        "212-555-0144,Cy,,yes,",  # 5: on the national DNC list
        "+442079460000,Dee,AC-9,no,silver",  # 6: no consent
        "+44 20 7946 0001,Eve,,YES,bronze",  # 7: good, UK
    ]
    data = csv_bytes("Phone,Name,Account,Consent,Tier", rows)
    report = campaigns.upload("renewals", io.BytesIO(data), "list.csv")
    refused = [(r.row, r.field, r.reason) for r in report.refused]
    assert refused == [
        (3, "Phone", "bad-number"),
        (4, "Phone", "duplicate"),
        (5, "Phone", "dnc"),
        (6, "Consent", "no-consent"),
    ]
    assert (report.rows, report.loaded) == (6, 2)
    leads = campaigns.leads("renewals", 10, 0)
    assert [(lead.phone, lead.name, lead.account) for lead in leads] == [
        ("+12125550101", "Ann Lee", "AC-1"),
        ("+442079460001", "Eve", None),
    ]
    assert leads[0].fields == {"Tier": "gold"} and leads[0].zones == "America/New_York"
    assert leads[1].zones == "Europe/London"
    again = campaigns.upload("renewals", io.BytesIO(data), "list.csv")
    assert again.loaded == 0 and {r.reason for r in again.refused} >= {"duplicate"}


def test_a_line_that_is_not_utf8_is_refused_by_its_row(campaigns: CampaignService) -> None:
    data = b"phone,name\n+12125550101,Ann\n+12125550102,Jos\xe9\n+12125550103,Cy\n"
    report = campaigns.upload("renewals", io.BytesIO(data), "latin1.csv")
    assert report.loaded == 2
    assert [(r.row, r.reason) for r in report.refused] == [(3, "encoding")]
    assert "not UTF-8" in report.refused[0].detail


def test_a_utf16_file_is_refused_whole_before_anything_loads(campaigns: CampaignService) -> None:
    data = "phone,name\n+12125550101,Ann\n".encode("utf-16")
    with pytest.raises(InvalidLeadFile) as refused:
        campaigns.upload("renewals", io.BytesIO(data), "excel.csv")
    assert "UTF-16" in refused.value.message and refused.value.details["file"] == "excel.csv"
    assert campaigns.leads("renewals", 10, 0) == []


def test_a_file_without_a_phone_column_says_which_columns_it_found(
    campaigns: CampaignService,
) -> None:
    data = csv_bytes("name,email", ["Ann,ann@example.com"])
    with pytest.raises(InvalidLeadFile) as refused:
        campaigns.upload("renewals", io.BytesIO(data), "nophone.csv")
    assert refused.value.details == {
        "file": "nophone.csv",
        "row": 1,
        "field": "phone",
        "columns": ["name", "email"],
    }


def test_a_dnc_file_imports_numbers_and_names_the_bad_rows(campaigns: CampaignService) -> None:
    data = csv_bytes("number", ["+12125550150", "garbage", "2125550151", "+12125550150"])
    report = campaigns.dnc_import(io.BytesIO(data), "tps.csv", DncSource.NATIONAL, "US")
    assert report.added == 2 and [(r.row, r.reason) for r in report.refused] == [(3, "bad-number")]
    assert campaigns.on_dnc(["+12125550150", "+12125550151", "+12125550152"]) == {
        "+12125550150",
        "+12125550151",
    }


def test_100k_rows_with_1_percent_bad_load_in_bounded_memory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'big.db'}")
    migrate(engine)
    service = CampaignService(make_session_factory(engine), ManualClock())
    service.create("big", spec())
    rng = random.Random(3)
    bad = set(rng.sample(range(100_000), 1_000))
    lines = [b"phone,name,segment\n"]
    for i in range(100_000):
        number = f"bad-{i}" if i in bad else f"+1212{2000000 + i:07d}"
        lines.append(f"{number},Lead {i},s{i % 7}\n".encode())
    data = b"".join(lines)
    del lines
    tracemalloc.start()
    report = service.upload("big", io.BytesIO(data), "big.csv")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    engine.dispose()
    assert (report.rows, report.loaded, len(report.refused)) == (100_000, 99_000, 1_000)
    assert sorted(r.row - 2 for r in report.refused) == sorted(bad)
    assert {r.reason for r in report.refused} == {"bad-number"}
    # The file is 3.3 MB; the rows held at once are one batch, and the refusals are 1%.
    assert peak < 25 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


NEW_YORK = ("America/New_York",)


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_the_window_is_checked_in_the_callees_local_time_across_dst() -> None:
    made = validate_spec(spec(window={"start": "09:00", "end": "20:00", "days": [1, 2, 3, 4, 5]}))
    # 13:30 UTC is 08:30 in New York in winter (EST, UTC-5) and 09:30 in summer (EDT, UTC-4).
    assert not may_call(made, NEW_YORK, _at("2026-01-14T13:30")).open
    assert may_call(made, NEW_YORK, _at("2026-07-15T13:30")).open
    # DST begins on 8 March 2026: the same UTC hour falls either side of 09:00 that weekend.
    assert not may_call(made, NEW_YORK, _at("2026-03-06T13:30")).open  # Friday, EST
    assert may_call(made, NEW_YORK, _at("2026-03-09T13:30")).open  # Monday, EDT
    saturday = may_call(made, NEW_YORK, _at("2026-07-18T15:00"))
    assert not saturday.open and "America/New_York" in saturday.reason


def test_a_number_in_several_zones_gets_the_strictest_hours() -> None:
    made = validate_spec(spec(window={"start": "09:00", "end": "20:00"}))
    zones = ("America/New_York", "America/Los_Angeles")
    at = _at("2026-07-15T14:30")  # 10:30 in New York, 07:30 in Los Angeles
    assert may_call(made, ("America/New_York",), at).open
    check = may_call(made, zones, at)
    assert not check.open and "America/Los_Angeles" in check.reason


def test_unknown_zones_follow_the_campaigns_policy() -> None:
    at = _at("2026-07-15T14:30")
    assert not may_call(validate_spec(spec()), (), at).open
    assumed = validate_spec(spec(unknown_zone="assume", assume_zone="Europe/London"))
    assert may_call(assumed, (), at).open


def test_zones_come_from_the_number() -> None:
    assert zones_for("+12125550101") == ("America/New_York",)
    assert zones_for("+442079460000") == ("Europe/London",)
    assert len(zones_for("+61212345678")) >= 1


def test_a_row_the_csv_reader_cannot_read_stops_the_file_with_its_row(
    campaigns: CampaignService,
) -> None:
    endless = b'"' + b"x" * 60_000 + b"\n" + b"y" * 60_000 + b"\n" + b"z" * 60_000 + b"\n"
    data = b"phone,name\n+12125550101,Ann\n" + endless
    with pytest.raises(InvalidLeadFile) as refused:
        campaigns.upload("renewals", io.BytesIO(data), "broken.csv")
    assert refused.value.details["file"] == "broken.csv" and refused.value.details["row"] >= 3
