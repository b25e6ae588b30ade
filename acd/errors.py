"""ACD errors::

AcdError                 400 acd-error
├── IllegalStateChange   409 illegal-state-change
├── NoSuchAcdAgent       404 no-such-acd-agent
├── NoSuchQueue          404 no-such-queue
├── QueueInUse           409 queue-in-use
├── NotWaiting           409 call-not-waiting
└── InvalidConfig        422 invalid-routing-config
"""

from __future__ import annotations

from cti.errors import SwitchboardError


class AcdError(SwitchboardError):
    status = 400
    error_id = "acd-error"


class IllegalStateChange(AcdError):
    status = 409
    error_id = "illegal-state-change"


class NoSuchAcdAgent(AcdError):
    """The ACD routes no agent by that id (not a directory question: see cti.crm's NoSuchAgent)."""

    status = 404
    error_id = "no-such-acd-agent"


class NoSuchQueue(AcdError):
    status = 404
    error_id = "no-such-queue"


class QueueInUse(AcdError):
    status = 409
    error_id = "queue-in-use"


class NotWaiting(AcdError):
    status = 409
    error_id = "call-not-waiting"


class InvalidConfig(AcdError):
    status = 422
    error_id = "invalid-routing-config"
