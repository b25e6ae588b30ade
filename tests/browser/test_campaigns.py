"""The campaign manager's page in a real browser, against a real server and the simulated PBX:
a campaign made and edited by keyboard, a lead list uploaded with its refused rows named,
started and paused, and its live view following the dialer over the board's websocket."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from acd.agents import AgentState
from cti.telephony import outbound as ob
from tests.browser.floor import agent_state, agents_with, quiet, rest, set_state
from tests.browser.pages import axe_violations, log_in
from tests.browser.server import LiveServer
from tests.dialer_support import spec

LEADS = (
    "phone,name,account,plan\n"
    "+1 212 555 0101,Ann Lee,AC-1,gold\n"
    "not-a-number,Bob Roe,,silver\n"  # row 3: bad number
    "+1 212 555 0102,Cy Wu,,bronze\n"
    "+1 212 555 0101,Ann again,,gold\n"  # row 5: duplicate of row 2
    "+1 212 555 0103,Di Sun,,gold\n"
)


def idle_agent(live: LiveServer) -> str:
    """A sales agent on no call and in no wrap-up (earlier tests on this server leave some)."""
    busy = (AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP)
    return next(a for a in agents_with(live, "sales") if agent_state(live, a) not in busy)


def open_campaigns(page: Any) -> None:
    log_in(page, "super01", lands_on="board.html")
    page.get_by_role("link", name="Campaigns").click()
    page.wait_for_url("**/ui/campaigns.html")
    expect(page.locator("#connection")).to_have_text("Live")


def figure(page: Any, key: str) -> Any:
    return page.locator(f'#figures dd[data-figure="{key}"]')


def type_into(page: Any, label: str, text: str) -> None:
    """Tab to the field named ``label``, as a keyboard user would, and type ``text``."""
    for _ in range(60):
        if page.evaluate("() => document.activeElement?.labels?.[0]?.textContent") == label:
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError(f"no field labelled {label!r} was reached by Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_a_campaign_is_made_by_keyboard_loaded_started_watched_and_paused(
    page: Any, live: LiveServer, tmp_path: Path
) -> None:
    quiet(live)  # nobody available: the campaign cannot dial
    open_campaigns(page)

    # -- create, by keyboard; a ring time under 15 s is refused next to its field
    page.get_by_role("button", name="New campaign").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Name", exact=True)).to_be_focused()
    page.keyboard.type("renewals")
    type_into(page, "Queue", "sales")
    type_into(page, "Caller ID", "+13125550199")
    type_into(page, "Days (1 Monday to 7 Sunday)", "1 2 3 4 5 6 7")
    type_into(page, "Ring for (s, at least 15)", "10")
    type_into(page, "Company named in the safe-harbour message", "Acme Renewals")
    type_into(page, "Number to call back", "+13125550199")
    type_into(page, "Script shown on the pop", "Hello, this is Acme about your renewal.")
    page.get_by_label("Calling from (callee's time)").fill("00:00:00")
    page.get_by_label("Calling until").fill("23:59:59")
    page.get_by_role("button", name="Create campaign").focus()
    page.keyboard.press("Enter")
    ring = page.get_by_label("Ring for (s, at least 15)")
    expect(ring).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#c-ring-error")).to_contain_text("15")
    expect(ring).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("20")
    page.get_by_role("button", name="Create campaign").click()
    expect(page.locator("#campaign-status")).to_have_text("Saved renewals.")
    row = page.locator('#campaigns-table tr[data-campaign="renewals"]')
    expect(row.locator("td[data-state]")).to_have_text("draft")
    made = rest(live, "super01", "GET", "/api/dialer/campaigns/renewals")
    assert made["spec"]["ring_seconds"] == 20 and made["spec"]["queue"] == "sales"
    assert made["spec"]["window"]["days"] == [1, 2, 3, 4, 5, 6, 7]

    # -- edit: the change is saved and the rest of the spec kept
    row.get_by_role("button", name="Edit renewals").click()
    expect(page.get_by_label("Name", exact=True)).to_be_disabled()
    page.get_by_label("Most attempts per lead").fill("5")
    page.get_by_role("button", name="Save campaign").click()
    expect(page.locator("#campaign-status")).to_have_text("Saved renewals.")
    edited = rest(live, "super01", "GET", "/api/dialer/campaigns/renewals")
    assert edited["spec"]["max_attempts"] == 5
    assert edited["spec"]["retries"] == made["spec"]["retries"]

    # -- upload: two rows refused, each named by row, field and reason
    csv_file = tmp_path / "renewals.csv"
    csv_file.write_text(LEADS)
    row.get_by_role("button", name="Upload leads to renewals").click()
    expect(page.get_by_label("CSV file")).to_be_focused()
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#upload-summary")).to_have_text(
        "renewals.csv: 3 of 5 rows loaded, 2 refused."
    )
    refused = page.locator("#refused-table tbody tr")
    expect(refused).to_have_count(2)
    expect(refused.nth(0).locator("td").nth(0)).to_have_text("3")
    expect(refused.nth(0).locator("td").nth(1)).to_have_text("phone")
    expect(refused.nth(0).locator("td").nth(2)).to_have_text("bad-number")
    expect(refused.nth(1).locator("td").nth(0)).to_have_text("5")
    expect(refused.nth(1).locator("td").nth(2)).to_have_text("duplicate")

    # -- start: nothing dials, and the page says why
    row.get_by_role("button", name="Start renewals").click()
    expect(row.locator("td[data-state]")).to_have_text("running")
    row.get_by_role("button", name="renewals", exact=True).click()
    reason = page.locator("#live-reason")
    expect(reason).to_have_text(re.compile(r"^Not dialling: no agents"))
    expect(figure(page, "leads_left")).to_have_text("3")
    expect(figure(page, "abandonment")).to_have_text("0.0% of 0 live (limit 3.0%)")
    expect(page.locator("#chart polyline.rate")).to_have_attribute(
        "data-points", re.compile(r"^[1-9]\d*$")
    )
    expect(page.locator("#chart line.limit")).to_have_attribute("data-limit", "0.03")
    assert axe_violations(page) == []

    # -- an agent comes available: the live view follows the dials over the websocket
    agent = agents_with(live, "sales")[0]
    set_state(live, agent, AgentState.AVAILABLE)
    expect(reason).not_to_have_text(re.compile("no agents"), timeout=20_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#outcomes-body td')]"
        ".reduce((n, td) => n + Number(td.textContent), 0) >= 1",
        timeout=30_000,
    )
    expect(page.locator("#outcomes-body tr")).to_have_count(6)
    expect(page.locator("#agents-body tr").first.locator("th")).to_have_text("Free")
    status = rest(live, "super01", "GET", "/api/dialer/campaigns/renewals/status")
    assert status["agents_ready"] == 1, status
    assert sum(status["attempts_period"].values()) >= 1, status
    expect(figure(page, "machine_rate")).to_have_text(re.compile(r"^\d+\.\d%$"))

    # -- pause: the campaign stops dialling, and the page says so
    row.get_by_role("button", name="Pause renewals").click()
    expect(row.locator("td[data-state]")).to_have_text("paused")
    expect(reason).to_have_text("Not dialling: the campaign is paused")
    quiet(live)


def test_an_agent_is_refused_the_campaign_page(page: Any, live: LiveServer) -> None:
    log_in(page, "agent01", lands_on="agent.html")
    page.goto("/ui/campaigns.html")
    expect(
        page.get_by_role("heading", name="The campaign pages are for supervisors")
    ).to_be_visible()
    expect(page.locator("#campaigns-main")).to_be_hidden()


def test_in_preview_mode_the_desktop_shows_the_leads_card_with_dial_and_skip(
    page: Any, live: LiveServer
) -> None:
    agent = idle_agent(live)
    quiet(live, available=(agent,))
    dialer = live.services.dialer
    assert dialer is not None
    rows = "phone,name,plan\n+1 212 555 0131,Eve Ng,gold\n+1 212 555 0132,Flo Ito,silver\n"
    body = spec(mode="preview", script="Hello from Acme, about your plan.")
    live.call(dialer.service.create, "handpicked", body)
    live.call(dialer.service.upload, "handpicked", io.BytesIO(rows.encode()), "picked.csv")
    live.call(dialer.service.control, "handpicked", "start")
    try:
        log_in(page, agent, lands_on="agent.html")
        panel = page.locator("#preview-panel")
        expect(panel).to_be_visible(timeout=15_000)
        expect(page.locator("#preview-campaign")).to_have_text("handpicked")
        card = page.locator("#preview-card")
        expect(card).to_contain_text("Eve Ng")
        expect(card).to_contain_text("+12125550131")
        expect(card).to_contain_text("gold")  # a column of the list, as a field of the card
        expect(card).to_contain_text("Hello from Acme, about your plan.")
        assert axe_violations(page) == []

        page.get_by_role("button", name="Skip").focus()
        page.keyboard.press("Enter")
        expect(card).to_contain_text("Flo Ito")
        page.get_by_role("button", name="Dial", exact=True).click()
        expect(panel).to_be_hidden()
        attempts = list(
            live.call(dialer.service.attempts, live.call(dialer.service.get, "handpicked").id)
        )
        assert [a.phone for a in attempts] == ["+12125550132"]  # the skipped lead was not dialled
        # while the lead rings and they talk, the ACD holds the agent for it (unless the line
        # has failed already: the simulated PBX fails 5% of dials within a second)
        busy = agent_state(live, agent) in (AgentState.RESERVED, AgentState.ON_CALL)
        ended = live.call(dialer.service.attempt, attempts[0].id).ended_at is not None
        assert busy or ended, agent_state(live, agent)
    finally:
        live.call(dialer.service.control, "handpicked", "pause")
        hang_up_campaign_calls(live)
        quiet(live)


def hang_up_campaign_calls(live: LiveServer) -> None:
    dialer = live.services.dialer
    assert dialer is not None

    async def hang_up() -> None:
        for runtime in dialer.runtimes.values():
            for attempt_id in list(runtime.live):
                await dialer.port.execute_outbound(ob.HangupLead(attempt_id))

    live.run(hang_up)


def test_the_pop_of_a_campaign_call_shows_the_lead_the_crm_record_and_the_script(
    page: Any, live: LiveServer
) -> None:
    """A progressive campaign reaches a customer the CRM knows by account; the ACD gives them
    to the one available agent, whose desktop shows the lead (with the list's own columns),
    the customer's record and the campaign's script; when the call ends, wrap-up opens."""
    agent = idle_agent(live)
    quiet(live, available=(agent,))
    dialer = live.services.dialer
    assert dialer is not None
    crm = live.services.crm
    cards = [live.call(crm.lookup_account, a) for a in live.call(crm.account_numbers, 30)]
    known = [c for c in cards if c is not None and c.phones][:20]
    rows = "".join(
        f"{c.phones[0]},Lead {i},{c.account_number},plan-{i}\n" for i, c in enumerate(known)
    )
    script = "Good morning, this is Acme Energy about your renewal."
    body = spec(mode="progressive", amd=False, script=script)
    live.call(dialer.service.create, "popped", body)
    live.call(
        dialer.service.upload,
        "popped",
        io.BytesIO(f"phone,name,account,plan\n{rows}".encode()),
        "p.csv",
    )
    try:
        log_in(page, agent, lands_on="agent.html")
        expect(page.locator("#connection")).to_have_text("Live")
        live.call(dialer.service.control, "popped", "start")
        lead = page.get_by_role("region", name="Campaign lead")
        expect(lead).to_be_visible(timeout=40_000)
        expect(page.locator("#lead-campaign")).to_have_text("Campaign: popped")
        name = lead.locator("dd").first.inner_text()
        i = int(name.removeprefix("Lead "))
        customer = known[i]
        expect(lead).to_contain_text(str(customer.account_number))
        expect(lead).to_contain_text(f"plan-{i}")  # a column of the list, as a field
        record = page.get_by_role("region", name="Customer")
        expect(record.locator(".card-name")).to_have_text(customer.name)
        expect(page.get_by_role("region", name="Call script").locator(".script-text")).to_have_text(
            script
        )
        expect(page.locator("#call-status")).to_have_text("Connected")
        assert axe_violations(page) == []

        attempt = page.evaluate("() => window.switchboardDesk.call.call_id")
        live.run(lambda: dialer.port.execute_outbound(ob.HangupLead(attempt)))
        expect(page.locator("#call-idle")).to_be_visible()
        expect(page.get_by_role("region", name="Wrap-up")).to_be_visible()

        # the wrap-up of a campaign call is the dialer's disposition: a call-back for this agent
        expect(page.get_by_label("Notes")).to_be_hidden()
        page.get_by_label("Disposition").select_option("follow-up")
        page.get_by_label("Call this lead back").check()
        page.get_by_label("Call back at").fill("2030-01-07T10:30")
        page.get_by_label("Only I take this call-back").check()
        assert axe_violations(page) == []
        page.get_by_role("button", name="Save wrap-up").click()
        expect(page.get_by_role("region", name="Wrap-up")).to_be_hidden()
        row = live.call(dialer.service.attempt, attempt)
        assert row.disposition == "follow-up"
        lead_row = live.call(dialer.service.lead, row.lead_id)
        wanted = page.evaluate("() => Date.parse('2030-01-07T10:30') / 1000")
        assert (lead_row.status, lead_row.callback_agent) == ("callback", agent)
        assert lead_row.next_at is not None and lead_row.next_at.timestamp() == wanted
    finally:
        live.call(dialer.service.control, "popped", "pause")
        quiet(live)
