"""The live harness itself, without a PBX (README's table of environment-forced changes is
the harness's list, Asterisk is found in the documented order), and a Dial string parsed
as the live click-to-dial sends it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cti.asterisk.fields import dialled_number
from tests.live.pbx import CHANGES, ROOT, AsteriskMissing, find_asterisk


def test_readme_lists_every_change_the_live_tests_make_to_the_example() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("Only what this environment forces") :]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    for change in CHANGES:
        assert any(f"`{change.file}`" in row and change.why in row for row in rows), change


def test_asterisk_named_by_the_variable_that_does_not_exist_is_reported() -> None:
    with pytest.raises(AsteriskMissing, match="ASTERISK names /nowhere/asterisk"):
        find_asterisk({"ASTERISK": "/nowhere/asterisk"})


def test_a_folder_without_the_bundle_layout_is_reported(tmp_path: Path) -> None:
    (tmp_path / "sbin").mkdir()
    (tmp_path / "sbin" / "asterisk").write_text("")
    with pytest.raises(AsteriskMissing, match="no start script"):
        find_asterisk({"ASTERISK": str(tmp_path / "sbin" / "asterisk")})


@pytest.mark.parametrize(
    ("dial_string", "number"),
    [
        ("15@callers", "15"),
        ("+14155550188@switchboard-outbound/n", "+14155550188"),
        ("+14155550188@switchboard-outbound/n,30", "+14155550188"),
        ("trunk/sip:+14155550188@host", "+14155550188"),
    ],
)
def test_the_dialled_number_is_read_past_a_local_channels_options(
    dial_string: str, number: str
) -> None:
    assert dialled_number(dial_string) == number
