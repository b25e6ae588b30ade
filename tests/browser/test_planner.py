"""The planner page in a real browser: Erlang staffing and a forecast, through the WFM API."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.pages import axe_violations, log_in, shoot
from tests.browser.server import LiveServer
from wfm.erlang import Load
from wfm.required import Target, required_agents


def open_planner(page: Any) -> None:
    log_in(page, "super01", lands_on="board.html")
    page.get_by_role("link", name="Planner").click()
    page.wait_for_url("**/ui/planner.html")


def test_a_supervisor_sizes_an_interval_and_gets_the_erlang_answer(
    page: Any, live: LiveServer
) -> None:
    open_planner(page)
    page.get_by_label("Calls in the interval").fill("100")
    page.get_by_label("Average handle time (s)").fill("180")
    page.get_by_label("Shrinkage (%)").fill("0")
    page.get_by_role("button", name="Calculate").click()
    expected = required_agents(Load(100, 180, 1800), Target(0.8, 20)).agents
    expect(page.locator("#erlang-agents")).to_have_text(str(expected))
    expect(
        page.get_by_role("img", name="Service level against the number of agents")
    ).to_be_visible()
    assert axe_violations(page) == []
    shoot(page, "planner", docs=True)


def test_patience_switches_to_erlang_a_and_needs_fewer_agents(page: Any, live: LiveServer) -> None:
    open_planner(page)
    page.get_by_label("Shrinkage (%)").fill("0")
    page.get_by_role("button", name="Calculate").click()
    erlang_c = int(page.locator("#erlang-agents").inner_text())
    page.get_by_label("Mean patience (s, optional)").fill("30")
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator("#erlang-agents")).not_to_have_text(str(erlang_c))
    assert int(page.locator("#erlang-agents").inner_text()) < erlang_c


def test_a_forecast_from_the_call_log_is_staffed_interval_by_interval(
    page: Any, live: LiveServer
) -> None:
    open_planner(page)
    page.get_by_label("Queue", exact=True).select_option("support")
    page.get_by_label("Days").fill("2")
    page.get_by_role("button", name="Forecast and staff").click()
    chart = page.get_by_role("img", name="Agents to schedule in each interval of the forecast")
    expect(chart).to_be_visible(timeout=20_000)
    expect(page.locator("table.days tbody tr")).to_have_count(2)
    # the demo's eight weeks of traffic: a backtested forecast of a real day's volume
    expect(page.locator("#forecast-wape")).to_have_text(re.compile(r"^\d+\.\d% over \d+ days$"))
    assert int(page.locator("#forecast-calls").inner_text()) > 100
    assert int(page.locator("#forecast-peak").inner_text()) >= 3


def test_a_bad_figure_is_refused_with_the_servers_reason(page: Any, live: LiveServer) -> None:
    open_planner(page)
    page.get_by_label("Average handle time (s)").fill("0")
    page.locator("#aht").evaluate("el => el.removeAttribute('min')")
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator("#erlang-error")).to_contain_text("aht")


def test_an_agent_is_told_the_planner_is_not_for_them(page: Any, live: LiveServer) -> None:
    log_in(page, "agent01", lands_on="agent.html")
    page.goto("/ui/planner.html")
    expect(page.get_by_role("heading", name="The planner is for supervisors")).to_be_visible()


def test_blended_skill_groups_are_staffed_by_simulation(page: Any, live: LiveServer) -> None:
    open_planner(page)
    groups = page.locator("#groups-list")
    expect(groups).to_contain_text("skill groups from today's agents")
    queues = live.call(lambda: sorted(live.services.centre.acd.queues))
    for name in queues:
        page.locator(f"#calls-{name}").fill("20")
    page.get_by_role("button", name="Find the staffing").click()
    expect(page.locator("#groups-total")).to_be_visible(timeout=60_000)
    tables = page.locator("#groups-result table")
    expect(tables).to_have_count(2)
    per_queue = tables.nth(1).locator("tbody tr")
    expect(per_queue).to_have_count(len(queues))
    for i in range(len(queues)):
        service_level = per_queue.nth(i).locator("td").nth(2).inner_text()
        assert float(service_level.split("%")[0]) >= 80.0, service_level
    assert int(page.locator("#groups-total").inner_text()) >= len(queues)
    tables.nth(1).scroll_into_view_if_needed()
    assert axe_violations(page) == []
