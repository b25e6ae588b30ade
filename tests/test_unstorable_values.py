"""Values PostgreSQL cannot store are the client's error (422), never a 500: a NUL in text
(which the fuzzer can send in any string), a string wider than its column."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support import auth, running_app


@pytest.fixture
def client(tmp_path: Path, postgres_url: str) -> Iterator[TestClient]:
    with running_app(tmp_path, database_url=postgres_url, demo_customers=20) as c:
        yield c


def test_a_nul_in_a_new_customers_name_is_a_422_naming_the_reason(client: TestClient) -> None:
    res = client.post("/api/customers", json={"name": "a\u0000b"}, headers=auth(client, "agent01"))
    assert res.status_code == 422, res.text
    assert res.json()["error_id"] == "unstorable-value"
    assert "NUL" in res.json()["details"]["reason"]


def test_a_nul_in_a_customer_search_is_a_422(client: TestClient) -> None:
    res = client.get("/api/customers", params={"q": "an\u0000"}, headers=auth(client, "agent01"))
    assert res.status_code == 422 and res.json()["error_id"] == "unstorable-value"


def test_a_nul_in_a_skill_description_is_a_422(client: TestClient) -> None:
    body = {"description": "x\u0000"}
    res = client.put("/api/skills/french", json=body, headers=auth(client, "super01"))
    assert res.status_code == 422 and res.json()["error_id"] == "unstorable-value"


def test_an_account_number_wider_than_its_column_is_refused_before_the_database(
    client: TestClient,
) -> None:
    body = {"name": "Ada", "account_number": "A" * 33}
    res = client.post("/api/customers", json=body, headers=auth(client, "agent01"))
    assert res.status_code == 422 and res.json()["error_id"] == "invalid-request"
    assert res.json()["details"]["errors"][0]["field"] == "body.account_number"
