"""``switchboard users import agents.csv`` and ``POST /api/users/import``: accounts from CSV.

The header names the columns, in any order::

    login,display_name,role,password,skills
    agent25,Ada Lovelace,agent,correct-horse-battery,sales:3 support:2

``login``, ``display_name`` and ``password`` are required; ``role`` is agent, supervisor or
admin (agent when empty); ``skills`` are ``name:level`` pairs separated by spaces or ``;``.
Each good row is created; each refused row is named by its line in the file, the field and
the reason, and the rest carry on. A missing column refuses the whole file at line 1.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from cti.crm.errors import InvalidAgent
from cti.errors import SwitchboardError
from cti.roles import Role
from cti.users.service import NewUser, Skills, Users

REQUIRED = ("login", "display_name", "password")
COLUMNS = (*REQUIRED, "role", "skills")
MAX_ROWS = 10_000


@dataclass(frozen=True, slots=True)
class Refused:
    row: int  # the line in the file; the header is line 1
    field: str
    reason: str


@dataclass(slots=True)
class ImportReport:
    created: list[str] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def import_users(users: Users, lines: Iterable[str]) -> ImportReport:
    report = ImportReport()
    seen: set[str] = set()
    for row, parsed in parse(lines):
        if isinstance(parsed, Refused):
            report.refused.append(parsed)
            continue
        if parsed.login in seen:
            report.refused.append(Refused(row, "login", f"{parsed.login!r} is already in the file"))
            continue
        seen.add(parsed.login)
        try:
            report.created.append(users.create(parsed).login)
        except InvalidAgent as exc:
            report.refused.append(Refused(row, exc.field, exc.reason))
        except SwitchboardError as exc:
            report.refused.append(Refused(row, "login", exc.message))
    return report


def parse(lines: Iterable[str]) -> Iterator[tuple[int, NewUser | Refused]]:
    reader = csv.DictReader(iter(lines), restval="")
    header = [name.strip() for name in reader.fieldnames or ()]
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing or unknown:
        why = f"missing column {missing[0]!r}" if missing else f"unknown column {unknown[0]!r}"
        yield 1, Refused(1, (missing or unknown)[0], f"{why}; the columns are {', '.join(COLUMNS)}")
        return
    reader.fieldnames = header
    for count, record in enumerate(reader, start=1):
        if count > MAX_ROWS:
            yield reader.line_num, Refused(reader.line_num, "-", f"more than {MAX_ROWS} rows")
            return
        yield reader.line_num, _user(reader.line_num, record)


def _user(row: int, record: dict[str | None, str | list[str]]) -> NewUser | Refused:
    if record.get(None):
        return Refused(row, "-", "more values than columns")
    values = {k: str(v).strip() for k, v in record.items() if k is not None}
    try:
        role = Role(values.get("role") or Role.AGENT.value)
    except ValueError:
        return Refused(row, "role", f"{values['role']!r} is not agent, supervisor or admin")
    skills = _skills(values.get("skills", ""))
    if isinstance(skills, str):
        return Refused(row, "skills", skills)
    return NewUser(values["login"], values["display_name"], values["password"], role, skills)


def _skills(text: str) -> Skills | str:
    """``"sales:3 support:2"`` as pairs, or the reason it is not."""
    pairs = []
    for item in text.replace(";", " ").split():
        name, _, level = item.partition(":")
        if not level.isdigit():
            return f"{item!r} is not name:level (a level 1 to 5)"
        pairs.append((name, int(level)))
    return tuple(pairs)
