"""WFM errors::

WfmError                     400 wfm-error
├── InvalidInput             422 invalid-wfm-input   (names the file, row and field)
├── Infeasible               422 wfm-infeasible      (no staffing or schedule meets the ask)
└── NotEnoughHistory         422 not-enough-history  (the call log is too short to forecast)
"""

from __future__ import annotations

from typing import Any

from cti.errors import SwitchboardError


class WfmError(SwitchboardError):
    status = 400
    error_id = "wfm-error"


class InvalidInput(WfmError):
    status = 422
    error_id = "invalid-wfm-input"

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        row: int | None = None,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        where = ":".join(str(p) for p in (source, row) if p is not None)
        prefix = f"{where}: " if where else ""
        prefix += f"{field}: " if field else ""
        extra = {"source": source, "row": row, "field": field}
        super().__init__(
            prefix + message,
            details={**{k: v for k, v in extra.items() if v is not None}, **(details or {})},
        )


class Infeasible(WfmError):
    status = 422
    error_id = "wfm-infeasible"


class NotEnoughHistory(WfmError):
    status = 422
    error_id = "not-enough-history"
