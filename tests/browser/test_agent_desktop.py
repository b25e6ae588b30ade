"""The agent desktop in a real browser, against a real server and the simulated PBX."""

from __future__ import annotations

import re
import time
from typing import Any

from playwright.sync_api import expect

from acd.agents import AgentState
from cti.demo.seed import SHARED_NUMBER
from tests.browser.floor import (
    active_call,
    agent_state,
    agents_with,
    call_phase,
    change_queue,
    interactions,
    known_caller,
    place_call,
    quiet,
    rest,
    set_state,
    short_token,
    waiting_in,
)
from tests.browser.pages import axe_violations, log_in, shoot
from tests.browser.server import LiveServer


def open_desktop(page: Any, agent: str) -> None:
    log_in(page, agent, lands_on="agent.html")
    expect(page.locator("#connection")).to_have_text("Live")


def wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_the_agent_sees_the_pop_before_answering_and_the_wrap_up_lands_in_the_interaction(
    page: Any, live: LiveServer
) -> None:
    agent = agents_with(live, "sales")[0]
    quiet(live, available=(agent,))
    caller = known_caller(live)
    card = caller.card
    open_desktop(page, agent)
    expect(page.locator("#state-chip")).to_have_text("Available")

    ivr = {"intent": "upgrade", "account_verified": "yes"}
    call_id = place_call(live, "sales", caller.number, ivr=ivr)

    customer = page.locator("#customer-panel")
    expect(page.get_by_role("button", name="Answer")).to_be_visible()
    expect(customer.get_by_role("heading", name=card.name)).to_be_visible()
    assert call_phase(live, call_id) == "ringing", "the pop must show while the phone rings"
    expect(customer).to_contain_text(card.tier.value.capitalize())
    expect(customer).to_contain_text(f"${card.lifetime_value:,.0f}")
    expect(customer.locator(".kpi", has_text="Open complaints")).to_contain_text(
        str(card.open_complaints)
    )
    expect(customer.locator(".kpi", has_text="Customer since")).not_to_contain_text("—")
    latest = card.recent[0]
    history = customer.get_by_role("region", name="Last interactions")
    expect(history.locator("li")).to_have_count(len(card.recent))
    if latest.notes:
        expect(history.locator("li").first).to_contain_text(latest.notes)
    expect(page.locator("#ivr-body")).to_contain_text("upgrade")
    expect(page.locator("#ringing-caller")).to_contain_text(card.name)
    shoot(page, "agent", docs=True)

    page.keyboard.press("Alt+A")
    expect(page.get_by_role("button", name="Hang up")).to_be_visible()
    expect(page.locator("#call-status")).to_have_text("Connected")
    assert call_phase(live, call_id) == "connected"
    expect(customer.get_by_role("heading", name=card.name)).to_be_visible()

    page.keyboard.press("Alt+H")
    wrap = page.get_by_role("region", name="Wrap-up")
    expect(wrap).to_be_visible()
    expect(page.locator("#wrapup-timer")).to_have_text(re.compile(r"^0:\d\d$"))
    page.keyboard.press("Alt+W")
    expect(page.get_by_label("Disposition")).to_be_focused()
    page.get_by_label("Disposition").select_option("sale")
    page.get_by_label("Notes").fill("Upgraded to the 500 Mb plan <b>today</b>")
    page.get_by_label("Create a follow-up task").check()
    page.get_by_label("Task", exact=True).fill("Call back to confirm the installation date")
    page.get_by_label("Due").fill("2030-01-15")
    shoot(page, "agent-wrap-up")
    wrap.get_by_role("button", name="Save wrap-up").click()
    expect(wrap).to_be_hidden()

    legs = [leg for leg in interactions(live, call_id) if leg.agent_login == agent]
    assert legs, "the call left no interaction for the agent"
    assert legs[-1].disposition == "sale"
    assert legs[-1].notes == "Upgraded to the 500 Mb plan <b>today</b>"
    assert legs[-1].follow_up == "Call back to confirm the installation date (due 2030-01-15)"
    assert agent_state(live, agent) is AgentState.AVAILABLE


def answer_a_call(page: Any, live: LiveServer, agent: str, queue: str, number: str) -> str:
    call_id = place_call(live, queue, number)
    expect(page.get_by_role("button", name="Answer")).to_be_visible()
    page.get_by_role("button", name="Answer").click()
    expect(page.get_by_role("button", name="Hang up")).to_be_visible()
    return call_id


def test_hold_resume_and_transfer_to_a_queue(page: Any, live: LiveServer) -> None:
    agent = agents_with(live, "sales")[1]
    quiet(live, available=(agent,))
    open_desktop(page, agent)
    call_id = answer_a_call(page, live, agent, "sales", "+14155550171")

    hold = page.get_by_role("button", name="Hold")
    hold.click()
    expect(page.locator("#call-status")).to_have_text("On hold")
    expect(page.get_by_role("button", name="Resume")).to_have_attribute("aria-pressed", "true")
    assert active_call(live, call_id).on_hold
    page.keyboard.press("Alt+O")
    expect(page.locator("#call-status")).to_have_text("Connected")

    page.keyboard.press("Alt+T")
    dialog = page.get_by_role("dialog", name="Transfer the call")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Queue", exact=True).select_option(label="Technical support")
    dialog.get_by_role("button", name="Transfer now").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("region", name="Wrap-up")).to_be_visible()
    expect(page.get_by_role("button", name="Hang up")).to_be_hidden()
    wait_for(lambda: waiting_in(live, "support") == 1)


def test_consult_an_agent_then_transfer_to_an_agent(page: Any, live: LiveServer) -> None:
    """Needs POST /api/calls/{id}/consult (+ /consult/cancel) and transfer to an agent."""
    agent, colleague = agents_with(live, "support")[:2]
    quiet(live, available=(agent, colleague))
    set_state(live, colleague, AgentState.PAUSED, "meeting")
    open_desktop(page, agent)
    call_id = answer_a_call(page, live, agent, "support", "+14155550172")
    set_state(live, colleague, AgentState.AVAILABLE)

    page.keyboard.press("Alt+C")
    dialog = page.get_by_role("dialog", name="Consult before transferring")
    dialog.get_by_label("An agent").check()
    dialog.get_by_label("Agent login").fill(colleague)
    dialog.get_by_role("button", name="Start consultation").click()
    expect(page.locator("#transfer-error")).to_have_text("")
    expect(dialog).to_be_hidden()
    expect(page.locator("#consult-bar")).to_contain_text(f"Consulting {colleague}")
    assert active_call(live, call_id).on_hold
    shoot(page, "agent-consult")
    page.get_by_role("button", name="Back to the customer").click()
    expect(page.locator("#consult-bar")).to_be_hidden()
    wait_for(lambda: not active_call(live, call_id).on_hold)

    page.keyboard.press("Alt+T")
    dialog = page.get_by_role("dialog", name="Transfer the call")
    dialog.get_by_label("An agent").check()
    dialog.get_by_label("Agent login").fill(colleague)
    dialog.get_by_role("button", name="Transfer now").click()
    expect(page.locator("#transfer-error")).to_have_text("")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("region", name="Wrap-up")).to_be_visible()
    wait_for(lambda: active_call(live, call_id).agent_id == colleague)


def test_click_to_dial_from_the_customer_record_and_from_a_search(
    page: Any, live: LiveServer
) -> None:
    agent = agents_with(live, "billing")[1]
    quiet(live, available=(agent,))
    caller = known_caller(live)
    surname = caller.card.name.split()[-1]
    open_desktop(page, agent)

    page.keyboard.press("Alt+S")
    expect(page.get_by_role("searchbox")).to_be_focused()
    page.keyboard.type(surname)
    page.keyboard.press("Enter")
    results = page.locator("#search-results")
    expect(results).to_contain_text(caller.card.name)
    results.get_by_role("button", name=f"Open {caller.card.name}").click()
    record = page.locator("#customer-panel")
    expect(record.get_by_role("heading", name=caller.card.name)).to_be_visible()

    record.get_by_role("button", name=re.compile(f"^Call {caller.card.name} on")).first.click()
    expect(page.locator("#ringing-direction")).to_have_text("Outgoing call · pick up")
    page.keyboard.press("Alt+A")
    expect(page.get_by_role("button", name="Hang up")).to_be_visible()
    outbound = [
        c
        for c in live.call(lambda: list(live.services.centre.calls.values()))
        if c.agent_id == agent
    ]
    assert outbound and outbound[0].direction.value == "outbound"
    assert outbound[0].dialled in caller.card.phones
    page.keyboard.press("Alt+H")
    wrap = page.get_by_role("region", name="Wrap-up")
    page.get_by_label("Disposition").select_option("information-given")
    wrap.get_by_role("button", name="Save wrap-up").click()
    expect(wrap).to_be_hidden()

    # A dial button in the search results too; only one dial at a time is offered.
    dial = results.get_by_role("button", name=re.compile(f"^Call {caller.card.name} on"))
    expect(dial).to_be_enabled()
    dial.click()
    expect(page.get_by_role("button", name="Answer")).to_be_visible()
    expect(dial).to_be_disabled()


def test_the_desktop_recovers_after_the_server_drops_the_socket(
    page: Any, live: LiveServer
) -> None:
    agent = agents_with(live, "retention")[0]
    quiet(live, available=(agent,))
    caller = known_caller(live)
    open_desktop(page, agent)

    live.cut()
    expect(page.locator("#conn-banner")).to_be_visible()
    expect(page.locator("#connection")).to_have_text("Reconnecting…")
    expect(page.locator("#state-chip")).to_have_text("Unknown")
    shoot(page, "agent-reconnecting")
    call_id = place_call(live, "retention", caller.number)  # rings while the desktop is away
    live.restore()

    expect(page.locator("#connection")).to_have_text("Live", timeout=15_000)
    expect(page.locator("#conn-banner")).to_be_hidden()
    customer = page.locator("#customer-panel")
    expect(customer.get_by_role("heading", name=caller.card.name)).to_be_visible()
    assert page.evaluate("() => window.switchboardDesk.call.call_id") == call_id
    phase = call_phase(live, call_id)
    assert phase in ("ringing", "connected")
    button = "Answer" if phase == "ringing" else "Hang up"
    expect(page.get_by_role("button", name=button)).to_be_visible()


def test_an_expired_session_goes_back_to_login_and_leaves_no_crm_data(
    page: Any, live: LiveServer
) -> None:
    agent = agents_with(live, "sales")[2]
    quiet(live, available=(agent,))
    caller = known_caller(live)
    token = short_token(live, agent, seconds=4)
    page.goto("/ui/index.html?reason=none")
    page.evaluate(
        "(token) => sessionStorage.setItem('switchboard', JSON.stringify({access_token: token,"
        " token_type: 'bearer', login: token && JSON.parse(atob(token.split('.')[1])).sub,"
        " role: 'agent', name: 'Short Session', expires_in: 4}))",
        token,
    )
    page.goto("/ui/agent.html")
    expect(page.locator("#connection")).to_have_text("Live")
    place_call(live, "sales", caller.number)
    expect(
        page.locator("#customer-panel").get_by_role("heading", name=caller.card.name)
    ).to_be_visible()

    # What the desktop still shows as it is left, recorded in localStorage (which survives).
    page.evaluate(
        "() => addEventListener('pagehide', () =>"
        " localStorage.setItem('left', document.body.textContent))"
    )
    page.wait_for_url("**/ui/index.html?reason=expired")
    expect(page.get_by_role("status")).to_have_text(re.compile("Your session has expired"))
    left = page.evaluate("() => localStorage.getItem('left')")
    assert "Short Session" in left  # the desktop as it was left ...
    assert caller.card.name not in left  # ... had no customer data on it
    assert caller.card.name not in page.content()
    page.goto("/ui/agent.html")  # no way back in without logging in again
    page.wait_for_url("**/ui/index.html?reason=login")


def test_crm_text_is_shown_as_text_never_as_markup(page: Any, live: LiveServer) -> None:
    agent = agents_with(live, "billing")[2]
    quiet(live, available=(agent,))
    number = "+14155550166"
    name = '<img src=x onerror="window.__owned=1">Eve <b>Mallory</b>'
    rest(live, agent, "POST", "/api/customers", {"name": name, "phones": [number]})
    open_desktop(page, agent)
    place_call(live, "billing", number, ivr={"note": "<script>window.__owned=2</script>"})

    customer = page.locator("#customer-panel")
    expect(customer.get_by_role("heading", name=name)).to_have_text(name)
    expect(page.locator("#ivr-body")).to_contain_text("<script>window.__owned=2</script>")
    assert page.locator("#customer-panel img, #customer-panel b, #ivr-body script").count() == 0
    assert page.evaluate("() => window.__owned") is None


def test_the_queue_script_shows_in_the_pop(page: Any, live: LiveServer) -> None:
    """Needs GET /api/queues/{queue}/script (and PUT /api/queues/{queue} to set one)."""
    agent = agents_with(live, "sales")[3]
    quiet(live, available=(agent,))
    script = "Greet the caller by name.\nConfirm the account, then offer the upgrade."
    change_queue(live, "sales", script=script)
    open_desktop(page, agent)
    place_call(live, "sales", "+14155550181")
    expect(page.get_by_role("button", name="Answer")).to_be_visible()
    panel = page.get_by_role("region", name="Call script")
    expect(panel.locator(".script-text")).to_have_text(script)


def test_the_desktop_works_by_keyboard_alone_and_passes_axe(page: Any, live: LiveServer) -> None:
    agent = agents_with(live, "support")[2]
    quiet(live, available=(agent,))
    page.goto("/ui/")
    assert axe_violations(page) == []
    expect(page.get_by_label("Login")).to_be_focused()
    page.keyboard.type(agent)
    page.keyboard.press("Tab")
    page.keyboard.type("switchboard")
    page.keyboard.press("Enter")
    page.wait_for_url("**/ui/agent.html")
    expect(page.locator("#connection")).to_have_text("Live")
    assert axe_violations(page) == []

    # Pause and come back, by keyboard.
    page.keyboard.press("Alt+2")
    expect(page.locator("#state-chip")).to_have_text("Paused (Break)")
    page.keyboard.press("Alt+1")
    expect(page.locator("#state-chip")).to_have_text("Available")

    # The shortcut list opens with "?" and closes with Esc.
    page.keyboard.press("?")
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(shortcuts).to_be_visible()
    expect(shortcuts).to_contain_text("Alt+A")
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    expect(shortcuts).to_be_hidden()

    # A call, answered and wrapped up without the mouse; the ringing is announced.
    place_call(live, "support", "+14155550193")
    expect(page.locator("#sr-assertive")).to_contain_text("Press Alt+A to answer")
    assert axe_violations(page) == []
    page.keyboard.press("Alt+A")
    expect(page.get_by_role("button", name="Hang up")).to_be_visible()
    assert page.get_by_role("button", name="Hang up").get_attribute("aria-keyshortcuts") == "Alt+H"
    page.keyboard.press("Alt+T")
    expect(page.get_by_role("dialog", name="Transfer the call")).to_be_visible()
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    page.keyboard.press("Alt+H")
    expect(page.get_by_role("region", name="Wrap-up")).to_be_visible()
    page.keyboard.press("Alt+W")
    page.keyboard.press("ArrowDown")  # first disposition
    page.keyboard.press("Tab")
    page.keyboard.type("Walked through the router reset.")
    assert axe_violations(page) == []
    focused = page.evaluate("() => document.activeElement.id")
    assert focused == "notes"
    page.keyboard.press("Tab")  # the follow-up checkbox
    page.keyboard.press("Tab")  # Save
    expect(page.get_by_role("button", name="Save wrap-up")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("region", name="Wrap-up")).to_be_hidden()


def test_a_number_shared_by_several_customers_lets_the_agent_choose(
    page: Any, live: LiveServer
) -> None:
    agent = agents_with(live, "billing")[3]
    quiet(live, available=(agent,))
    owners = live.services.crm.lookup_caller(SHARED_NUMBER).matches
    assert len(owners) > 1
    open_desktop(page, agent)
    place_call(live, "billing", SHARED_NUMBER)

    customer = page.locator("#customer-panel")
    expect(customer).to_contain_text(f"{len(owners)} customers share this number")
    expect(page.locator("#ringing-caller")).to_have_text(f"One of {len(owners)} customers")
    customer.get_by_role("button", name=f"Open {owners[1].name}").click()
    expect(customer.get_by_role("heading", name=owners[1].name)).to_be_visible()
    expect(page.locator("#ringing-caller")).to_have_text(owners[1].name)
