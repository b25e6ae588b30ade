"""``OneSession`` (``switchboard pbx check`` and ``switchboard capture``) against the fake
Asterisk that replays recorded Asterisk 22 bytes: the one ``AmiSession`` under it correlates
the answers, lists included, and the session fails at once, saying why."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest
from pydantic import SecretStr

from cti.asterisk.ami import Action, builders
from cti.pbx.recorder import record
from cti.pbx.session import OneSession, SessionFailed, masked
from cti.settings import Settings
from tests.fake_ami import SECRET, FakeAmi, fake_ami


def settings(fake: FakeAmi, secret: str = SECRET) -> Settings:
    return Settings(ami_port=fake.port, ami_user="cti", ami_secret=SecretStr(secret))


async def test_actions_get_their_whole_answers_under_the_sessions_action_ids() -> None:
    async with fake_ami() as fake, OneSession(settings(fake), timeout=2.0) as ami:
        added = await ami.execute(
            partial(builders.queue_add, queue="loadq", interface="PJSIP/erin", penalty=1)
        )
        status = await ami.execute(builders.queue_status)
        refused = await ami.execute(
            partial(builders.queue_add, queue="nosuchq", interface="PJSIP/erin")
        )
    assert [a["ActionID"] for a in fake.received] == ["sb-1", "sb-2", "sb-3", "sb-4", "sb-5"]
    assert [a["Action"] for a in fake.received] == [
        "Login", "QueueAdd", "QueueStatus", "QueueAdd", "Logoff"
    ]  # fmt: skip
    assert fake.received[0]["Events"] == "on" and fake.received[0]["Secret"] == SECRET
    assert added.ok and added.action_id == "sb-2"
    assert status.ok and status.complete is not None
    assert status.complete.name == "QueueStatusComplete"
    assert len(status.events) == int(status.complete.get("ListItems") or -1) > 0
    assert not refused.ok and refused.response.message
    assert "QueueMemberAdded" in [e.name for e in ami.events]  # after the first QueueAdd
    assert not [e for e in ami.events if e.get("ActionID") in ("sb-3",)]  # the list's own


async def test_events_reach_on_event_as_they_arrive() -> None:
    seen: list[str] = []
    async with fake_ami() as fake, OneSession(settings(fake), timeout=2.0) as ami:
        ami.on_event = lambda event: seen.append(event.name)
        before = len(ami.events)  # those of the login
        await ami.execute(
            partial(builders.queue_add, queue="loadq", interface="PJSIP/erin", penalty=1)
        )
    assert "QueueMemberAdded" in seen and seen == [e.name for e in ami.events[before:]]


async def test_a_refused_login_fails_the_session_with_the_pbx_reason() -> None:
    async with fake_ami() as fake:
        fake.login_refusal = "Authentication failed"
        with pytest.raises(SessionFailed) as failed:
            async with OneSession(settings(fake, "wrong"), timeout=2.0):
                pass
    assert failed.value.message == (
        f"AMI: 127.0.0.1:{fake.port} refused the login of 'cti': Authentication failed"
    )


async def test_nothing_listening_fails_at_once() -> None:
    async with fake_ami() as fake:
        port = fake.port
    with pytest.raises(SessionFailed, match=f"cannot connect to 127.0.0.1:{port}"):
        async with OneSession(Settings(ami_port=port, ami_secret=SecretStr(SECRET)), timeout=2.0):
            pass


async def test_an_unanswered_action_fails_after_the_timeout_and_the_session_goes_on() -> None:
    async with fake_ami() as fake, OneSession(settings(fake), timeout=0.3) as ami:
        fake.swallow.add("ping")
        with pytest.raises(SessionFailed, match=r"no answer to Ping in 0\.3 s"):
            await ami.execute(builders.ping)
        fake.swallow.clear()
        assert (await ami.execute(builders.ping)).ok


async def test_the_pbx_closing_the_connection_fails_the_action_waiting() -> None:
    async with fake_ami() as fake:
        closed = r"the PBX closed the connection|the connection to the PBX failed"
        with pytest.raises(SessionFailed, match=closed):
            async with OneSession(settings(fake), timeout=2.0) as ami:
                fake.swallow.add("ping")
                fake.cut()
                await ami.execute(builders.ping)


def test_only_the_secret_is_masked() -> None:
    login = builders.login("sb-1", username="cti", secret=SECRET, events=True)
    assert masked(login) == (
        b"Action: Login\r\nActionID: sb-1\r\nUsername: cti\r\nSecret: ********\r\n"
        b"Events: on\r\n\r\n"
    )
    ping = Action("Ping", "sb-2")
    assert masked(ping) == ping.to_bytes()


async def test_capture_writes_whole_messages_with_the_secret_masked(tmp_path: Path) -> None:
    out = tmp_path / "capture.jsonl"
    async with fake_ami() as fake:
        written = await record(settings(fake), out, 0.2)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert written == len(lines) > 5
    assert lines[0]["dir"] == "recv" and lines[0]["raw"] == "Asterisk Call Manager/11.0.0\r\n"
    assert lines[1]["dir"] == "send" and lines[1]["raw"].startswith("Action: Login\r\n")
    assert "Secret: ********\r\n" in lines[1]["raw"] and SECRET not in out.read_text()
    sent = [line["raw"].split("\r\n", 1)[0] for line in lines if line["dir"] == "send"]
    assert sent == ["Action: Login", "Action: Logoff"]
    assert lines[2]["dir"] == "recv" and lines[2]["raw"].startswith("Response: Success\r\n")
    assert "Event: FullyBooted\r\n" in [line["raw"][:20] for line in lines]
    assert all(line["raw"].endswith("\r\n\r\n") for line in lines[1:])
    assert fake.raw_actions[0] != lines[1]["raw"].encode()  # the real secret went to the PBX
