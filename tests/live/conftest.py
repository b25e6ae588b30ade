"""Fixtures for the live tests: a real Asterisk per test, and Switchboard connected to it.

Without an Asterisk (see ``pbx.find_asterisk``) the tests skip and say why; under ``CI=true``
they fail. Every test gets its own run folder and AMI, FastAGI and HTTP ports, so the suite
can run in parallel.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import unavailable
from tests.live.pbx import AsteriskMissing, Bundle, Pbx, find_asterisk
from tests.live.routing import route_mode
from tests.live.switchboard import Switchboard


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "asterisk" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.asterisk)


@pytest.fixture(scope="session")
def asterisk() -> Bundle:
    try:
        return find_asterisk()
    except AsteriskMissing as exc:
        unavailable(str(exc))


@pytest.fixture
def run_dir() -> Iterator[Path]:
    # Not tmp_path: Asterisk's control socket lives in here, and a UNIX socket's path must
    # stay under 108 bytes however long the test's name.
    folder = Path(tempfile.mkdtemp(prefix="sb-live-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pbx(asterisk: Bundle, run_dir: Path) -> Iterator[Pbx]:
    """Asterisk running the example configuration (``docs/asterisk``, with ``CHANGES``)."""
    pbx = Pbx(asterisk, run_dir / "asterisk").configure().start()
    try:
        yield pbx
    finally:
        pbx.stop()


@pytest.fixture
def switchboard(pbx: Pbx, run_dir: Path) -> Iterator[Switchboard]:
    server = Switchboard(run_dir / "switchboard", pbx).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def routed(pbx: Pbx, run_dir: Path) -> Iterator[Switchboard]:
    """Switchboard in route mode (mode b): its own ACD picks the agents."""
    server = route_mode(run_dir / "switchboard", pbx)
    try:
        yield server
    finally:
        server.stop()
