"""Campaigns: what a campaign is, validated; start, pause and stop; edits while running; the
API with its refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from cti.clock import ManualClock
from dialer.campaign import AbandonRule, CampaignSpec
from dialer.errors import CampaignExists, CampaignStateConflict, InvalidCampaign
from dialer.models import CampaignState
from dialer.service import CampaignService, validate_spec
from tests.dialer_support import spec
from tests.support import auth, running_app, services


def test_a_valid_campaign_has_the_regulatory_defaults() -> None:
    made = validate_spec(spec())
    assert made.abandon_seconds == 2.0 and made.ring_seconds >= 15.0 and made.limit == 0.03
    assert made.window_seconds == 30 * 86400  # US: 30 days
    assert validate_spec(spec(abandon_rule="uk")).window_seconds == 86400
    text = made.safe_harbour.text()
    assert "Acme Energy" in text and "+12125550100" in text and "press 9" in text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ring_seconds": 10}, "ring_seconds"),
        ({"abandon_seconds": 5}, "abandon_seconds"),
        ({"limit": 0.05}, "limit"),
        ({"caller_id": "12"}, "caller_id"),
        ({"mode": "robocall"}, "mode"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"window": {"start": "18:00", "end": "09:00"}}, "window"),
        ({"unknown_zone": "assume"}, "assume_zone"),
        ({"unknown_zone": "assume", "assume_zone": "Mars/Olympus"}, "assume_zone"),
        ({"machine_action": "message"}, "machine_message"),
        ({"retries": {"no-answer": {"delay_minutes": -1}}}, "retries.no-answer.delay_minutes"),
        ({"safe_harbour": {"company": "", "callback_number": "+12125550100"}}, "safe_harbour"),
    ],
)
def test_a_bad_campaign_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidCampaign) as refused:
        validate_spec(spec(**change))
    assert any(field in problem for problem in refused.value.details["errors"]), refused.value


@pytest.fixture
def campaigns(session_factory: sessionmaker[Session]) -> CampaignService:
    return CampaignService(session_factory, ManualClock())


def test_start_pause_stop_follow_the_campaign_states(campaigns: CampaignService) -> None:
    campaigns.create("renewals", spec())
    with pytest.raises(CampaignStateConflict):
        campaigns.control("renewals", "pause")  # a draft is not running
    assert campaigns.control("renewals", "start").state is CampaignState.RUNNING
    assert campaigns.control("renewals", "pause").state is CampaignState.PAUSED
    assert campaigns.control("renewals", "start").state is CampaignState.RUNNING
    assert campaigns.control("renewals", "stop").state is CampaignState.STOPPED
    with pytest.raises(CampaignExists):
        campaigns.create("renewals", spec())


def test_an_edit_to_a_running_campaign_is_validated_and_told_to_listeners(
    campaigns: CampaignService,
) -> None:
    campaigns.create("renewals", spec())
    campaigns.control("renewals", "start")
    seen: list[CampaignSpec] = []
    campaigns.listeners.append(lambda c: seen.append(c.spec))
    with pytest.raises(InvalidCampaign):
        campaigns.edit("renewals", spec(ring_seconds=5))
    assert seen == [] and campaigns.get("renewals").spec.ring_seconds == 20.0
    campaigns.edit("renewals", spec(abandon_rule="uk", ring_seconds=25))
    assert seen[-1].abandon_rule is AbandonRule.UK and seen[-1].ring_seconds == 25
    assert campaigns.get("renewals").state is CampaignState.RUNNING


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with running_app(tmp_path_factory.mktemp("dialer-api")) as c:
        yield c


def test_the_api_creates_edits_and_runs_a_campaign_without_a_restart(client: TestClient) -> None:
    headers = auth(client, "super01")
    res = client.post(
        "/api/dialer/campaigns", json={"name": "winback", "spec": spec()}, headers=headers
    )
    assert res.status_code == 201, res.text
    assert res.json()["safe_harbour_text"].endswith("press 9 now.")
    assert client.post("/api/dialer/campaigns/winback/start", headers=headers).status_code == 200
    engine = services(client).dialer
    assert engine is not None
    runtime = next(r for r in engine.runtimes.values() if r.spec.caller_id == "+12125550100")
    res = client.put(
        "/api/dialer/campaigns/winback", json=spec(caller_id="+12125550111"), headers=headers
    )
    assert res.status_code == 200, res.text
    assert runtime.spec.caller_id == "+12125550111" and runtime.running
    res = client.put("/api/dialer/campaigns/winback", json=spec(ring_seconds=3), headers=headers)
    assert res.status_code == 422 and "ring_seconds" in res.text
    assert (
        client.post("/api/dialer/campaigns/winback/pause", headers=headers).json()["state"]
        == "paused"
    )
    assert not runtime.running
    status = client.get("/api/dialer/campaigns/winback/status", headers=headers).json()
    assert status["dialling"] is False and "paused" in status["reason"]


def test_agents_may_not_manage_campaigns(client: TestClient) -> None:
    res = client.get("/api/dialer/campaigns", headers=auth(client, "agent01"))
    assert res.status_code == 403


def test_an_unknown_campaign_is_a_404(client: TestClient) -> None:
    res = client.get("/api/dialer/campaigns/nothing-here/status", headers=auth(client, "super01"))
    assert res.status_code == 404 and res.json()["error_id"] == "no-such-campaign"


def test_the_dnc_api_adds_lists_and_removes_a_number(client: TestClient, tmp_path: Path) -> None:
    headers = auth(client, "super01")
    res = client.post("/api/dialer/dnc", json={"phone": "(212) 555-0177"}, headers=headers)
    assert res.status_code == 201 and res.json()["phone"] == "+12125550177", res.text
    listed = client.get("/api/dialer/dnc", params={"source": "internal"}, headers=headers).json()
    assert "+12125550177" in [row["phone"] for row in listed]
    res = client.delete("/api/dialer/dnc/+12125550177", headers=headers)
    assert res.json() == {"removed": True}
    res = client.post("/api/dialer/dnc", json={"phone": "12"}, headers=headers)
    assert res.status_code == 422
