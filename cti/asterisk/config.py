"""``AmiConfig``: what ``cti.asterisk`` needs to know, typed; the application builds it.

``cti.asterisk`` never reads ``cti.settings``: the application's wiring turns its
``Settings`` into one ``AmiConfig`` (``cti.server.app.ami_config``) and hands it down, and a
replay or a test builds one directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import SecretStr

from cti.errors import SwitchboardError


class AsteriskMode(StrEnum):
    OBSERVE = "observe"  # app_queue distributes; Switchboard watches, pops, logs, steers
    ROUTE = "route"  # calls wait in the holding context; Switchboard's ACD connects them


class BadAmiConfig(SwitchboardError, ValueError):
    status = 500
    error_id = "bad-ami-config"


NO_SECRET = SecretStr("")
DEFAULT_INBOUND_CONTEXTS = ("switchboard-inbound", "switchboard-routed", "switchboard-hold")


@dataclass(frozen=True, slots=True)
class AmiConfig:
    """Where the AMI is, who logs in, and how the dialplan hands calls to Switchboard.

    ``inbound_contexts``: the dialplan contexts where inbound calls start (the normaliser
    makes a call of each channel that runs one). ``event_filters``: ``eventfilter``
    expressions added with the ``Filter`` action after each login. Raises ``BadAmiConfig``
    for a port outside 1-65535, an empty host or user, or no inbound context.
    """

    host: str = "127.0.0.1"
    port: int = 5038
    user: str = "switchboard"
    secret: SecretStr = NO_SECRET
    tls: bool = False
    mode: AsteriskMode = AsteriskMode.OBSERVE
    inbound_contexts: tuple[str, ...] = DEFAULT_INBOUND_CONTEXTS
    event_filters: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            message = f"AMI port {self.port} is not in 1-65535"
            raise BadAmiConfig(message, details={"port": self.port})
        for name in ("host", "user"):
            if not getattr(self, name).strip():
                raise BadAmiConfig(f"AMI {name} is empty", details={"field": name})
        if not self.inbound_contexts or not all(c.strip() for c in self.inbound_contexts):
            raise BadAmiConfig(
                "AMI inbound contexts must name at least one context, none blank",
                details={"field": "inbound_contexts"},
            )
