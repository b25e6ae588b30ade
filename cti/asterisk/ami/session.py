"""``AmiSession``: one AMI connection, sans-IO: parsing, ActionIDs and correlation together.

Every link the adapter talks through (the socket client live, a recorded capture in replay)
holds one session per connection and only moves bytes::

    action = session.send(partial(builders.hangup, channel=c))  # a fresh ActionID, registered
    sock.sendall(session.data_to_send())
    session.receive_data(chunk)                                  # any split
    for item in session.received(): ...                          # Event | ActionResult | ...
    session.receive_eof()                                        # when the peer closes

- ``send()`` gives each action the next ActionID of the session's prefix (its own, so a late
  answer to a dropped connection cannot complete an action of the next one), registers it
  with the ``Correlator`` and queues its bytes;
- ``expect()`` registers an action someone else sent (a capture's ``send`` line), so its
  answer, EventList included, comes back whole;
- ``received()`` is what the items mean to the link: each ``ActionResult`` (the response, and
  for a list its events and closing event), each ``Event`` of no open list, and each
  ``ProtocolViolation``. The banner (kept in ``banner``) and stray responses (to no
  registered action) are dropped;
- ``cancel()`` (the link gave up on one action) and ``fail_all()`` (the connection is gone)
  forget pending ActionIDs. Timeouts need a clock, so they stay with the link.

No socket, no asyncio, no clock: a session is driven the same way live and in replay.
"""

from __future__ import annotations

from collections.abc import Callable

from cti.asterisk.ami.actions import Action, ActionIds
from cti.asterisk.ami.correlation import ActionResult, Correlator
from cti.asterisk.ami.messages import Banner, Event, ProtocolViolation
from cti.asterisk.ami.protocol import AmiProtocol

#: An action, or a builder taking the ActionID (``partial(builders.hangup, channel=c)``).
ActionSpec = Action | Callable[[str], Action]
Item = Event | ActionResult | ProtocolViolation
_OTHERS = (ActionResult, ProtocolViolation)


class AmiSession:
    __slots__ = ("_correlator", "_ids", "_protocol", "data_to_send", "receive_data", "receive_eof")

    def __init__(self, prefix: str = "sb", *, expect_banner: bool = True) -> None:
        self._protocol = AmiProtocol(expect_banner=expect_banner)
        self._correlator = Correlator()
        self._ids = ActionIds(prefix)
        # The protocol's own methods, bound once: bytes in and out cost no extra call.
        self.receive_data: Callable[[bytes], None] = self._protocol.receive_data
        self.receive_eof: Callable[[], None] = self._protocol.receive_eof
        self.data_to_send: Callable[[], bytes] = self._protocol.data_to_send

    @property
    def banner(self) -> Banner | None:
        """The peer's banner, once its first line came (``None`` before, or if it was bad)."""
        return self._protocol.banner

    @property
    def logged_in(self) -> bool:
        """Whether a Login sent through ``send()`` succeeded."""
        return self._protocol.logged_in

    # Sending

    def send(self, action: ActionSpec) -> Action:
        """Queue ``action`` under the session's next ActionID and expect its answer.

        An ``Action``'s own ActionID, if any, is replaced. Raises the ``AmiProtocolError`` of
        ``AmiProtocol.send`` (not logged in, connection closing): nothing is queued then.
        """
        action_id = next(self._ids)
        if isinstance(action, Action):
            built = Action(action.name, action_id, action.headers)
        else:
            built = action(action_id)
        self._protocol.send(built)
        self._correlator.register(action_id)
        return built

    def expect(self, action_id: str) -> bool:
        """Expect the answer to an action sent by someone else; False if already pending."""
        if action_id in self._correlator:
            return False
        self._correlator.register(action_id)
        return True

    # Receiving (``receive_data(data)``, ``receive_eof()``: the protocol's, bound above)

    def received(self) -> list[Item]:
        """Everything received since the last call, correlated, in stream order."""
        feed = self._correlator.feed
        out: list[Item] = []
        append = out.append
        for message in self._protocol.messages_received():
            item = feed(message)
            if type(item) is Event or isinstance(item, _OTHERS):  # events first: most items
                append(item)
        return out

    # Giving up

    def cancel(self, action_id: str) -> bool:
        return self._correlator.cancel(action_id)

    def fail_all(self) -> tuple[str, ...]:
        return self._correlator.fail_all()

    def __contains__(self, action_id: object) -> bool:
        return action_id in self._correlator
