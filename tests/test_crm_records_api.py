"""The customer-records routes on the real app: CSV import and export through the API, and a
customer's data exported then erased (the right to be forgotten), with who did it recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cti.crm.calllog import InteractionRecord
from cti.crm.models import CrmErasure, CrmWriteBack, Interaction
from cti.crm.outbox import enqueue
from tests.support import auth, database, running_app, services

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with running_app(tmp_path) as c:
        yield c


def upload(client: TestClient, body: bytes) -> tuple[int, dict[str, object]]:
    res = client.post(
        "/api/crm/customers/import",
        files={"file": ("customers.csv", body, "text/csv")},
        headers=auth(client, "admin"),
    )
    return res.status_code, res.json()


def test_an_admin_imports_a_csv_and_each_refused_row_is_named(client: TestClient) -> None:
    status, report = upload(
        client,
        b"\xef\xbb\xbfaccount_number,name,phones\n"
        b"API-1,Ann Api,(415) 555-0101\nAPI-2,,4155550102\n",
    )
    assert status == 200
    assert report == {
        "created": 1,
        "updated": 0,
        "refused_count": 1,
        "refused": [{"row": 3, "field": "name", "reason": "is required"}],
    }
    card = services(client).crm.lookup_account("API-1")
    assert card is not None and card.phones == ("+14155550101",)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"account_number,name,colour\n", "unknown column 'colour'"),
        (b"account_number,name\nA-1,\xff\xfe\n", "not UTF-8"),
    ],
)
def test_a_file_that_cannot_be_read_is_a_422_saying_where(
    client: TestClient, body: bytes, message: str
) -> None:
    status, error = upload(client, body)
    assert status == 422 and error["error_id"] == "invalid-csv"
    assert message in str(error["message"])


def test_the_export_through_the_api_is_csv_in_the_import_format(client: TestClient) -> None:
    res = client.get("/api/crm/customers/export", headers=auth(client, "admin"))
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    lines = res.text.splitlines()
    assert lines[0].startswith("account_number,name,phones,")
    assert len(lines) == 1 + 300  # the test centre's demo customers


def _history(client: TestClient, customer_id: int, number: str) -> None:
    log = services(client).call_log
    common = {"direction": "inbound", "queue": "sales", "agent_login": "agent01",
              "answered_at": T0, "ended_at": T0}  # fmt: skip
    log.record(
        InteractionRecord(
            "erase-1", 0, offered_at=T0, caller_number=number, customer_id=customer_id, **common
        )
    )  # type: ignore[arg-type]
    log.record(InteractionRecord("erase-2", 0, offered_at=T0, caller_number=number, **common))  # type: ignore[arg-type]
    log.wrap_up("erase-1", "agent01", "resolved", "her card number is 4111 1111")
    log.wrap_up("erase-2", "agent01", "callback", "call back about the divorce")
    with database(client).begin() as session:
        row = session.scalars(select(Interaction).where(Interaction.call_id == "erase-1")).one()
        enqueue(session, row, T0)


def test_a_customers_data_is_exported_then_erased_and_the_erasure_recorded(
    client: TestClient,
) -> None:
    headers = auth(client, "admin")
    created = client.post(
        "/api/customers",
        json={"name": "Forget Me", "phones": ["+14155550177"]},
        headers=headers,
    ).json()
    customer_id = created["id"]
    _history(client, customer_id, "+14155550177")
    data = client.get(f"/api/crm/customers/{customer_id}/data", headers=headers).json()
    assert data["customer"]["name"] == "Forget Me"
    assert [i["notes"] for i in data["interactions"]] == [
        "her card number is 4111 1111",
        "call back about the divorce",
    ]
    res = client.delete(f"/api/crm/customers/{customer_id}", headers=headers)
    assert res.status_code == 200, res.text
    erasure = res.json()
    assert (erasure["erased_by"], erasure["interactions_anonymised"]) == ("admin", 2)
    assert client.get(f"/api/customers/{customer_id}", headers=headers).status_code == 404
    assert services(client).crm.lookup_caller("+14155550177").matches == ()
    with database(client)() as session:
        rows = list(
            session.scalars(
                select(Interaction).where(Interaction.call_id.in_(["erase-1", "erase-2"]))
            )
        )
        assert [(r.notes, r.caller_number, r.customer_id) for r in rows] == [(None, None, None)] * 2
        assert [r.disposition for r in rows] == ["resolved", "callback"]  # counts still add up
        assert list(session.scalars(select(CrmWriteBack))) == []  # the owed notes went too
        (record,) = session.scalars(select(CrmErasure))
        assert (record.customer_id, record.erased_by) == (customer_id, "admin")
    again = client.delete(f"/api/crm/customers/{customer_id}", headers=headers)
    assert again.status_code == 404


@pytest.mark.parametrize(
    "stored",
    ["(415) 555-0177", "14155550177", "4155550177", "+1 415-555-0177", "sip:4155550177@trunk"],
)
def test_erasure_finds_the_interactions_under_any_spelling_of_their_number(
    client: TestClient, stored: str
) -> None:
    headers = auth(client, "admin")
    customer_id = client.post(
        "/api/customers", json={"name": "Spelt Otherwise", "phones": ["+14155550177"]},
        headers=headers,
    ).json()["id"]  # fmt: skip
    log = services(client).call_log
    common = {"direction": "inbound", "queue": "sales", "agent_login": "agent01",
              "offered_at": T0, "answered_at": T0, "ended_at": T0}  # fmt: skip
    log.record(InteractionRecord("spelt-in", 0, caller_number=stored, **common))  # type: ignore[arg-type]
    log.record(InteractionRecord("spelt-out", 0, dialled_number=stored, **common))  # type: ignore[arg-type]
    # Same digits in order inside a longer number, and a neighbour's number: not theirs.
    log.record(InteractionRecord("other-1", 0, caller_number="+442141555017799", **common))  # type: ignore[arg-type]
    log.record(InteractionRecord("other-2", 0, caller_number="(415) 555-0178", **common))  # type: ignore[arg-type]
    log.wrap_up("spelt-in", "agent01", "resolved", "his pin is 1234")
    exported = client.get(f"/api/crm/customers/{customer_id}/data", headers=headers).json()
    assert sorted(i["call_id"] for i in exported["interactions"]) == ["spelt-in", "spelt-out"]
    erasure = client.delete(f"/api/crm/customers/{customer_id}", headers=headers).json()
    assert erasure["interactions_anonymised"] == 2
    with database(client)() as session:
        rows = {r.call_id: r for r in session.scalars(select(Interaction))}
    assert (rows["spelt-in"].caller_number, rows["spelt-in"].notes) == (None, None)
    assert rows["spelt-out"].dialled_number is None
    assert rows["other-1"].caller_number == "+442141555017799"
    assert rows["other-2"].caller_number == "(415) 555-0178"
