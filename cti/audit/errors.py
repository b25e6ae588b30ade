"""Audit errors::

AuditError          400 audit-error
└── BadAuditQuery   422 bad-audit-query (a filter that cannot select anything: names the field)
"""

from __future__ import annotations

from cti.errors import SwitchboardError


class AuditError(SwitchboardError):
    error_id = "audit-error"


class BadAuditQuery(AuditError):
    status = 422
    error_id = "bad-audit-query"
