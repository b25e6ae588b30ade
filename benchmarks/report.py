"""The benchmark rows as JSON, so that runs can be compared over time.

Each row keeps its five texts (figure, measured, target, peer, ratio) as printed, and the
first number of the measured, peer and ratio texts as a number (``None`` where there is
none), so a later run can be set beside this one without parsing prose::

    {"section": "wfm", "figure": "...", "measured": "14,900 calls/s", "measured_value": 14900.0,
     "target": "...", "peer": "...", "peer_value": 44500.0, "ratio": "0.33x the bare model",
     "ratio_value": 0.33}
"""

from __future__ import annotations

import json
import platform
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Row = tuple[str, str, str, str, str]
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")


def first_number(text: str) -> float | None:
    """The first number in ``text`` (thousands separators allowed), or ``None``."""
    found = _NUMBER.search(text)
    return float(found.group().replace(",", "")) if found else None


def row_record(section: str, row: Row) -> dict[str, Any]:
    figure, measured, target, peer, ratio = row
    return {
        "section": section,
        "figure": figure,
        "measured": measured,
        "measured_value": first_number(measured),
        "target": target,
        "peer": peer,
        "peer_value": first_number(peer.split(":", 1)[-1] if ":" in peer else peer),
        "ratio": ratio,
        "ratio_value": first_number(ratio),
    }


def write_json(path: Path, rows: list[tuple[str, Row]]) -> None:
    document = {
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "rows": [row_record(section, row) for section, row in rows],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
