"""The supervisor board in a real browser, against a real server and the simulated PBX."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from acd.agents import AgentState
from tests.browser.floor import (
    agent_state,
    agents_with,
    change_queue,
    place_call,
    quiet,
    rest,
    set_state,
)
from tests.browser.pages import axe_violations, log_in, shoot
from tests.browser.server import LiveServer

#: Seconds a retention caller may wait in these tests before the tile turns red.
RETENTION_TARGET = 4


def open_board(page: Any) -> None:
    log_in(page, "super01", lands_on="board.html")
    expect(page.locator("#connection")).to_have_text("Live")


def tile(page: Any, queue: str) -> Any:
    return page.locator(f'article.tile[data-queue="{queue}"]')


def figure(page: Any, queue: str, name: str) -> Any:
    return (
        tile(page, queue)
        .locator(".tile-main > div, .tile-stats > div", has_text=name)
        .locator("dd.value")
    )


def test_a_tile_changes_when_a_call_queues_and_when_it_is_answered(
    page: Any, live: LiveServer
) -> None:
    quiet(live)
    open_board(page)
    sales = tile(page, "sales")
    expect(figure(page, "sales", "Waiting")).to_have_text("0")
    answered = sales.locator(".sub", has_text=re.compile(r"^\d+ answered$"))
    answered_before = int(answered.inner_text().split()[0])

    place_call(live, "sales", "+14155550142")
    expect(figure(page, "sales", "Waiting")).to_have_text("1")
    expect(figure(page, "sales", "Longest wait")).to_have_text(re.compile(r"^0:0[1-9]$"))

    # The supervisor makes an agent available from the board; the ACD gives them the call,
    # which their phone answers (no desktop open, so the simulated phone picks up).
    agent = agents_with(live, "sales")[1]
    page.get_by_role("row").filter(has_text=agent).get_by_role("button", name="Manage").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Available").check()
    dialog.get_by_role("button", name="Apply state").click()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    expect(figure(page, "sales", "Waiting")).to_have_text("0")
    expect(answered).to_have_text(f"{answered_before + 1} answered")
    expect(sales.locator('.tile-agents li[data-state="on_call"] .count')).not_to_have_text("0")
    assert agent_state(live, agent) is AgentState.ON_CALL
    row = page.get_by_role("row").filter(has_text=agent)
    expect(row).to_contain_text("On call")
    expect(row.locator(".timer")).to_have_text(re.compile(r"^0:\d\d$"))


def test_a_tile_over_target_turns_red_and_the_board_passes_axe(page: Any, live: LiveServer) -> None:
    # A lively floor for the README: some agents on calls, some paused, callers waiting.
    sales, support, billing = (
        agents_with(live, skill) for skill in ("sales", "support", "billing")
    )
    retention = set(agents_with(live, "retention"))
    busy = tuple(
        a for a in dict.fromkeys(sales[:3] + support[:2] + billing[:2]) if a not in retention
    )
    quiet(live, available=busy)
    for n, queue in enumerate(("sales", "sales", "support", "support", "billing")):
        place_call(live, queue, f"+1415555{200 + n:04d}")
    set_state(live, sales[5], AgentState.PAUSED, "lunch")
    change_queue(live, "retention", service_level_seconds=RETENTION_TARGET)
    open_board(page)
    expect(tile(page, "retention")).to_have_attribute("data-over", "false")

    place_call(live, "retention", "+13125550177")
    place_call(live, "support", "+13125550178")
    place_call(live, "support", "+13125550179")
    retention_tile = tile(page, "retention")
    expect(retention_tile).to_have_attribute("data-over", "true", timeout=12_000)
    expect(retention_tile.get_by_text("Over target")).to_be_visible()
    expect(tile(page, "sales")).to_have_attribute("data-over", "false")
    page.set_viewport_size({"width": 1440, "height": 1240})
    shoot(page, "board", docs=True)

    assert axe_violations(page) == []


def test_an_agent_cannot_open_the_board(page: Any, live: LiveServer) -> None:
    agent = agents_with(live, "billing")[0]
    log_in(page, agent, lands_on="agent.html")
    page.goto("/ui/board.html")
    expect(page.get_by_role("heading", name="The board is for supervisors")).to_be_visible()
    expect(page.locator("article.tile")).to_have_count(0)

    # Whatever the page shows, the server refuses an agent the board and its controls.
    refused = page.evaluate(
        """async (other) => {
            const token = JSON.parse(sessionStorage.getItem("switchboard")).access_token;
            const headers = {Authorization: `Bearer ${token}`, "Content-Type": "application/json"};
            const board = await new Promise((resolve) => {
                const offer = ["switchboard", `bearer.${token}`];
                const ws = new WebSocket(`ws://${location.host}/ws/board`, offer);
                ws.onmessage = () => resolve("got a board message");
                ws.onclose = (e) => resolve(`closed ${e.code}`);
            });
            const agents = (await fetch("/api/agents", {headers})).status;
            const state = (await fetch(`/api/agents/${other}/state`, {method: "PUT", headers,
                body: JSON.stringify({state: "paused", reason: "break"})})).status;
            const skills = (await fetch(`/api/agents/${other}/skills`, {method: "PUT", headers,
                body: JSON.stringify({skills: {sales: 5}})})).status;
            return {board, agents, state, skills};
        }""",
        agents_with(live, "sales")[2],
    )
    assert refused["board"].startswith("closed"), refused
    assert refused["agents"] == 403
    assert refused["state"] == 403
    assert refused["skills"] == 403  # needs PUT /api/agents/{id}/skills


def test_the_board_recovers_after_the_server_drops_the_socket(page: Any, live: LiveServer) -> None:
    quiet(live)
    open_board(page)
    expect(figure(page, "billing", "Waiting")).to_have_text("0")

    live.cut()
    expect(page.locator("#conn-banner")).to_be_visible()
    expect(page.locator("#connection")).to_have_text("Reconnecting…")
    expect(figure(page, "billing", "Waiting")).to_have_text("—")
    shoot(page, "board-reconnecting")
    place_call(live, "billing", "+13125550188")  # while the board cannot hear about it
    live.restore()

    expect(page.locator("#connection")).to_have_text("Live", timeout=15_000)
    expect(page.locator("#conn-banner")).to_be_hidden()
    expect(figure(page, "billing", "Waiting")).to_have_text("1")


def test_the_board_explains_why_a_waiting_call_still_waits(page: Any, live: LiveServer) -> None:
    """Needs GET /api/calls/waiting and GET /api/calls/{id}/routing."""
    quiet(live)
    open_board(page)
    call_id = place_call(live, "support", "+13125550191")
    row = page.locator(f'#waiting-rows tr[data-call="{call_id}"]')
    expect(row).to_contain_text("Technical support")
    expect(row).to_contain_text("+1 312 555 0191")
    row.get_by_role("button", name="Why waiting?").click()

    dialog = page.get_by_role("dialog", name="Why is this call still waiting?")
    expect(dialog).to_be_visible()
    routing = rest(live, "super01", "GET", f"/api/calls/{call_id}/routing")
    assert routing["summary"]
    summary = routing["summary"]
    expect(dialog.locator(".routing-summary")).to_have_text(summary[0].upper() + summary[1:])
    blocked = routing["now"]["blocked"]
    if blocked:
        expect(dialog.get_by_role("region", name="Not offered, and why")).to_contain_text(
            blocked[0]["agent_id"]
        )
    shoot(page, "board-routing")
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_a_supervisor_changes_an_agents_skills_from_the_board(page: Any, live: LiveServer) -> None:
    """Needs PUT /api/agents/{id}/skills (and GET /api/skills for the catalogue)."""
    agent = agents_with(live, "billing")[-1]
    before = rest(live, "super01", "GET", f"/api/agents/{agent}")["skills"]
    new_level = 5 if before.get("billing") != 5 else 4
    open_board(page)
    page.get_by_role("row").filter(has_text=agent).get_by_role("button", name="Manage").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Billing").fill(str(new_level))
    dialog.get_by_label("Retention").fill("2")
    dialog.get_by_role("button", name="Save skills").click()
    expect(dialog.locator("#agent-skills-error")).to_be_empty()
    row = page.get_by_role("row").filter(has_text=agent)
    expect(row).to_contain_text(f"billing {new_level}")
    expect(row).to_contain_text("retention 2")
    after = rest(live, "super01", "GET", f"/api/agents/{agent}")["skills"]
    assert after["billing"] == new_level and after["retention"] == 2
