"""Every error module's docstring draws its real class tree, and so does every other module
that draws one (rules in ``tests/error_trees.py``)."""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.error_trees import drawn_trees, mismatched_labels, real_trees
from tests.project_modules import project_modules

MODULES = project_modules()
ERROR_MODULES = [m for m in MODULES if m.__name__.rsplit(".", 1)[-1] == "errors"]
DRAWING_MODULES = [m for m in MODULES if drawn_trees(m)]


def _render(tops: list) -> str:  # type: ignore[type-arg]
    return "\n".join(line for top in sorted(tops, key=lambda t: t.name) for line in top.render())


def test_every_package_with_errors_has_an_errors_module_that_is_checked() -> None:
    names = {m.__name__ for m in ERROR_MODULES}
    assert {
        "cti.errors",
        "cti.telephony.errors",
        "cti.crm.errors",
        "cti.auth.errors",
        "cti.asterisk.ami.errors",
        "acd.errors",
        "ivr.errors",
        "wfm.errors",
    } <= names
    assert {m.__name__ for m in DRAWING_MODULES} >= names | {"cti.asterisk.agi"}


@pytest.mark.parametrize("module", ERROR_MODULES, ids=lambda m: m.__name__)
def test_an_errors_module_draws_a_tree(module: ModuleType) -> None:
    assert drawn_trees(module), f"{module.__name__} draws no error tree in its docstring"


@pytest.mark.parametrize("module", DRAWING_MODULES, ids=lambda m: m.__name__)
def test_the_drawn_error_tree_is_the_real_one(module: ModuleType) -> None:
    drawn = drawn_trees(module)
    real = real_trees(module, drawn)
    assert {t.shape() for t in drawn} == {t.shape() for t in real}, (
        f"{module.__name__} draws\n{_render(drawn)}\nbut the classes are\n{_render(real)}"
    )


@pytest.mark.parametrize("module", DRAWING_MODULES, ids=lambda m: m.__name__)
def test_the_drawn_status_and_error_id_are_the_classes_own(module: ModuleType) -> None:
    assert mismatched_labels(drawn_trees(module), module) == []


def _example(doc: str) -> ModuleType:
    """A module ``cti.example_errors`` with a root, a private middle, and a class with two
    parents; not a SwitchboardError, so no real tree sees it."""
    module = ModuleType("cti.example_errors", doc)
    namespace: dict[str, object] = {"__name__": module.__name__}
    exec(  # the classes must be made inside the module's namespace to belong to it
        "class ExampleError(Exception):\n    status = 400\n    error_id = 'example'\n"
        "class _Middle(ExampleError): pass\n"
        "class Refused(_Middle):\n    status = 409\n    error_id = 'refused'\n"
        "class Gone(ExampleError): pass\n"
        "class GoneAndRefused(Refused, Gone): pass\n",
        namespace,
    )
    vars(module).update(namespace)
    return module


def test_a_drawing_that_leaves_a_class_out_or_skips_a_parent_is_not_the_real_tree() -> None:
    module = _example(
        "Errors::\n\n    ExampleError\n    ├── Refused\n    │   └── GoneAndRefused\n    └── Gone\n"
    )
    drawn = drawn_trees(module)
    assert {t.shape() for t in drawn} != {t.shape() for t in real_trees(module, drawn)}
    whole = _example(
        "Errors::\n\n    ExampleError\n    ├── Refused\n    │   └── GoneAndRefused\n"
        "    └── Gone\n        └── GoneAndRefused\n"
    )
    drawn = drawn_trees(whole)
    assert {t.shape() for t in drawn} == {t.shape() for t in real_trees(whole, drawn)}


def test_a_drawn_status_or_error_id_that_is_not_the_classes_own_is_named() -> None:
    module = _example("Errors::\n\n    ExampleError   400 example\n    └── Refused   404 refused\n")
    assert mismatched_labels(drawn_trees(module), module) == ["Refused: drawn 404, is 409"]
