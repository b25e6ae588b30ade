"""``Correlator``: pair each sent action with its response and, for lists, its events. Sans-IO.

The adapter registers the ActionID of each action it sends and feeds every received item
through ``feed()``, which returns at most one item:

- a ``Response`` to a registered action completes it with an ``ActionResult``, whatever its
  status: ``Response: Error`` ("Unable to remove interface: Not there") completes too, so the
  caller can raise a clear API error from ``result.response.message``;
- a ``Response`` with ``EventList: start`` opens a list instead (``feed`` returns None). The
  events carrying that ActionID are collected (None each) until the one that ends the list,
  which has ``EventList: Complete`` (or, with no ``EventList`` header as some older
  Asterisk actions send, a name ending in ``Complete``); that completes the result, with
  the list items in ``events`` and the closing event in ``complete``;
- anything else passes through unchanged: events of no open list (``OriginateResponse`` of
  an Async originate arrives after its response and is an ordinary event), responses to
  unregistered ids, banners and violations.

Timeouts need a clock, so they belong to the adapter: it calls ``cancel()`` when it gives up
on one action and ``fail_all()`` when the connection is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from cti.asterisk.ami.errors import DuplicateActionIdError
from cti.asterisk.ami.messages import Event, Received, Response


@dataclass(frozen=True, slots=True)
class ActionResult:
    action_id: str
    response: Response
    events: tuple[Event, ...] = ()
    complete: Event | None = None

    @property
    def ok(self) -> bool:
        return self.response.ok


class _List:
    __slots__ = ("events", "response")

    def __init__(self, response: Response) -> None:
        self.response = response
        self.events: list[Event] = []


class Correlator:
    __slots__ = ("_open", "_pending")

    def __init__(self) -> None:
        # ActionID -> None while awaiting the response, or the list being collected.
        self._pending: dict[str, _List | None] = {}
        self._open = 0

    def register(self, action_id: str) -> None:
        """Expect a response to ``action_id``; raises ``DuplicateActionIdError`` if pending."""
        if action_id in self._pending:
            raise DuplicateActionIdError(f"ActionID {action_id!r} is already pending")
        self._pending[action_id] = None

    def feed(self, item: Received) -> Received | ActionResult | None:
        """What ``item`` means to the caller: a result, ``item`` itself, or None (absorbed)."""
        if type(item) is Event:
            return self._event(item) if self._open else item
        if type(item) is Response and item.action_id is not None:
            return self._response(item.action_id, item)
        return item

    def _response(self, action_id: str, response: Response) -> Response | ActionResult | None:
        if action_id not in self._pending or self._pending[action_id] is not None:
            return response  # not ours, or a second response while its list is open
        if response.starts_event_list and response.ok:
            self._pending[action_id] = _List(response)
            self._open += 1
            return None
        del self._pending[action_id]
        return ActionResult(action_id, response)

    def _event(self, event: Event) -> Event | ActionResult | None:
        action_id = event.headers.get("ActionID")
        pending = self._pending.get(action_id) if action_id is not None else None
        if pending is None or action_id is None:
            return event
        event_list = event.headers.get("EventList")
        if event_list is None:
            ends = event.name.endswith("Complete")
        else:
            ends = event_list.lower() == "complete"
        if not ends:
            pending.events.append(event)
            return None
        del self._pending[action_id]
        self._open -= 1
        return ActionResult(action_id, pending.response, tuple(pending.events), event)

    def cancel(self, action_id: str) -> bool:
        """Forget ``action_id`` (the adapter gave up on it); whether it was pending."""
        if action_id not in self._pending:
            return False
        if self._pending.pop(action_id) is not None:
            self._open -= 1
        return True

    def fail_all(self) -> tuple[str, ...]:
        """The connection is gone: every pending ActionID, oldest first; forgets them all."""
        pending = tuple(self._pending)
        self._pending.clear()
        self._open = 0
        return pending

    @property
    def pending(self) -> tuple[str, ...]:
        return tuple(self._pending)

    def __contains__(self, action_id: object) -> bool:
        return action_id in self._pending
