"""A seeded, bounded schemathesis run over every operation of the real server's OpenAPI, as
each role and unauthenticated: no input may make the server answer 5xx, and every status it
answers is one the operation documents.

The server is the real one (``switchboard serve`` on a free port, the demo seed). Each
generated request is sent as an agent, a supervisor, an admin and with no token. ``make
fuzz`` runs the same with many more examples (``FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.schemas import APIOperation

from tests.server_process import Server, serve
from tests.support import PASSWORD

SEED = 20261201
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
ROLES = {"agent": "agent01", "supervisor": "super01", "admin": "admin", "anonymous": None}
REQUEST_TIMEOUT = 60
#: make test fuzzes the embedded default; make fuzz adds PostgreSQL ("sqlite,postgres").
DATABASES = os.environ.get("FUZZ_DATABASES", "sqlite").split(",")


@dataclass
class Tally:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    undocumented: list[str] = field(default_factory=list)


@pytest.fixture(params=DATABASES)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'fuzz.db'}"
    with serve(tmp_path, url, demo_customers="40", demo_agents="4") as running:
        yield running


class Tokens:
    """A token per role, fetched again if a fuzzed request revoked it (a logout, say)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self._tokens = {role: server.token(login) for role, login in ROLES.items() if login}

    def headers(self, role: str) -> dict[str, str]:
        token = self._tokens.get(role)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def refresh(self, role: str) -> None:
        """Log in again; if the server refuses now (a throttle the fuzzed logins tripped),
        keep the old token: the requests it gets refused are still fuzzed."""
        login = ROLES[role]
        if login is None:
            return
        form = {"username": login, "password": PASSWORD}
        res = requests.post(f"{self.server.base}/api/auth/token", data=form, timeout=30)
        if res.status_code == 200:
            self._tokens[role] = str(res.json()["access_token"])


def test_no_generated_request_gets_a_server_error_as_any_role(server: Server) -> None:
    schema = schemathesis.openapi.from_url(f"{server.base}/openapi.json")
    schema.config.update(base_url=server.base)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    tokens, tally, session = Tokens(server), Tally(), requests.Session()
    for operation in operations:
        _fuzz(operation, tokens, tally, session)
    print(f"fuzzed {tally.requests} requests over {len(operations)} operations")
    report = [*tally.server_errors, *sorted(set(tally.undocumented))]
    Path(os.environ.get("FUZZ_REPORT", os.devnull)).write_text("\n".join(report))
    assert tally.server_errors == [], "\n".join(tally.server_errors[:20])
    assert tally.undocumented == [], "\n".join(sorted(set(tally.undocumented))[:20])
    assert "Traceback" not in server.log_text()


def _fuzz(operation: APIOperation, tokens: Tokens, tally: Tally, session: requests.Session) -> None:
    documented = set(operation.definition.raw.get("responses", {}))
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        for role in ROLES:
            response = case.call(
                session=session, headers=tokens.headers(role), timeout=REQUEST_TIMEOUT
            )
            tally.requests += 1
            status = response.status_code
            where = f"{operation.label} as {role}: {status}"
            if status >= 500 and not _deliberate(response):
                tally.server_errors.append(
                    f"{where}\n  {case.as_curl_command()}\n  {response.text[:300]}"
                )
            elif str(status) not in documented:
                tally.undocumented.append(where)
            if status == 401 and role != "anonymous":
                tokens.refresh(role)

    run()


def _deliberate(response: requests.Response) -> bool:
    """The simulated PBX's documented 501: it has no queue members and records nothing."""
    if response.status_code != 501:
        return False
    return bool(response.json().get("error_id") == "not-supported-by-pbx")
