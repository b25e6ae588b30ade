"""CRM errors: customers, the call log and the agent/queue directory::

CrmError                      400 crm-error
├── NoSuchCustomer            404 no-such-customer
├── InvalidCustomer           422 invalid-customer      details: field, reason
├── NoSuchInteraction         404 no-such-interaction   details: call_id, agent_login
├── InvalidInteraction        422 invalid-interaction   details: field, reason
├── NoSuchAgent               404 no-such-agent         details: login
├── InvalidAgent              422 invalid-agent         details: field, reason
├── InvalidCsv                422 invalid-csv           details: row, field (or encoding)
├── InvalidCrmMap             422 invalid-crm-map       details: file, errors
├── InvalidCrmResponse        502 invalid-crm-response  details: field, reason
└── CrmUnavailable            503 crm-unavailable       details: reason
"""

from __future__ import annotations

from cti.errors import SwitchboardError


class CrmError(SwitchboardError):
    status = 400
    error_id = "crm-error"


class NoSuchCustomer(CrmError):
    status = 404
    error_id = "no-such-customer"


class NoSuchInteraction(CrmError):
    status = 404
    error_id = "no-such-interaction"


class NoSuchAgent(CrmError):
    """No account with that login in the directory (the ACD's own is ``NoSuchAcdAgent``)."""

    status = 404
    error_id = "no-such-agent"


class _InvalidField(CrmError):
    status = 422
    what = "record"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(
            f"invalid {self.what}: {field} {reason}", details={"field": field, "reason": reason}
        )
        self.field = field
        self.reason = reason


class InvalidCustomer(_InvalidField):
    error_id = "invalid-customer"
    what = "customer"


class InvalidInteraction(_InvalidField):
    error_id = "invalid-interaction"
    what = "interaction"


class InvalidAgent(_InvalidField):
    error_id = "invalid-agent"
    what = "agent"


class InvalidCsv(CrmError):
    """A customer file that cannot be read at all (no header, an unknown column, broken
    quoting); a bad row is refused on its own and the rest still load."""

    status = 422
    error_id = "invalid-csv"


class InvalidCrmMap(CrmError):
    """The external CRM's map file (``SWITCHBOARD_CRM_MAP_FILE``) is not a valid map."""

    status = 422
    error_id = "invalid-crm-map"


class InvalidCrmResponse(CrmError):
    """The external CRM answered, but not with what its map expects (junk, wrong shape, a
    value out of range): the pop goes out without the CRM's card."""

    status = 502
    error_id = "invalid-crm-response"


class CrmUnavailable(CrmError):
    """The external CRM did not answer in time, failed, or its circuit breaker is open."""

    status = 503
    error_id = "crm-unavailable"
