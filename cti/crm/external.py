"""The external CRM's side of a screen-pop: the card it gives, and the map from its JSON.

A ``CrmMap`` says how to ask (``lookup``: a request template) and how to read the answer
(``fields``: where the records are and where each card field is in a record, as dotted
paths), and how to write an interaction back (``write_back``). Two maps ship
(``cti.crm.crm_maps``): a plain REST CRM and Salesforce's REST API; a JSON file of the same
shape replaces them (``SWITCHBOARD_CRM_MAP_FILE``; docs/crm.md).

``read_cards`` validates everything it takes from the answer: a record that is not an
object, a tier the map does not know, a churn risk outside 0..1, a negative amount or count,
a history that is not a list, all raise ``InvalidCrmResponse`` naming the record and field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cti.crm.errors import InvalidCrmResponse
from cti.crm.models import Tier

Status = Literal["found", "not-found", "pending", "unavailable", "invalid", "no-number"]
#: How many past interactions of the external CRM a card carries.
MAX_HISTORY = 10
MAX_TEXT = 500


class RequestSpec(BaseModel):
    """One HTTP request: ``{name}`` in the path, a parameter or a body string is replaced
    by that value (a body string that is exactly ``{name}`` keeps the value's type)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Literal["GET", "POST", "PUT", "PATCH"] = "GET"
    path: str = Field(min_length=1, max_length=2000)
    params: dict[str, str] = Field(default_factory=dict)
    body: dict[str, Any] | None = None


class FieldMap(BaseModel):
    """Dotted paths into the CRM's JSON; ``records`` from the top, the rest within one
    record. An empty ``records`` means the answer is one record (or ``null``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    records: str = ""
    external_id: str
    name: str | None = None
    tier: str | None = None
    tier_values: dict[str, Tier] = Field(default_factory=dict)  # the CRM's value -> ours
    lifetime_value: str | None = None
    churn_risk: str | None = None
    open_complaints: str | None = None
    history: str | None = None  # a list within the record
    history_at: str | None = None
    history_summary: str | None = None
    history_disposition: str | None = None


class CrmMap(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lookup: RequestSpec
    fields: FieldMap
    write_back: RequestSpec


@dataclass(frozen=True, slots=True)
class HistoryItem:
    at: str | None
    summary: str
    disposition: str | None


@dataclass(frozen=True, slots=True)
class ExternalCard:
    external_id: str
    name: str | None
    tier: Tier | None
    lifetime_value: float | None
    churn_risk: float | None
    open_complaints: int | None
    history: tuple[HistoryItem, ...]


@dataclass(frozen=True, slots=True)
class ExternalLookup:
    """What the external CRM said of one number (``pending`` until it has answered)."""

    status: Status
    number: str | None
    cards: tuple[ExternalCard, ...] = ()
    reason: str | None = None


def pending(number: str | None) -> ExternalLookup:
    return ExternalLookup("pending", number)


def read_cards(answer: Any, fields: FieldMap) -> tuple[ExternalCard, ...]:
    """The cards in the CRM's decoded JSON ``answer``, each field validated."""
    records = _at(answer, fields.records) if fields.records else answer
    if records is None:
        return ()
    if isinstance(records, dict) and not fields.records:
        records = [records]
    if not isinstance(records, list):
        raise _invalid(fields.records or "(answer)", "is not a list of records")
    return tuple(_card(i, record, fields) for i, record in enumerate(records[:5]))


def _card(index: int, record: Any, fields: FieldMap) -> ExternalCard:
    where = f"records[{index}]"
    if not isinstance(record, dict):
        raise _invalid(where, "is not an object")
    external_id = _at(record, fields.external_id)
    if not isinstance(external_id, str | int) or isinstance(external_id, bool) or external_id == "":
        raise _invalid(f"{where}.{fields.external_id}", "is not an id")
    return ExternalCard(
        external_id=str(external_id),
        name=_text(record, fields.name, where),
        tier=_tier(record, fields, where),
        lifetime_value=_amount(record, fields.lifetime_value, where, upper=None),
        churn_risk=_amount(record, fields.churn_risk, where, upper=1.0),
        open_complaints=_count(record, fields.open_complaints, where),
        history=_history(record, fields, where),
    )


def _at(value: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _text(record: Any, path: str | None, where: str) -> str | None:
    value = _at(record, path) if path else None
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(f"{where}.{path}", "is not text")
    return value[:MAX_TEXT]


def _tier(record: Any, fields: FieldMap, where: str) -> Tier | None:
    raw = _at(record, fields.tier) if fields.tier else None
    if raw is None:
        return None
    if isinstance(raw, str) and raw in fields.tier_values:
        return fields.tier_values[raw]
    if isinstance(raw, str) and raw.lower() in tuple(Tier):
        return Tier(raw.lower())
    raise _invalid(f"{where}.{fields.tier}", f"{str(raw)[:40]!r} is not a known tier")


def _amount(record: Any, path: str | None, where: str, upper: float | None) -> float | None:
    raw = _at(record, path) if path else None
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise _invalid(f"{where}.{path}", "is not a number")
    if raw < 0 or (upper is not None and raw > upper):
        bounds = f"between 0 and {upper:g}" if upper is not None else "at least 0"
        raise _invalid(f"{where}.{path}", f"must be {bounds}")
    return float(raw)


def _count(record: Any, path: str | None, where: str) -> int | None:
    raw = _at(record, path) if path else None
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise _invalid(f"{where}.{path}", "is not a count")
    return raw


def _history(record: Any, fields: FieldMap, where: str) -> tuple[HistoryItem, ...]:
    items = _at(record, fields.history) if fields.history else None
    if items is None:
        return ()
    if not isinstance(items, list):
        raise _invalid(f"{where}.{fields.history}", "is not a list")
    history = []
    for i, item in enumerate(items[:MAX_HISTORY]):
        at = f"{where}.{fields.history}[{i}]"
        if not isinstance(item, dict):
            raise _invalid(at, "is not an object")
        summary = _text(item, fields.history_summary, at) or ""
        history.append(
            HistoryItem(
                _text(item, fields.history_at, at),
                summary,
                _text(item, fields.history_disposition, at),
            )
        )
    return tuple(history)


def _invalid(field: str, reason: str) -> InvalidCrmResponse:
    return InvalidCrmResponse(
        f"the CRM's answer: {field} {reason}", details={"field": field, "reason": reason}
    )
