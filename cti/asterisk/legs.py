"""Mode (b): the agent legs the adapter originated, while they ring and while they talk.

Sans-IO bookkeeping for ``AsteriskTelephony``: a ``ConnectAgent`` becomes one leg, known by
the Uniqueid the adapter chose (``ChannelId``). The adapter asks here:

- whether an agent still has a leg ringing (``ringing_for``): a new leg must wait for it,
  since one phone must never ring for two callers;
- which legs ring for a call that has just ended (``cancel``): they are hung up at once, not
  left to ring until the Originate's timeout; a cancelled leg whose channel is not known yet
  is hung up when its ``Newchannel`` arrives (``cancelled``);
- which call a talking leg belongs to (``bridged``): when that leg hangs up first, the
  conversation is over and the caller must not be left on the line.
"""

from __future__ import annotations

from dataclasses import dataclass

from cti.telephony import commands as cmd


@dataclass(frozen=True, slots=True)
class Leg:
    uniqueid: str
    command: cmd.ConnectAgent
    sent_at: float


class AgentLegs:
    __slots__ = ("_bridged", "_by_agent", "_cancelled", "_ringing")

    def __init__(self) -> None:
        self._ringing: dict[str, Leg] = {}  # leg Uniqueid -> leg
        self._by_agent: dict[str, str] = {}  # agent -> the leg ringing their phone
        self._bridged: dict[str, str] = {}  # leg Uniqueid -> call id, once answered
        self._cancelled: set[str] = set()

    def ring(self, leg: Leg) -> None:
        self._ringing[leg.uniqueid] = leg
        self._by_agent[leg.command.agent_id] = leg.uniqueid

    def ringing_for(self, agent_id: str) -> str | None:
        return self._by_agent.get(agent_id)

    def ringing_for_leg(self, uniqueid: str) -> Leg | None:
        return self._ringing.get(uniqueid)

    def adopt(self, uniqueid: str, call_id: str) -> None:
        """A talking leg found at a resync (rung before Switchboard restarted)."""
        self._bridged[uniqueid] = call_id

    def outcome(self, uniqueid: str, answered: bool) -> Leg | None:
        """The leg's ``OriginateResponse``: it rings no more; answered, it now talks."""
        leg = self._ringing.pop(uniqueid, None)
        if leg is None:
            return None
        if self._by_agent.get(leg.command.agent_id) == uniqueid:
            del self._by_agent[leg.command.agent_id]
        cancelled = uniqueid in self._cancelled
        self._cancelled.discard(uniqueid)
        if answered and not cancelled:
            self._bridged[uniqueid] = leg.command.call_id
        return None if cancelled else leg

    def cancel(self, call_id: str) -> list[str]:
        """The call is gone: its ringing legs, to hang up (their outcome is then ignored)."""
        legs = [u for u, leg in self._ringing.items() if leg.command.call_id == call_id]
        self._cancelled.update(legs)
        self.release(call_id)
        return legs

    def cancelled(self, uniqueid: str) -> bool:
        return uniqueid in self._cancelled

    def release(self, call_id: str) -> None:
        """The call left its agent (a transfer, its end): its talking legs no longer end it."""
        for uniqueid in [u for u, c in self._bridged.items() if c == call_id]:
            del self._bridged[uniqueid]

    def hung_up(self, uniqueid: str) -> str | None:
        """A channel went down: the call whose talking agent leg it was, if any."""
        return self._bridged.pop(uniqueid, None)
