"""Mode (a): the AMI link is cut while one call talks and another arrives, then restored:
Switchboard resyncs from Asterisk, and each call is logged once, with the right outcome and
agent, and no agent is left in a wrong state."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live.pbx import Pbx
from tests.live.relay import Relay
from tests.live.scenario import SLACK, logged, near, no_calls_left, queue_log_of, state_of
from tests.live.switchboard import Switchboard, eventually

pytestmark = pytest.mark.asterisk


@pytest.fixture
def cut_able(pbx: Pbx, run_dir: Path) -> Iterator[tuple[Relay, Switchboard]]:
    relay = Relay(pbx.ami_port)
    sb = Switchboard(run_dir / "switchboard", pbx, ami_port=relay.port).start()
    try:
        yield relay, sb
    finally:
        sb.stop()
        relay.close()


def line(pbx: Pbx, call_id: str, event: str) -> list[str]:
    return next(li for li in queue_log_of(pbx, call_id) if li[4] == event)


def test_calls_talking_and_arriving_while_the_ami_link_is_down_are_each_logged_once(
    pbx: Pbx, cut_able: tuple[Relay, Switchboard]
) -> None:
    relay, sb = cut_able
    for agent in ("agent01", "agent02"):
        pbx.phone(agent, "answer-2-9")
    for agent in ("agent03", "agent04"):
        pbx.phone(agent, "answer-2-6")
    eventually(lambda: all(state_of(sb, a) == "available" for a in ("agent01", "agent04")),
               "agents available")  # fmt: skip
    jane = pbx.call("+14155550100", number="+14155550123", name="Jane Roe", patience=40)
    eventually(lambda: sb.get(f"/api/agents/{_agent_of(pbx, jane)}")["state"] == "on_call"
               if _agent_of(pbx, jane) else None, "Jane talking")  # fmt: skip

    relay.cut()
    eventually(lambda: not sb.services.telephony.connected, "Switchboard saw the link go")
    ivan = pbx.call("+14155550101", number="+442071234567", name="Ivan", patience=40)
    eventually(lambda: _agent_of(pbx, ivan), "Ivan answered while the link was down")
    time.sleep(1)
    relay.restore()
    eventually(lambda: sb.services.telephony.connected, "Switchboard reconnected", timeout=40)

    no_calls_left(sb, pbx)
    for call_id in (jane, ivan):
        (row,) = logged(sb, call_id)
        connect, complete = line(pbx, call_id, "CONNECT"), line(pbx, call_id, "COMPLETEAGENT")
        assert (row.outcome, row.agent_login) == ("answered", connect[3]), row
        if call_id == jane:  # heard answering and ending live
            assert near(row.talk_seconds, float(complete[6])), row
        else:  # answered unheard: the resync places the answer no later than it was
            assert row.talk_seconds is not None
            assert float(complete[6]) - SLACK <= row.talk_seconds <= float(complete[6]) + 4
    for agent in ("agent01", "agent02", "agent03", "agent04"):
        assert state_of(sb, agent) in ("available", "wrap_up"), agent


def _agent_of(pbx: Pbx, call_id: str) -> str | None:
    found = [li for li in queue_log_of(pbx, call_id) if li[4] == "CONNECT"]
    return found[0][3] if found else None
