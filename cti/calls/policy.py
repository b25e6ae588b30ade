"""Who may do what to a call or to an agent: the one place that decides.

REST handlers and the agent websocket both ask ``authorise`` (``authorise_call`` finds the
call first and asks about its agent). A call is *one's own* while it rings at or is connected
to that agent; a waiting call is nobody's. The rules, as a contact centre runs:

====================================  ===================  =================================
action                                on one's own         on someone else's (or nobody's)
====================================  ===================  =================================
answer, hold, consult, end-consult    the agent            nobody: they need that agent's
                                                           phone and headset
transfer, hangup, record              the agent            a supervisor or admin (rescue a
                                                           stuck call, move it, monitor it)
callback                              a supervisor         a supervisor or admin
set-state                             the agent            a supervisor or admin
====================================  ===================  =================================

A callback hangs the caller up (they keep their place and are called back), so it is the
floor's decision, not an agent's: an agent whose phone rings would otherwise turn the call
away, and a waiting call has no agent to ask. Every refusal is ``403 forbidden`` naming
the action and the call's (or agent's) owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from cti.auth.errors import Forbidden
from cti.auth.service import Principal
from cti.calls.model import Call
from cti.calls.service import CallCentre
from cti.roles import Role


class Action(StrEnum):
    ANSWER = "answer"
    HOLD = "hold"
    CONSULT = "consult"
    END_CONSULT = "end-consult"
    TRANSFER = "transfer"
    HANGUP = "hangup"
    RECORD = "record"
    CALLBACK = "callback"
    SET_STATE = "set-state"


@dataclass(frozen=True, slots=True)
class Rule:
    """The least role that may act on one's own call (or self), and on anyone else's;
    ``None``: nobody may."""

    own: Role | None
    others: Role | None


_AGENTS_ONLY = Rule(own=Role.AGENT, others=None)
_OR_SUPERVISOR = Rule(own=Role.AGENT, others=Role.SUPERVISOR)

RULES = MappingProxyType(
    {
        Action.ANSWER: _AGENTS_ONLY,
        Action.HOLD: _AGENTS_ONLY,
        Action.CONSULT: _AGENTS_ONLY,
        Action.END_CONSULT: _AGENTS_ONLY,
        Action.TRANSFER: _OR_SUPERVISOR,
        Action.HANGUP: _OR_SUPERVISOR,
        Action.RECORD: _OR_SUPERVISOR,
        Action.CALLBACK: Rule(own=Role.SUPERVISOR, others=Role.SUPERVISOR),
        Action.SET_STATE: _OR_SUPERVISOR,
    }
)


def authorise(who: Principal, action: Action, owner: str | None, what: str = "call") -> None:
    """Allow ``who`` to do ``action`` to ``what`` ``owner`` (an agent's login, or nobody)
    has, or raise ``Forbidden``."""
    rule = RULES[action]
    own = owner is not None and owner == who.login
    needed = rule.own if own else rule.others
    if needed is not None and who.at_least(needed):
        return
    whose = "their own" if own else (f"{owner}'s" if owner else "an unassigned")
    allowed = f"that needs {needed.value}" if needed else f"only the {what}'s own agent may"
    raise Forbidden(
        f"{who.login} ({who.role.value}) may not {action.value} {whose} {what}: {allowed}",
        details={
            "action": action.value,
            "owner": owner,
            "required_role": needed.value if needed else None,
        },
    )


def authorise_call(centre: CallCentre, who: Principal, action: Action, call_id: str) -> Call:
    """The active call ``call_id`` (404 if there is none), if ``who`` may ``action`` it."""
    call = centre.require_call(call_id)
    authorise(who, action, call.agent_id)
    return call
