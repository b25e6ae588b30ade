"""Tests of action/response correlation, EventLists included, on recorded Asterisk traffic."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cti.asterisk.ami import (
    ActionResult,
    AmiProtocol,
    Banner,
    Correlator,
    DuplicateActionIdError,
    Event,
    Headers,
    Received,
    Response,
)

CAPTURES = Path(__file__).parent / "fixtures" / "asterisk"


def action_id_of(raw: str) -> str:
    found = re.search(r"ActionID: (\S+)", raw)
    assert found is not None, raw
    return found[1]


def replay(name: str) -> tuple[list[ActionResult], list[Received]]:
    """Feed a capture through AmiProtocol and a Correlator that knows every sent ActionID."""
    correlator = Correlator()
    protocol = AmiProtocol()
    results: list[ActionResult] = []
    passed: list[Received] = []
    for record in map(json.loads, (CAPTURES / name).read_text().splitlines()):
        if record["dir"] == "send":
            correlator.register(action_id_of(record["raw"]))
        elif record["dir"] == "disconnect":
            protocol = AmiProtocol()
        else:
            protocol.receive_data(record["raw"].encode())
            for item in protocol.messages_received():
                out = correlator.feed(item)
                if isinstance(out, ActionResult):
                    results.append(out)
                elif out is not None:
                    passed.append(out)
    assert correlator.pending == ()
    return results, passed


def by_id(results: list[ActionResult]) -> dict[str, ActionResult]:
    return {r.action_id: r for r in results}


def test_every_action_of_member_management_completes_once_in_order() -> None:
    results, _ = replay("member_management.jsonl")

    assert [r.action_id for r in results] == [f"cap-{n}" for n in range(1, 14)]
    assert [r.ok for r in results].count(False) == 2


def test_queue_status_completes_with_its_params_and_members() -> None:
    status = by_id(replay("member_management.jsonl")[0])["cap-5"]

    assert status.response.message == "Queue status will follow"
    assert [e.name for e in status.events] == ["QueueParams", "QueueMember", "QueueMember"] * 2 + [
        "QueueParams",
        "QueueMember",
    ]
    assert status.complete is not None and status.complete.name == "QueueStatusComplete"
    assert status.complete.get("ListItems") == str(len(status.events))
    erin = status.events[-1]
    assert (erin.get("Name"), erin.get("Paused"), erin.get("PausedReason")) == (
        "Erin Agent",
        "1",
        "Coaching",
    )


def test_queue_summary_completes_with_one_event_per_queue() -> None:
    summary = by_id(replay("member_management.jsonl")[0])["cap-6"]

    assert [e.get("Queue") for e in summary.events] == ["support", "sales", "loadq"]
    assert summary.complete is not None and summary.complete.name == "QueueSummaryComplete"


def test_failed_actions_complete_with_the_error_asterisk_gave() -> None:
    results = by_id(replay("member_management.jsonl")[0])

    assert not results["cap-9"].ok
    assert results["cap-9"].response.message == "Unable to remove interface: Not there"
    assert results["cap-10"].response.message == "Unable to add interface to queue: No such queue"
    assert results["cap-10"].events == ()


def test_an_empty_list_completes_with_no_events() -> None:
    channels = by_id(replay("member_management.jsonl")[0])["cap-12"]

    assert channels.events == ()
    assert channels.complete is not None and channels.complete.get("ListItems") == "0"


def test_events_that_belong_to_no_list_pass_through_in_order() -> None:
    _, passed = replay("member_management.jsonl")

    assert isinstance(passed[0], Banner)
    names = [m.name for m in passed if isinstance(m, Event)]
    assert len(names) == 28 - 8 - 1 - 3 - 1 - 1
    assert names[:2] == ["FullyBooted", "SuccessfulAuth"]
    assert "QueueMember" not in names


@pytest.mark.parametrize("capture", ["join_busy.jsonl", "reconnect.jsonl"])
def test_a_resync_lists_every_channel_and_queue_entry_announced(capture: str) -> None:
    results, passed = replay(capture)
    lists = [(r, r.complete) for r in results if r.complete is not None]

    assert [complete.name for _, complete in lists] == [
        "CoreShowChannelsComplete",
        "QueueStatusComplete",
    ]
    for result, complete in lists:
        assert complete.get("ListItems") == str(len(result.events))
        assert {e.action_id for e in result.events} == {result.action_id}
    assert not any(isinstance(m, Event) and m.name == "CoreShowChannel" for m in passed)


def test_an_async_originate_completes_at_once_and_its_outcome_passes_through() -> None:
    results, passed = replay("click_to_dial.jsonl")

    assert by_id(results)["cap-2"].response.message == "Originate successfully queued"
    outcome = next(m for m in passed if isinstance(m, Event) and m.name == "OriginateResponse")
    assert outcome.action_id == "cap-2"
    assert outcome.get("Response") == "Success"


def event(name: str, **headers: str) -> Event:
    return Event(name, Headers(headers))


def test_list_events_interleaved_with_live_events_are_told_apart() -> None:
    correlator = Correlator()
    correlator.register("q")
    start = Response("q", "Success", "follows", Headers({"EventList": "start"}))
    live = event("Newchannel", Channel="Local/1")

    assert correlator.feed(start) is None
    assert correlator.feed(event("QueueEntry", ActionID="q")) is None
    assert correlator.feed(live) is live
    done = correlator.feed(event("QueueStatusComplete", ActionID="q", EventList="Complete"))
    assert isinstance(done, ActionResult) and [e.name for e in done.events] == ["QueueEntry"]


def test_a_list_ended_by_a_complete_event_without_eventlist_header_still_completes() -> None:
    correlator = Correlator()
    correlator.register("s")
    correlator.feed(Response("s", "Success", None, Headers({"EventList": "start"})))
    correlator.feed(event("Status", ActionID="s"))

    done = correlator.feed(event("StatusComplete", ActionID="s"))

    assert isinstance(done, ActionResult) and len(done.events) == 1


def test_responses_nobody_waits_for_pass_through() -> None:
    correlator = Correlator()
    stray = Response("unknown", "Success")
    anonymous = Response(None, "Success")

    assert correlator.feed(stray) is stray
    assert correlator.feed(anonymous) is anonymous


def test_an_action_id_cannot_be_pending_twice() -> None:
    correlator = Correlator()
    correlator.register("1")

    with pytest.raises(DuplicateActionIdError):
        correlator.register("1")


def test_losing_the_connection_fails_every_pending_action_oldest_first() -> None:
    correlator = Correlator()
    for action_id in ("a", "b", "c"):
        correlator.register(action_id)
    correlator.feed(Response("b", "Success", None, Headers({"EventList": "start"})))

    assert correlator.fail_all() == ("a", "b", "c")
    assert correlator.pending == ()
    assert correlator.feed(event("X", ActionID="b")) is not None


def test_a_cancelled_action_no_longer_completes() -> None:
    correlator = Correlator()
    correlator.register("slow")
    late = Response("slow", "Success")

    assert correlator.cancel("slow")
    assert not correlator.cancel("slow")
    assert correlator.feed(late) is late
