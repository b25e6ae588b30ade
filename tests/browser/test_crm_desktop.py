"""The agent desktop with the customer's own CRM (``SWITCHBOARD_CRM=http``), in a real
browser: a CRM that takes two seconds to answer (tests/fake_crm.py, slow) does not hold the
pop back. The desktop shows the caller at ring with the CRM lookup pending, and the CRM's
record arrives on the same screen while the phone still rings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from cti.settings import Settings
from tests.browser.floor import agents_with, call_phase, place_call, quiet
from tests.browser.pages import browser_tab, log_in
from tests.browser.server import LiveServer, browser_settings
from tests.fake_crm import FakeCrm, fake_crm, rest_record

CALLER = "+442079460123"  # not among the demo's customers: only the external CRM knows them


@pytest.fixture(scope="module")
def crm() -> Iterator[FakeCrm]:
    with fake_crm() as server:
        server.behaviour.customers[CALLER] = rest_record("ext-77", "Grace Hopper")
        yield server


@pytest.fixture(scope="module")
def with_crm(tmp_path_factory: pytest.TempPathFactory, crm: FakeCrm) -> Iterator[LiveServer]:
    workdir: Path = tmp_path_factory.mktemp("crm-desktop")
    base = browser_settings(workdir).model_dump()
    settings = Settings(
        **base | {"crm": "http", "crm_url": crm.url, "crm_timeout_seconds": 5.0, "crm_retries": 0}
    )
    with LiveServer(workdir, settings) as server:
        yield server


@pytest.fixture
def desk(browser: Any, with_crm: LiveServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    with browser_tab(browser, with_crm, request.node.name) as tab:
        yield tab


def test_the_desktop_pops_at_ring_with_the_crm_pending_then_shows_the_crms_record(
    desk: Any, with_crm: LiveServer, crm: FakeCrm
) -> None:
    crm.behaviour.delay = 2.0
    agent = agents_with(with_crm, "sales")[0]
    quiet(with_crm, available=(agent,))
    log_in(desk, agent, lands_on="agent.html")
    expect(desk.locator("#connection")).to_have_text("Live")

    call_id = place_call(with_crm, "sales", CALLER)

    from_crm = desk.get_by_role("region", name="From the CRM")
    expect(desk.get_by_role("button", name="Answer")).to_be_visible()
    expect(from_crm).to_contain_text("Looking the caller up in the CRM…")
    assert call_phase(with_crm, call_id) == "ringing", "the pop must not wait for the CRM"
    expect(from_crm.get_by_text("Grace Hopper")).to_be_visible(timeout=8_000)
    expect(from_crm).to_contain_text("Billing dispute")
    expect(from_crm).not_to_contain_text("Looking the caller up")
    assert call_phase(with_crm, call_id) == "ringing", "enriched before anyone answered"
    assert crm.behaviour.lookups == [CALLER]
