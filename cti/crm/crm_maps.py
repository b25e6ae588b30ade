"""The maps that ship for the external CRM connector (docs/crm.md explains each field).

- ``rest``: a plain REST CRM. ``GET {base}/customers?phone=+12125550147`` answers
  ``{"customers": [{"id", "name", "tier", "lifetime_value", "churn_risk",
  "open_complaints", "history": [{"at", "summary", "disposition"}]}]}``; an interaction is
  written back with ``POST {base}/interactions``.
- ``salesforce``: Salesforce's REST API with an OAuth bearer token. The caller is found by
  SOQL on ``Contact.Phone`` through ``/services/data/vXX.X/query``, with the custom fields
  ``Tier__c``, ``Lifetime_Value__c``, ``Churn_Risk__c``, ``Open_Complaints__c`` and the
  contact's latest ``Cases`` as the history; an interaction is written back as a completed
  call ``Task`` on the contact (``/sobjects/Task``).

Placeholders: ``{phone}`` (E.164), ``{soql_phone}`` (E.164, quoted for SOQL) and
``{api_version}`` in a lookup; in a write-back every key of ``cti.crm.outbox``'s payload.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from cti.crm.errors import InvalidCrmMap
from cti.crm.external import CrmMap, FieldMap, RequestSpec
from cti.crm.models import Tier

REST = CrmMap(
    lookup=RequestSpec(method="GET", path="/customers", params={"phone": "{phone}"}),
    fields=FieldMap(
        records="customers",
        external_id="id",
        name="name",
        tier="tier",
        lifetime_value="lifetime_value",
        churn_risk="churn_risk",
        open_complaints="open_complaints",
        history="history",
        history_at="at",
        history_summary="summary",
        history_disposition="disposition",
    ),
    write_back=RequestSpec(
        method="POST",
        path="/interactions",
        body={
            "customer_id": "{external_id}",
            "phone": "{phone}",
            "call_id": "{call_id}",
            "direction": "{direction}",
            "queue": "{queue}",
            "agent": "{agent}",
            "disposition": "{disposition}",
            "notes": "{notes}",
            "follow_up": "{follow_up}",
            "offered_at": "{offered_at}",
            "answered_at": "{answered_at}",
            "ended_at": "{ended_at}",
            "wait_seconds": "{wait_seconds}",
            "talk_seconds": "{talk_seconds}",
            "wrap_seconds": "{wrap_seconds}",
        },
    ),
)

_SOQL = (
    "SELECT Id, Name, Tier__c, Lifetime_Value__c, Churn_Risk__c, Open_Complaints__c, "
    "(SELECT CreatedDate, Subject, Status FROM Cases ORDER BY CreatedDate DESC LIMIT 5) "
    "FROM Contact WHERE Phone = {soql_phone} LIMIT 5"
)

SALESFORCE = CrmMap(
    lookup=RequestSpec(
        method="GET", path="/services/data/{api_version}/query", params={"q": _SOQL}
    ),
    fields=FieldMap(
        records="records",
        external_id="Id",
        name="Name",
        tier="Tier__c",
        tier_values={"Standard": Tier.STANDARD, "Gold": Tier.GOLD, "VIP": Tier.VIP},
        lifetime_value="Lifetime_Value__c",
        churn_risk="Churn_Risk__c",
        open_complaints="Open_Complaints__c",
        history="Cases.records",
        history_at="CreatedDate",
        history_summary="Subject",
        history_disposition="Status",
    ),
    write_back=RequestSpec(
        method="POST",
        path="/services/data/{api_version}/sobjects/Task",
        body={
            "WhoId": "{external_id}",
            "Subject": "Call {direction}: {disposition}",
            "Description": "{notes}",
            "Status": "Completed",
            "TaskSubtype": "Call",
            "CallType": "{salesforce_call_type}",
            "CallDisposition": "{disposition}",
            "CallDurationInSeconds": "{talk_whole_seconds}",
            "CallObject": "{call_id}",
            "ActivityDate": "{ended_date}",
        },
    ),
)

PRESETS = {"rest": REST, "salesforce": SALESFORCE}


def load_map(preset: str, file: Path | None) -> CrmMap:
    """The preset's map, or the map in ``file`` (JSON of the same shape) when one is given."""
    if file is None:
        return PRESETS[preset]
    try:
        return CrmMap.model_validate_json(file.read_bytes())
    except OSError as exc:
        raise InvalidCrmMap(f"{file}: {exc.strerror}", details={"file": str(file)}) from None
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()
        ]
        first = errors[0]
        raise InvalidCrmMap(
            f"{file}: {first['field']}: {first['reason']}",
            details={"file": str(file), "errors": errors},
        ) from None
