"""Every module of Switchboard's own packages, imported, for tests that look across all of them
(one definition per concept, error trees drawn true)."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from types import ModuleType

#: The product's top-level packages; a package that has not arrived yet is skipped.
PACKAGES = ("cti", "acd", "ivr", "wfm", "simulations", "dialer")
#: Alembic's scripts run only inside Alembic (``env.py`` reads its context on import).
NOT_IMPORTABLE = ("cti.migrations",)


def project_modules() -> list[ModuleType]:
    """Import and return every module under ``PACKAGES``, packages included."""
    modules: list[ModuleType] = []
    for name in PACKAGES:
        if importlib.util.find_spec(name) is None:
            continue
        package = importlib.import_module(name)
        modules.append(package)
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            if _importable(info.name):
                modules.append(importlib.import_module(info.name))
    return modules


def defined_here(module: ModuleType) -> list[type]:
    """The classes ``module`` defines itself (not the ones it imports)."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__ == module.__name__
    ]


def _importable(name: str) -> bool:
    leaf = name.rsplit(".", 1)[-1]
    skipped = any(name == p or name.startswith(f"{p}.") for p in NOT_IMPORTABLE)
    return leaf != "__main__" and not skipped
