"""Queue members as app_queue reports them, turned into ``QueueMemberChanged`` events.

The agent id is the member name (``MemberName`` on events, ``Name`` on ``QueueMember`` list
items), which is what ``queue_log`` calls the agent too. The table also answers which agent
a device belongs to (``Local/1002@agents`` -> ``Bob Agent``), for click-to-dial calls that
start on the agent's own phone.

- ``QueueMemberAdded`` / ``Removed`` / ``Pause`` (``Paused`` before Asterisk 13) /
  ``Penalty`` always give their change;
- ``QueueMemberStatus`` gives ``status`` only for a member seen for the first time or whose
  pause or penalty differs from what we knew: the PBX repeats it on every call;
- a resync (``QueueMember`` list items of ``QueueStatus``) gives ``status`` for every member
  new or changed, and ``removed`` for each one gone from a queue the resync covered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cti.asterisk import fields
from cti.asterisk.ami import Event
from cti.telephony.events import MemberChange, QueueMemberChanged

_CHANGES: dict[str, MemberChange] = {
    "QueueMemberAdded": "added",
    "QueueMemberRemoved": "removed",
    "QueueMemberPenalty": "penalty",
}
MEMBER_EVENTS = frozenset(
    {*_CHANGES, "QueueMemberPause", "QueueMemberPaused", "QueueMemberStatus", "QueueMember"}
)


@dataclass(frozen=True, slots=True)
class Member:
    queue: str
    name: str
    interface: str | None
    state_interface: str | None
    paused: bool
    reason: str | None
    penalty: int | None
    last_call: int | None = None

    def same_state(self, other: Member) -> bool:
        return (self.paused, self.reason, self.penalty) == (
            other.paused,
            other.reason,
            other.penalty,
        )

    def changed(self, change: MemberChange, at: float) -> QueueMemberChanged:
        paused, reason, penalty = self.paused, self.reason, self.penalty
        return QueueMemberChanged(
            self.name, at, self.queue, change, paused, reason, penalty, self.interface
        )


def parse_member(event: Event) -> Member | None:
    """A member from any ``QueueMember*`` event; None without a queue or a name."""
    queue = event.get("Queue")
    name = event.get("MemberName") or event.get("Name")
    interface = event.get("Interface") or event.get("Location")
    if not queue or not (name or interface):
        return None
    paused = fields.flag(event, "Paused")
    return Member(
        queue,
        name or interface or "",
        interface,
        fields.text(event, "StateInterface"),
        paused,
        fields.text(event, "PausedReason") if paused else None,
        fields.integer(event, "Penalty"),
        fields.integer(event, "LastCall"),
    )


class Members:
    __slots__ = ("_devices", "_members")

    def __init__(self) -> None:
        self._members: dict[tuple[str, str], Member] = {}
        self._devices: dict[str, str] = {}

    def agent_for(self, device: str) -> str | None:
        """The member name a device belongs to, if any queue has it."""
        return self._devices.get(device)

    def get(self, queue: str, name: str) -> Member | None:
        return self._members.get((queue, name))

    def observe(self, event: Event, at: float) -> list[QueueMemberChanged]:
        member = parse_member(event)
        if member is None:
            return []
        change = _CHANGES.get(event.name)
        if change is None and event.name in ("QueueMemberPause", "QueueMemberPaused"):
            change = "paused" if member.paused else "unpaused"
        if change == "removed":
            self._members.pop((member.queue, member.name), None)
            return [member.changed("removed", at)]
        known = self._members.get((member.queue, member.name))
        self._remember(member)
        if change is None:
            if known is not None and known.same_state(member):
                return []
            change = "status"
        return [member.changed(change, at)]

    def first_sight(
        self, queue: str, name: str, interface: str | None, at: float
    ) -> list[QueueMemberChanged]:
        """A member named by a call event (``AgentCalled``) before any member event."""
        if (queue, name) in self._members:
            return []
        member = Member(queue, name, interface, None, False, None, None)
        self._remember(member)
        return [member.changed("status", at)]

    def resync(
        self, rows: Iterable[Event], queues: Iterable[str], at: float
    ) -> list[QueueMemberChanged]:
        """Adopt a ``QueueStatus`` listing; ``queues`` are those it covered."""
        covered = set(queues)
        seen: set[tuple[str, str]] = set()
        changes: list[QueueMemberChanged] = []
        for row in rows:
            member = parse_member(row)
            if member is None:
                continue
            covered.add(member.queue)
            seen.add((member.queue, member.name))
            known = self._members.get((member.queue, member.name))
            self._remember(member)
            if known is None or not known.same_state(member):
                changes.append(member.changed("status", at))
        for key, member in list(self._members.items()):
            if member.queue in covered and key not in seen:
                del self._members[key]
                changes.append(member.changed("removed", at))
        return changes

    def _remember(self, member: Member) -> None:
        self._members[(member.queue, member.name)] = member
        for interface in (member.interface, member.state_interface):
            if interface:
                self._devices[fields.interface_device(interface)] = member.name
