"""The audit log page in a real browser: an admin reads who did what, filters it and pages
back; nobody else is shown it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.pages import PASSWORD, axe_violations, log_in, shoot
from tests.browser.server import LiveServer


def _supervisor_changes_skills(page: Any, times: int) -> None:
    """A supervisor's actions through the API, as the board's Manage dialog makes them."""
    res = page.request.post("/api/auth/token", form={"username": "super02", "password": PASSWORD})
    assert res.ok, res.text()
    headers = {"Authorization": f"Bearer {res.json()['access_token']}"}
    for n in range(times):
        done = page.request.put(
            f"/api/skills/audited-{n % 3}", data={"description": f"change {n}"}, headers=headers
        )
        assert done.ok, done.text()


def open_audit(page: Any) -> None:
    log_in(page, "admin", lands_on="board.html")
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/ui/audit.html")


def test_an_admin_sees_who_did_what_filters_by_user_and_action_and_pages_back(
    page: Any, live: LiveServer
) -> None:
    _supervisor_changes_skills(page, 55)
    open_audit(page)
    rows = page.locator("#audit-rows tr")
    expect(rows).to_have_count(50)
    expect(page.locator("#audit-rows")).to_contain_text("auth.login")  # the admin's own
    page.get_by_label("User").fill("super02")
    page.get_by_label("Action contains").fill("skills")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#audit-count")).to_contain_text("50 entries shown; older ones remain")
    first = rows.first
    expect(first).to_contain_text("super02")
    expect(first).to_contain_text("PUT /api/skills/{name}")
    expect(first).to_contain_text("name audited-")
    expect(first).to_contain_text("ok (204)")
    assert axe_violations(page) == []
    shoot(page, "audit")
    page.get_by_role("button", name="Older entries").click()
    expect(rows).to_have_count(55)
    expect(page.get_by_role("button", name="Older entries")).to_be_hidden()
    expect(page.locator("#audit-count")).to_have_text("55 entries shown.")


def test_a_time_range_in_the_future_shows_no_entries(page: Any, live: LiveServer) -> None:
    open_audit(page)
    page.get_by_label("From").fill("2999-01-01T00:00:00")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#audit-count")).to_have_text("No entries match.")
    expect(page.locator("#audit-rows tr")).to_have_count(0)


def test_the_form_is_usable_from_the_keyboard(page: Any, live: LiveServer) -> None:
    open_audit(page)
    page.get_by_label("User").focus()
    page.keyboard.type("admin")
    page.keyboard.press("Enter")  # submits the form
    users = page.locator("#audit-rows tr td:nth-child(2)")
    # the unfiltered rows are replaced once the answer comes (they may start with admin too)
    expect(users.filter(has_not_text="admin")).to_have_count(0)
    expect(page.locator("#audit-rows tr").first).to_contain_text("admin")
    for row in users.all_inner_texts():
        assert row == "admin"


def test_a_supervisor_is_not_offered_the_audit_log_and_is_told_it_is_for_admins(
    page: Any, live: LiveServer
) -> None:
    log_in(page, "super01", lands_on="board.html")
    expect(page.get_by_role("link", name="Planner")).to_be_visible()
    expect(page.get_by_role("link", name="Audit log")).to_be_hidden()
    page.goto("/ui/audit.html")
    expect(page.get_by_role("heading", name="The audit log is for admins")).to_be_visible()
    assert axe_violations(page) == []
