"""Mode (a): the shipped IVR flow (``main-menu``) on Switchboard's FastAGI server, reached
through the example's ``switchboard-inbound,ivr``; each branch ends in its queue, where an
agent answers and hangs up first."""

from __future__ import annotations

import pytest

from tests.live.pbx import Pbx
from tests.live.scenario import first_pop, logged, no_calls_left, queue_events, state_of
from tests.live.switchboard import Switchboard, eventually

pytestmark = pytest.mark.asterisk

IVR = "+14155550102"
MEMBERS = {"sales": ("agent01", "agent02"), "billing": ("agent02", "agent03"),
           "support": ("agent03", "agent04")}  # fmt: skip


@pytest.mark.parametrize(
    ("keys", "queue", "menu"),
    [
        ("1", "sales", "1"),
        ("2w1w2w3w4w#", "billing", "2"),
        ("3", "support", "3"),  # declines the callback offer by waiting
    ],
    ids=["sales", "billing", "support"],
)
def test_each_ivr_branch_queues_the_caller_once_and_the_call_ends_when_the_agent_hangs_up(
    pbx: Pbx, switchboard: Switchboard, keys: str, queue: str, menu: str
) -> None:
    sb = switchboard
    agents = MEMBERS[queue]
    for agent in ("agent01", "agent02", "agent03", "agent04"):
        pbx.phone(agent, "answer-2-3")
    eventually(lambda: all(state_of(sb, a) == "available" for a in agents), "members available")
    desktops = {agent: sb.desktop(agent) for agent in agents}

    call_id = pbx.call(IVR, number="+14155550177", name="Ivy", patience=40, keys=keys,
                       keys_after=3.5)  # fmt: skip
    connected = eventually(
        lambda: [e for e in queue_events(pbx, call_id) if e[2] == "CONNECT"], "an agent answers",
        timeout=40,
    )  # fmt: skip
    agent = connected[0][1]
    assert connected[0][0] == queue
    _, pop = first_pop(desktops[agent], call_id)
    assert pop["call"]["queue"] == queue
    assert pop["ivr"]["IVR_MENU"] == menu and pop["ivr"]["QUEUE_SELECTED"] == queue
    if queue == "billing":
        assert pop["ivr"]["IVR_ACCOUNT"] == "1234"

    # the agent talks 3 s and hangs up: the caller (patience 40 s) is let go, not queued again
    no_calls_left(sb, pbx)
    assert queue_events(pbx, call_id) == [
        (queue, "NONE", "ENTERQUEUE"),
        (queue, agent, "CONNECT"),
        (queue, agent, "COMPLETEAGENT"),
    ]
    (row,) = logged(sb, call_id)
    assert (row.queue, row.agent_login, row.outcome) == (queue, agent, "answered")
    assert dict(row.ivr_data)["IVR_MENU"] == menu
    for desktop in desktops.values():
        desktop.close()
