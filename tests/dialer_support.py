"""What the dialer's tests share: a valid campaign, a service on a migrated database."""

from __future__ import annotations

from typing import Any

SAFE_HARBOUR = {"company": "Acme Energy", "callback_number": "+12125550100"}


def spec(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "mode": "predictive",
        "queue": "sales",
        "caller_id": "+12125550100",
        "script": "Hello from Acme",
        "window": {"start": "00:00", "end": "23:59:59", "days": [1, 2, 3, 4, 5, 6, 7]},
        "safe_harbour": SAFE_HARBOUR,
    }
    values.update(overrides)
    return values


def csv_bytes(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()
