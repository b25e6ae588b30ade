"""IVR errors::

IvrError                 400 ivr-error
├── InvalidFlow          422 invalid-flow (``details.errors``: "path: message" strings)
├── NoSuchFlow           404 no-such-flow
└── NoSuchFlowVersion    404 no-such-flow-version
"""

from __future__ import annotations

from collections.abc import Sequence

from cti.errors import SwitchboardError


class IvrError(SwitchboardError):
    status = 400
    error_id = "ivr-error"


class InvalidFlow(IvrError):
    status = 422
    error_id = "invalid-flow"

    def __init__(self, problems: Sequence[str], *, name: str | None = None) -> None:
        first = problems[0] if problems else "invalid flow"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{first}{more}", details={"flow": name, "errors": list(problems)})
        self.problems = tuple(problems)


class NoSuchFlow(IvrError):
    status = 404
    error_id = "no-such-flow"


class NoSuchFlowVersion(IvrError):
    status = 404
    error_id = "no-such-flow-version"
