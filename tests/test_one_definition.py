"""One definition per concept: no enum and no error is defined twice across the packages."""

from __future__ import annotations

from collections import defaultdict
from enum import Enum

from cti.errors import SwitchboardError
from tests.project_modules import defined_here, project_modules


def _enums() -> list[type[Enum]]:
    return [c for m in project_modules() for c in defined_here(m) if issubclass(c, Enum)]


def _where(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def test_enough_enums_are_found_for_the_checks_to_mean_something() -> None:
    names = {e.__name__ for e in _enums()}
    assert {"Role", "Direction", "Outcome", "AgentState", "Tier"} <= names
    assert len(names) >= 10


def test_no_two_enums_share_a_name() -> None:
    by_name: dict[str, list[str]] = defaultdict(list)
    for enum in _enums():
        by_name[enum.__name__].append(_where(enum))
    assert {name: where for name, where in by_name.items() if len(where) > 1} == {}


def test_no_two_enums_share_their_values() -> None:
    by_values: dict[frozenset[object], list[str]] = defaultdict(list)
    for enum in _enums():
        by_values[frozenset(m.value for m in enum)].append(_where(enum))
    assert [where for where in by_values.values() if len(where) > 1] == []


def _errors() -> list[type[SwitchboardError]]:
    found = [c for m in project_modules() for c in defined_here(m)]
    return [c for c in found if issubclass(c, SwitchboardError) and not c.__name__.startswith("_")]


def test_no_two_errors_share_a_name() -> None:
    by_name: dict[str, list[str]] = defaultdict(list)
    for error in _errors():
        by_name[error.__name__].append(_where(error))
    assert len(by_name) >= 40
    assert {name: where for name, where in by_name.items() if len(where) > 1} == {}


def test_no_two_errors_declare_the_same_error_id() -> None:
    by_id: dict[str, list[str]] = defaultdict(list)
    for error in _errors():
        if "error_id" in vars(error):
            by_id[error.error_id].append(_where(error))
    assert len(by_id) >= 40
    assert {error_id: where for error_id, where in by_id.items() if len(where) > 1} == {}
