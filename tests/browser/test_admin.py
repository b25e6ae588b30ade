"""The admin page in a real browser, on a centre set up as a new user would: no demo, the
first admin made by ``switchboard init``, then agents, a supervisor, skills, a queue and an
IVR flow through the page, by mouse and by keyboard, with axe finding nothing.

The numbered tests are one chain, issue 15's *Done when* tried as a new user would, on one
fresh data directory: ``switchboard init`` (the ``fresh`` fixture, step 1); two agents and a
supervisor through the page (test 1, step 2); a queue configured (test 3, step 4); 1,000
customers imported from CSV (test 7, step 3); then the server started again on the simulated
PBX with the traffic generator ringing from the imported numbers, and an agent made in test 1
sees the pop of an imported customer on their desktop (test 8, steps 5 and 6)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from pydantic import SecretStr
from typer.testing import CliRunner

from cti.cli import app as cli
from cti.settings import Settings
from tests.browser.pages import axe_violations, browser_tab
from tests.browser.server import LiveServer, browser_settings
from tests.customer_files import CUSTOMERS, customers_csv
from tests.server_process import TEST_JWT_SECRET

ADMIN_PASSWORD = "monday-morning-admin"


def fresh_settings(workdir: Path) -> Settings:
    return browser_settings(workdir).model_copy(
        update={"demo": False, "jwt_secret": SecretStr(TEST_JWT_SECRET)}
    )


def cli_env(settings: Settings) -> dict[str, str]:
    return {"SWITCHBOARD_DATABASE_URL": settings.database_url, "SWITCHBOARD_DEMO": "false"}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("fresh-centre")
    settings = fresh_settings(workdir)
    env = cli_env(settings) | {"SWITCHBOARD_ADMIN_PASSWORD": ADMIN_PASSWORD}
    init = CliRunner().invoke(cli, ["init"], env=env)
    assert init.exit_code == 0, init.output
    with LiveServer(workdir, settings) as server:
        yield server


@pytest.fixture
def admin_page(browser: Any, fresh: LiveServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    with browser_tab(browser, fresh, request.node.name) as tab:
        yield signed_in_as_admin(tab)


def signed_in_as_admin(tab: Any) -> Any:
    tab.goto("/ui/")
    tab.get_by_label("Login").fill("admin")
    tab.get_by_label("Password").fill(ADMIN_PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url("**/ui/board.html")
    tab.get_by_role("link", name="Admin").click()  # shown on the board to admins only
    tab.wait_for_url("**/ui/admin.html")
    return tab


def add_user(page: Any, login: str, name: str, role: str, skills: str = "") -> None:
    page.get_by_label("Login").fill(login)
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Role").select_option(role)
    page.get_by_label("Skills (name:level, levels 1 to 5)").fill(skills)
    page.get_by_label("Password (at least 10 characters)").fill(f"{login}-password")
    page.get_by_role("button", name="Add user").click()
    expect(page.locator(f'#users-table tr[data-login="{login}"]')).to_be_visible()


def floor_agents(fresh: LiveServer) -> list[str]:
    return sorted(a.agent_id for a in fresh.services.centre.acd.agents())


def logs_in(fresh: LiveServer, login: str, password: str) -> int:
    res = httpx.post(f"{fresh.url}/api/auth/token", data={"username": login, "password": password})
    return res.status_code


def test_1_an_admin_adds_two_agents_and_a_supervisor_through_the_page(
    admin_page: Any, fresh: LiveServer
) -> None:
    page = admin_page
    add_user(page, "amy", "Amy Agent", "agent", "sales:3")  # sales: made by switchboard init
    add_user(page, "ben", "Ben Agent", "agent", "sales:2")
    add_user(page, "sue", "Sue Supervisor", "supervisor")
    rows = page.locator("#users-table tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator('tr[data-login="sue"]')).to_contain_text("supervisor")
    for login in ("amy", "ben", "sue"):
        assert logs_in(fresh, login, f"{login}-password") == 200
    deadline = time.monotonic() + 10  # the floor follows each account a moment later
    while (agents := fresh.call(floor_agents, fresh)) != ["amy", "ben"]:
        assert time.monotonic() < deadline, agents
        time.sleep(0.05)
    assert axe_violations(page) == []


def test_2_a_refused_user_shows_the_servers_reason_next_to_the_field(admin_page: Any) -> None:
    page = admin_page
    page.get_by_label("Login").fill("short")
    page.get_by_label("Display name").fill("Short Password")
    page.get_by_label("Password (at least 10 characters)").fill("tiny")
    page.get_by_role("button", name="Add user").click()
    error = page.locator("#user-password-error")
    expect(error).to_have_text("must be at least 10 characters")
    expect(page.get_by_label("Password (at least 10 characters)")).to_have_attribute(
        "aria-invalid", "true"
    )
    assert axe_violations(page) == []


def test_3_skills_and_a_queue_are_configured_and_a_bad_reference_is_shown_at_its_field(
    admin_page: Any, fresh: LiveServer
) -> None:
    page = admin_page
    page.get_by_role("tab", name="Queues and skills").click()
    for skill in ("sales", "support"):
        page.get_by_label("Skill name").fill(skill)
        page.get_by_label("Description").fill(f"{skill} calls")
        page.get_by_role("button", name="Add skill").click()
        expect(page.locator("#skills-list")).to_contain_text(skill)
    page.get_by_label("Name", exact=True).fill("sales")
    page.get_by_label("Label").fill("Sales")
    page.get_by_label("Skills needed (name:level)").fill("sales:2")
    page.get_by_label("Strategy").select_option("most-skilled")
    page.get_by_label("Priority").fill("5")
    page.get_by_label("Weight").fill("2")
    page.get_by_label("Wrap-up (s)").fill("30")
    page.get_by_label("Script shown to agents").fill("Greet the caller by name.")
    page.get_by_role("button", name="Add a step").click()
    page.get_by_label("Step 1: after (s)").fill("60")
    page.get_by_label("Step 1: add queues").fill("nowhere")
    page.get_by_role("button", name="Save queue").click()
    expect(page.locator("#q-step-0-add_queues-error")).to_have_text(
        "escalation.0.add_queues.0: queue 'nowhere' does not exist"
    )
    page.get_by_label("Step 1: add queues").fill("")
    page.get_by_label("Step 1: add skills (name:level)").fill("support:1")
    page.get_by_label("Weight").fill("500")
    page.get_by_role("button", name="Save queue").click()
    expect(page.locator("#q-weight-error")).to_contain_text("less than or equal to 100")
    page.get_by_label("Weight").fill("2")
    page.get_by_role("button", name="Save queue").click()
    expect(page.locator("#queue-status")).to_have_text("Queue sales saved")
    config = fresh.call(lambda: fresh.services.centre.acd.queue("sales"))
    assert (config.strategy.value, config.priority, config.weight) == ("most-skilled", 5, 2.0)
    assert (config.wrapup_seconds, config.script) == (30, "Greet the caller by name.")
    assert [(s.after_seconds, s.add_skills) for s in config.escalation] == [(60, (("support", 1),))]
    assert axe_violations(page) == []


FLOW = """\
name: front
start: menu
nodes:
  menu: {type: menu, prompt: menu, options: {"1": sales}, invalid: sales}
  sales: {type: queue, queue: QUEUE}
"""


def test_4_an_ivr_flow_is_uploaded_its_errors_shown_then_activated_and_rolled_back(
    admin_page: Any, fresh: LiveServer, tmp_path: Path
) -> None:
    page = admin_page
    page.get_by_role("tab", name="IVR flows").click()
    broken, good = tmp_path / "broken.yaml", tmp_path / "front.yaml"
    broken.write_text(FLOW.replace("QUEUE", "nowhere"))
    good.write_text(FLOW.replace("QUEUE", "sales"))
    page.get_by_label("Flow name").fill("front")
    page.get_by_label("YAML file").set_input_files(str(good))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#flow-problems")).to_contain_text("Version 1 of front stored")
    page.get_by_role("button", name="Activate version 1 of front").click()
    expect(page.locator("#versions-body tr").nth(0)).to_contain_text("active")
    page.get_by_label("YAML file").set_input_files(str(broken))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#flow-problems")).to_contain_text("cannot be activated")
    expect(page.locator("#flow-problems li").first).to_contain_text(
        re.compile(r"^nodes\.sales\.queue")
    )
    good.write_text(FLOW.replace("QUEUE", "sales").replace('"1"', '"2"'))
    page.get_by_label("YAML file").set_input_files(str(good))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Activate version 3 of front").click()
    expect(page.locator("#flows-table tbody tr").filter(has_text="front")).to_contain_text("3")
    page.get_by_role("button", name="Roll back").click()
    expect(
        page.locator("#flows-table tbody tr").filter(has_text="front").locator("td").nth(1)
    ).to_have_text("1")
    assert axe_violations(page) == []


def test_5_the_admin_page_is_usable_by_keyboard(admin_page: Any, fresh: LiveServer) -> None:
    page = admin_page
    page.get_by_role("tab", name="Users").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Queues and skills")).to_be_focused()
    expect(page.locator("#pane-queues")).to_be_visible()
    page.keyboard.press("End")
    expect(page.get_by_role("tab", name="IVR flows")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Home")
    expect(page.locator("#pane-users")).to_be_visible()
    page.get_by_label("Login").focus()
    page.keyboard.type("kim")
    page.keyboard.press("Tab")
    page.keyboard.type("Kim Keyboard")
    page.keyboard.press("Tab")  # role: agent
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("kim-password")
    page.keyboard.press("Enter")
    row = page.locator('#users-table tr[data-login="kim"]')
    expect(row).to_be_visible()
    edit = page.get_by_role("button", name="Disable Kim Keyboard")
    edit.focus()
    page.keyboard.press("Enter")
    expect(row).to_contain_text("disabled")
    assert logs_in(fresh, "kim", "kim-password") == 401


def test_6_users_are_imported_from_csv_with_each_refused_row_named_and_a_password_reset(
    admin_page: Any, fresh: LiveServer, tmp_path: Path
) -> None:
    page = admin_page
    csv = tmp_path / "agents.csv"
    csv.write_text(
        "login,display_name,password,role\n"
        "cara,Cara Import,imported-password,agent\n"
        "dan,Dan Import,short,agent\n"
    )
    page.get_by_label("CSV file").set_input_files(str(csv))
    page.get_by_role("button", name="Import").click()
    result = page.locator("#import-result")
    expect(result).to_contain_text("1 created, 1 refused")
    expect(result.locator("li")).to_have_text(["Row 3: password: must be at least 10 characters"])
    expect(page.locator('#users-table tr[data-login="cara"]')).to_be_visible()
    page.get_by_role("button", name="Reset password of Cara Import").click()
    page.get_by_label("New password").fill("a-new-password")
    page.get_by_role("button", name="Set the password").click()
    expect(page.locator("#users-status")).to_have_text(
        "cara: password changed, their sessions have ended"
    )
    assert logs_in(fresh, "cara", "imported-password") == 401
    assert logs_in(fresh, "cara", "a-new-password") == 200
    assert axe_violations(page) == []


def test_7_a_thousand_customers_are_imported_from_csv(
    fresh: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    source = tmp_path_factory.mktemp("customers") / "customers.csv"
    customers_csv(source)
    result = CliRunner().invoke(cli, ["crm", "import", str(source)], env=cli_env(fresh.settings))
    assert result.exit_code == 0, result.output
    assert f"{CUSTOMERS} created, 0 updated, 0 refused" in result.output
    access = httpx.post(
        f"{fresh.url}/api/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}
    ).json()["access_token"]
    exported = httpx.get(
        f"{fresh.url}/api/crm/customers/export", headers={"Authorization": f"Bearer {access}"}
    )
    assert exported.status_code == 200
    assert len(exported.text.strip().splitlines()) == CUSTOMERS + 1


def test_8_served_with_the_traffic_generator_an_agent_sees_the_pop_of_an_imported_customer(
    fresh: LiveServer, browser: Any
) -> None:
    fresh.stop()  # serve again: the simulated callers ring from the numbers known at start
    busy = fresh.settings.model_copy(update={"demo_calls_per_minute": 600.0})
    with (
        LiveServer(Path(), busy) as server,
        browser_tab(browser, server, "test_8_pop_of_an_imported_customer") as page,
    ):
        page.goto("/ui/")
        page.get_by_label("Login").fill("amy")
        page.get_by_label("Password").fill("amy-password")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/ui/agent.html")
        expect(page.locator("#connection")).to_have_text("Live")
        access = httpx.post(
            f"{server.url}/api/auth/token", data={"username": "amy", "password": "amy-password"}
        ).json()["access_token"]
        res = httpx.put(
            f"{server.url}/api/agents/amy/state",
            json={"state": "available"},
            headers={"Authorization": f"Bearer {access}"},
        )
        assert res.status_code == 200, res.text
        name = re.compile(r"^Imported Customer \d+$")
        heading = page.locator("#customer-panel").get_by_role("heading", name=name)
        expect(heading).to_be_visible(timeout=20_000)
        shown = heading.inner_text()
        calls = server.services.centre.calls
        rung = server.call(lambda: [c.caller_number for c in calls.values()])
        index = int(shown.rsplit(" ", 1)[1])
        assert f"+14157{index // 1000:02d}{index % 1000:04d}" in rung
